"""An installed-units CSV, read into the objects `POST /api/v1/units` takes, one per row.

Columns (a header row first; order free; UTF-8, a byte-order mark is allowed):

- `customer_id`, `model`, `serial_number`, `site`, `region`, `accepted_at`: required.
- `inspection_interval_months`: optional; an empty cell means no periodic inspection.
- `service_contract`: optional; the contract number whose service policy (commitments) applies.
- `warranty:<component_class>` (e.g. `warranty:electrical`): the warranty of that component class in
  months from acceptance; an empty cell gives that class no warranty in this row. Spare-parts years are
  sent as JSON only.

Any other column is refused, as an unknown JSON field is.
"""

from dataclasses import dataclass, field
from typing import Any

from api.shipment_csv import UnreadableCsv, read_table

REQUIRED = ("customer_id", "model", "serial_number", "site", "region", "accepted_at")
OPTIONAL = ("inspection_interval_months", "service_contract")
WARRANTY_PREFIX = "warranty:"


@dataclass(frozen=True)
class UnitCsvRow:
    """One data row as a unit object, or why it could not become one."""

    body: dict[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    warranty_columns: list[str] = field(default_factory=list)  # the row's filled ones, as in `body`

    def column_of(self, place: str) -> str:
        """The CSV column a field of the unit object comes from, e.g. `warranty.0.months`."""
        parts = place.split(".")
        if parts[0] == "warranty" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self.warranty_columns):
                return self.warranty_columns[index]
        return place


def read_units_csv(body: bytes) -> list[UnitCsvRow]:
    _, rows = read_table(body, _check_header, _row)
    return rows


def _check_header(columns: list[str]) -> None:
    for column in columns:
        if columns.count(column) > 1:
            raise UnreadableCsv(f"the column {column!r} appears twice", field=column)
        if column in REQUIRED or column in OPTIONAL:
            continue
        if not column.startswith(WARRANTY_PREFIX) or not column.removeprefix(WARRANTY_PREFIX).strip():
            known = ", ".join(REQUIRED + OPTIONAL)
            raise UnreadableCsv(
                f"unknown column {column!r}: the columns are {known}, and warranty:<component_class>",
                field=column,
            )
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise UnreadableCsv(f"the CSV lacks the column(s) {', '.join(missing)}", field=missing[0])


def _row(columns: list[str], cells: list[str]) -> UnitCsvRow:
    if len(cells) > len(columns):
        return UnitCsvRow({}, [("row", f"the row has {len(cells)} cells, the header {len(columns)}")])
    body: dict[str, Any] = {"warranty": []}
    warranty_columns: list[str] = []
    for column, cell in zip(columns, cells, strict=False):
        value = cell.strip()
        if not value:
            continue  # an empty cell is an absent field: required ones are then reported missing
        if column.startswith(WARRANTY_PREFIX):
            component_class = column.removeprefix(WARRANTY_PREFIX).strip()
            body["warranty"].append({"component_class": component_class, "months": value})
            warranty_columns.append(column)
        else:
            body[column] = value
    return UnitCsvRow(body, warranty_columns=warranty_columns)

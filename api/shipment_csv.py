"""A shipments CSV, read into the objects `POST /api/v1/shipments` takes, one per row.

Columns (a header row first; order free; UTF-8, a byte-order mark is allowed):

- `reference`, `contract_id`, `quantity`, `unit`, `weighbridge_ticket`, `dispatch_weight`,
  `certificate_issuer`, `certificate_number`, `transport_mode`, `carrier`, `dispatched_at`: required.
- `arrived_at`: optional; an empty cell means not arrived yet.
- `cert:<parameter>` (e.g. `cert:Qnet,ar`, quoted because of the comma): the certified value, in the unit
  the contract specifies the parameter in; `cert:<parameter> [<unit>]` (e.g. `cert:Had [%]`) names the
  unit, needed for a parameter the contract does not specify. An empty cell: not certified in this row.

Any other column is refused, as an unknown JSON field is.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

REQUIRED = (
    "reference",
    "contract_id",
    "quantity",
    "unit",
    "weighbridge_ticket",
    "dispatch_weight",
    "certificate_issuer",
    "certificate_number",
    "transport_mode",
    "carrier",
    "dispatched_at",
)
OPTIONAL = ("arrived_at",)
_CERTIFIED = re.compile(r"cert:(?P<parameter>.+?)(?:\s*\[(?P<unit>[^\[\]]+)\])?")
# What a header check gives back, and what a row becomes: each importer's own.
Header = TypeVar("Header")
Row = TypeVar("Row")
_NESTED = {"certificate_issuer": ("certificate", "issuer"), "certificate_number": ("certificate", "number")}


class UnreadableCsv(Exception):
    """The file as a whole cannot be read: nothing of it is imported."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CsvRow:
    """One data row as a shipment object, or why it could not become one."""

    body: dict[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)


@dataclass
class ShipmentsCsv:
    rows: list[CsvRow]
    certified_columns: dict[str, str]  # parameter -> column header

    def column_of(self, place: str) -> str:
        """The CSV column a field of the shipment object comes from, e.g. `certificate.issuer`."""
        for column, nested in _NESTED.items():
            if place == ".".join(nested):
                return column
        prefix = "certificate.values."
        if place.startswith(prefix):
            rest = place.removeprefix(prefix)
            # Parameter names may hold dots: the longest known name that starts the rest is the one.
            for parameter in sorted(self.certified_columns, key=len, reverse=True):
                if rest == parameter or rest.startswith(parameter + "."):
                    return self.certified_columns[parameter]
        return place


def read_shipments_csv(body: bytes) -> ShipmentsCsv:
    certified, rows = read_table(body, _check_header, _row)
    return ShipmentsCsv(rows, {parameter: column for column, (parameter, _) in certified.items()})


def read_table(
    body: bytes,
    check_header: Callable[[list[str]], Header],
    read_row: Callable[[list[str], list[str]], Row],
) -> tuple[Header, list[Row]]:
    """A UTF-8 CSV body (of shipments, of units): what `check_header` makes of its header, and each
    non-blank data row as `read_row` reads it; `UnreadableCsv` naming `body` if there is no such table."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableCsv(f"the CSV is not UTF-8 (byte {error.start})", field="body") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise UnreadableCsv("the CSV is empty: a header row comes first", field="body")
        columns = [cell.strip() for cell in header]
        checked = check_header(columns)
        # A blank line is no row (spreadsheets leave one at the end).
        rows = [read_row(columns, cells) for cells in reader if any(cell.strip() for cell in cells)]
    except csv.Error as error:
        raise UnreadableCsv(f"the CSV is malformed: {error}", field="body") from None
    if not rows:
        raise UnreadableCsv("the CSV has a header but no rows", field="body")
    return checked, rows


def _check_header(columns: list[str]) -> dict[str, tuple[str, str | None]]:
    """The `cert:` columns by header, as (parameter, unit or None); refuses unknown and missing columns."""
    certified: dict[str, tuple[str, str | None]] = {}
    for column in columns:
        if columns.count(column) > 1:
            raise UnreadableCsv(f"the column {column!r} appears twice", field=column)
        if column in REQUIRED or column in OPTIONAL:
            continue
        match = _CERTIFIED.fullmatch(column)
        if match is None:
            known = ", ".join(REQUIRED + OPTIONAL)
            raise UnreadableCsv(
                f"unknown column {column!r}: the columns are {known}, and cert:<parameter> [<unit>]",
                field=column,
            )
        parameter = match["parameter"].strip()
        if parameter in {p for p, _ in certified.values()}:
            raise UnreadableCsv(f"{parameter} is certified in two columns", field=column)
        certified[column] = (parameter, match["unit"].strip() if match["unit"] else None)
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        raise UnreadableCsv(f"the CSV lacks the column(s) {', '.join(missing)}", field=missing[0])
    return certified


def _row(columns: list[str], cells: list[str]) -> CsvRow:
    if len(cells) > len(columns):
        return CsvRow({}, [("row", f"the row has {len(cells)} cells, the header {len(columns)}")])
    body: dict[str, Any] = {}
    values: dict[str, dict[str, str]] = {}
    for column, cell in zip(columns, cells, strict=False):
        value = cell.strip()
        if not value:
            continue  # an empty cell is an absent field: required ones are then reported missing
        match = _CERTIFIED.fullmatch(column) if column.startswith("cert:") else None
        if match is not None:
            unit = match["unit"].strip() if match["unit"] else None
            values[match["parameter"].strip()] = {"value": value} | ({"unit": unit} if unit else {})
        elif column in _NESTED:
            outer, inner = _NESTED[column]
            body.setdefault(outer, {})[inner] = value
        else:
            body[column] = value
    body.setdefault("certificate", {})["values"] = values
    return CsvRow(body)

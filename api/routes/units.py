"""REST on installed units: register one, import many (CSV or JSON, all or nothing), record a periodic
inspection visit, read one with its inspection schedule."""

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.imports import Imported, ImportRefused, refused_import, unreadable_body
from api.problems import Problem
from api.routes.cases import ShortText, Strict, Text
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, Created, respond, within
from api.shipment_csv import UnreadableCsv
from api.unit_csv import REQUIRED, read_units_csv
from application.access import Reader
from application.equipment import InstalledUnits, UnitEntry, UnitImportRow, UnitView
from application.imports import ImportRejected, RowRejection
from domain.equipment import WarrantyTerms, warranty_until
from domain.errors import DomainError

router = APIRouter(prefix="/api/v1/units", tags=["installed equipment and repairs"])

UnitId = Annotated[UUID, Path(description="The unit's UUID (derived from its serial number)")]
_DUPLICATE_409 = {409: {"model": Problem, "description": "A unit with this serial number is registered"}}


class WarrantyIn(Strict):
    component_class: ShortText = Field(description="A lower-case name, e.g. electrical, steel_structure")
    months: int = Field(description="Months of warranty from acceptance, e.g. 18")
    spare_parts_years: int | None = Field(default=None, description="How long spare parts are kept")


class UnitCreate(Strict):
    customer_id: ShortText = Field(description="The customer's id in the supplier's customer master")
    model: ShortText
    serial_number: ShortText = Field(description="Unique (ignoring case): a second registration is 409")
    site: ShortText = Field(description="Where the unit is installed")
    region: ShortText = Field(description="e.g. Jiangsu; the on-site commitment depends on it")
    accepted_at: AwareDatetime = Field(description="Acceptance (time zone required): warranty counts from it")
    warranty: list[WarrantyIn] = Field(default_factory=list, max_length=50)
    inspection_interval_months: int | None = Field(
        default=None, description="Periodic inspections every so many months; omit for none"
    )
    service_contract: ShortText | None = Field(
        default=None,
        description="The contract number the unit is serviced under: its service policy sets the "
        "commitments (`POST /api/v1/service-policies`); omit for the default commitments",
    )


class WarrantyOut(WarrantyIn):
    until: datetime = Field(description="The first moment no longer covered (midnight, acceptance's zone)")


class ScheduleOut(BaseModel):
    next_due: date | None = Field(description="The next periodic inspection due; null: none is contracted")
    overdue: list[date] = Field(description="Due dates passed without an inspection, oldest first")
    as_of: datetime


class UnitPublic(UnitCreate):
    id: UUID
    version: int
    warranty: list[WarrantyOut]  # type: ignore[assignment]
    inspections_done: list[datetime]
    inspection_schedule: ScheduleOut
    repair_ids: list[UUID] = Field(description="The unit's repairs, in the order they were opened")
    registered_by: str
    registered_at: datetime


class InspectionVisit(Strict):
    visited_at: AwareDatetime = Field(description="When the inspection was done (time zone required)")
    findings: Text = Field(description="What the inspection found, as in the service report")


def units(request: Request) -> InstalledUnits:
    services = request.app.state.services
    return InstalledUnits(services.ledger, services.read_access)


@router.post(
    "",
    status_code=201,
    response_model=Created,
    responses={**WRITE_ERRORS, **_DUPLICATE_409},
    summary="Register an installed unit with its contract's warranty and inspection terms",
)
def register_unit(body: UnitCreate, caller: CurrentCaller, request: Request, response: Response) -> Any:
    return respond(response, units(request).register(caller, _entry(body)), router.prefix)


@router.post(
    "/import",
    status_code=201,
    response_model=Imported,
    responses={
        **WRITE_ERRORS,
        409: {"model": Problem, "description": "A unit of the import was registered at the same time"},
        415: {"model": Problem, "description": "The body is neither text/csv nor application/json"},
        422: {
            "model": ImportRefused,
            "description": "At least one row was refused: every refused row is listed, nothing is "
            "recorded. A file that cannot be read at all is a plain problem naming what is wrong.",
        },
    },
    summary="Import installed units from CSV or JSON: every row is checked, then all are recorded or none",
    description="The body is either `text/csv` (a header row, then one unit per row; the columns are "
    f"{', '.join(f'`{c}`' for c in REQUIRED)}, optionally `inspection_interval_months`, and one "
    "`warranty:<component_class>` column per component class with its months, e.g. `warranty:electrical`) "
    "or `application/json` (a list of the objects `POST /api/v1/units` takes). All rows are recorded in "
    "one transaction. The size of an import is bounded by the request body limit.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/UnitCreate"}}
                },
            },
        }
    },
)
async def import_units(caller: CurrentCaller, request: Request, response: Response) -> Any:
    rows = _import_rows(request.headers.get("content-type", ""), await request.body())
    try:
        result = await run_in_threadpool(units(request).import_units, caller, rows)
    except ImportRejected as refused:
        return refused_import(request, refused, lambda place: place)
    return result.as_response()


@router.post(
    "/{unit_id}/inspections",
    response_model=Created,
    responses={
        **WRITE_ERRORS,
        400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
        404: {"model": Problem, "description": "No unit with this id"},
        409: {"model": Problem, "description": "Stale If-Match"},
    },
    summary="Record a periodic inspection visit done: it meets the due dates it falls in",
)
def record_inspection(
    unit_id: UnitId, body: InspectionVisit, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = units(request).record_inspection(caller, unit_id, body.visited_at, body.findings)
    response.headers["ETag"] = f'"{result.version}"'
    return result.as_response()


@router.get(
    "/{unit_id}",
    response_model=UnitPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No unit with this id"}},
    summary="An installed unit: warranty terms and ends, inspections done, the schedule now, its repairs",
    description="Read from the event store and recorded in the access log (naming no case).",
)
async def read_unit(unit_id: UnitId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    return _public(await run_in_threadpool(units(request).read, reader, unit_id))


# -- parsing -----------------------------------------------------------------------------------------


def _import_rows(content_type: str, body: bytes) -> list[UnitImportRow]:
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "text/csv":
        try:
            table = read_units_csv(body)
        except UnreadableCsv as unreadable:
            raise unreadable_body(str(unreadable), unreadable.field) from None
        return [_row(n, row.body, row.problems, row.column_of) for n, row in enumerate(table, 1)]
    if media_type == "application/json":
        try:
            items = json.loads(body)
        except ValueError as error:
            raise unreadable_body(f"the body is not JSON: {error}", "body") from None
        if not isinstance(items, list) or not items:
            raise unreadable_body("the body is a JSON list of units, with at least one", "body")
        return [_row(n, item, [], lambda place: place) for n, item in enumerate(items, 1)]
    raise HTTPException(415, "send text/csv or application/json", headers={"X-Problem-Field": "Content-Type"})


def _row(
    number: int, body: Any, problems: list[tuple[str, str]], column_of: Callable[[str], str]
) -> UnitImportRow:
    if problems:
        return UnitImportRow(number, None, tuple(RowRejection(number, f, m) for f, m in problems))
    try:
        return UnitImportRow(number, _entry(UnitCreate.model_validate(body)))
    except ValidationError as invalid:
        rejections = tuple(
            RowRejection(number, column_of(".".join(str(p) for p in error["loc"]) or "row"), error["msg"])
            for error in invalid.errors()
        )
        return UnitImportRow(number, None, rejections)
    except DomainError as refused:
        return UnitImportRow(
            number, None, (RowRejection(number, column_of(refused.field or "row"), str(refused)),)
        )


def _entry(body: UnitCreate) -> UnitEntry:
    warranty = []
    for n, terms in enumerate(body.warranty):
        with within(f"warranty.{n}"):
            warranty.append(WarrantyTerms(terms.component_class, terms.months, terms.spare_parts_years))
    return UnitEntry(
        customer_id=body.customer_id,
        model=body.model,
        serial_number=body.serial_number,
        site=body.site,
        region=body.region,
        accepted_at=body.accepted_at,
        warranty=tuple(warranty),
        inspection_interval_months=body.inspection_interval_months,
        service_contract=body.service_contract,
    )


def _public(view: UnitView) -> dict[str, Any]:
    unit = view.unit
    return {
        "id": unit.id,
        "version": unit.version,
        "customer_id": unit.customer_id,
        "model": unit.model,
        "serial_number": unit.serial_number,
        "site": unit.site,
        "region": unit.region,
        "accepted_at": unit.accepted_at,
        "warranty": [
            {
                "component_class": t.component_class,
                "months": t.months,
                "spare_parts_years": t.spare_parts_years,
                "until": warranty_until(unit, t.component_class),
            }
            for t in unit.warranty
        ],
        "inspection_interval_months": unit.inspection_interval_months,
        "service_contract": unit.service_contract,
        "inspections_done": unit.inspections_done,
        "inspection_schedule": {
            "next_due": view.schedule.next_due,
            "overdue": list(view.schedule.overdue),
            "as_of": view.read_at,
        },
        "repair_ids": [repair for repair, _, _ in unit.repairs],
        "registered_by": unit.registered_by.user_id,
        "registered_at": unit.registered_at,
    }

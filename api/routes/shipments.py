"""REST on shipments: record one, record its arrival, import many (CSV or JSON, all or nothing), read one."""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import AwareDatetime, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.imports import Imported, ImportRefused, refused_import, unreadable_body
from api.problems import Problem
from api.routes.cases import ShortText, Strict
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, Created, open_read, respond, shipments
from api.shipment_csv import REQUIRED, UnreadableCsv, read_shipments_csv
from application.access import ReadKind
from application.imports import ImportRejected, RowRejection
from application.shipments import CertifiedEntry, ImportRow, ShipmentEntry
from domain.shipment import Shipment, TransportMode

router = APIRouter(prefix="/api/v1/shipments", tags=["contracts and shipments"])

ShipmentId = Annotated[UUID, Path(description="The shipment's UUID")]
_CONTRACT_404 = {404: {"model": Problem, "description": "No contract with this `contract_id`"}}
_DUPLICATE_409 = {409: {"model": Problem, "description": "A shipment with this reference is recorded"}}


class CertifiedIn(Strict):
    value: Decimal = Field(description="The certified value; send it as a string to keep every digit")
    unit: ShortText | None = Field(
        default=None,
        description="Default: the unit the contract specifies the parameter in; required for a parameter "
        "the contract does not specify; if given for one it specifies, it must be that unit",
    )


class CertificateIn(Strict):
    issuer: ShortText = Field(description="e.g. CCIC, SGS, or the supplier's own lab")
    number: ShortText = Field(description="The certificate's number")
    values: dict[ShortText, CertifiedIn] = Field(
        max_length=100, description="By parameter name, e.g. Qnet,ar; every specified parameter is required"
    )


class ShipmentCreate(Strict):
    reference: ShortText = Field(description="The shipment reference, unique: a second one is refused")
    contract_id: UUID = Field(description="The contract the goods were delivered under")
    quantity: Decimal = Field(description="Invoiced quantity, in `unit`")
    unit: ShortText = Field(description="The unit the contract price is per, e.g. t")
    weighbridge_ticket: ShortText = Field(description="The dispatch weighbridge ticket's number")
    dispatch_weight: Decimal = Field(description="Net weight on the dispatch weighbridge ticket, in `unit`")
    certificate: CertificateIn
    transport_mode: TransportMode
    carrier: ShortText
    dispatched_at: AwareDatetime = Field(description="Time zone required")
    arrived_at: AwareDatetime | None = Field(
        default=None, description="Time zone required; after dispatch; omit if not arrived yet"
    )


class ShipmentPublic(ShipmentCreate):
    id: UUID
    version: int
    recorded_by: str = Field(description="User id of who recorded it")
    recorded_at: str = Field(description="When it was recorded (ISO 8601)")


class Arrival(Strict):
    arrived_at: AwareDatetime = Field(description="When the goods arrived (time zone required)")


@router.post(
    "",
    status_code=201,
    response_model=Created,
    responses={**WRITE_ERRORS, **_CONTRACT_404, **_DUPLICATE_409},
    summary="Record a shipment under a contract, with its weighbridge ticket and quality certificate",
)
def record_shipment(body: ShipmentCreate, caller: CurrentCaller, request: Request, response: Response) -> Any:
    result = shipments(request).record_shipment(caller, _entry(body))
    return respond(response, result, router.prefix)


@router.post(
    "/import",
    status_code=201,
    response_model=Imported,
    responses={
        **WRITE_ERRORS,
        409: {"model": Problem, "description": "A shipment of the import was recorded at the same time"},
        415: {"model": Problem, "description": "The body is neither text/csv nor application/json"},
        422: {
            "model": ImportRefused,
            "description": "At least one row was refused: every refused row is listed, nothing is "
            "recorded. A file that cannot be read at all (not UTF-8, unknown or missing column, not a "
            "JSON list) is a plain problem naming what is wrong.",
        },
    },
    summary="Import shipments from CSV or JSON: every row is checked first, then all are recorded or none",
    description="The body is either `text/csv` (a header row, then one shipment per row; the columns are "
    f"{', '.join(f'`{c}`' for c in REQUIRED)}, optionally `arrived_at`, and one `cert:<parameter>` "
    "column per certified parameter, e.g. `cert:Qnet,ar`, in the contract's unit for it, or "
    "`cert:<parameter> [<unit>]` to name the unit) or `application/json` (a list of the objects "
    "`POST /api/v1/shipments` takes). All rows are recorded in one transaction. The size of an import is "
    "bounded by the request body limit (`AFTERSALES_MAX_BODY_BYTES`, 1 MiB by default): larger files "
    "get 413 and are split by the client.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/ShipmentCreate"}}
                },
            },
        }
    },
)
async def import_shipments(caller: CurrentCaller, request: Request, response: Response) -> Any:
    rows, field_of = _import_rows(request.headers.get("content-type", ""), await request.body())
    try:
        result = await run_in_threadpool(shipments(request).import_shipments, caller, rows)
    except ImportRejected as refused:
        return refused_import(request, refused, field_of)
    return result.as_response()


@router.post(
    "/{shipment_id}/arrival",
    response_model=Created,
    responses={
        **WRITE_ERRORS,
        400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
        404: {"model": Problem, "description": "No shipment with this id"},
        409: {"model": Problem, "description": "Stale If-Match, or the arrival is recorded already"},
    },
    summary="Record that a shipment arrived: its objection windows start counting",
)
def record_arrival(
    shipment_id: ShipmentId, body: Arrival, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = shipments(request).record_arrival(caller, shipment_id, body.arrived_at)
    response.headers["ETag"] = f'"{result.version}"'
    return result.as_response()


@router.get(
    "/{shipment_id}",
    response_model=ShipmentPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No shipment with this id"}},
    summary="A shipment as recorded, read from the event store",
)
async def read_shipment(shipment_id: ShipmentId, request: Request, user: CurrentUser) -> Any:
    await open_read(request, user, ReadKind.SHIPMENT)
    found = await run_in_threadpool(shipments(request).shipment, shipment_id)
    return _public(found)


# -- parsing -----------------------------------------------------------------------------------------


def _import_rows(content_type: str, body: bytes) -> tuple[list[ImportRow], Callable[[str], str]]:
    """The rows of the body, each an entry or its problems; and how a field is named back to the client."""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "text/csv":
        try:
            table = read_shipments_csv(body)
        except UnreadableCsv as unreadable:
            raise unreadable_body(str(unreadable), unreadable.field) from None
        return [_row(n, row.body, row.problems) for n, row in enumerate(table.rows, 1)], table.column_of
    if media_type == "application/json":
        try:
            items = json.loads(body)
        except ValueError as error:
            raise unreadable_body(f"the body is not JSON: {error}", "body") from None
        if not isinstance(items, list) or not items:
            raise unreadable_body("the body is a JSON list of shipments, with at least one", "body")
        return [_row(n, item, []) for n, item in enumerate(items, 1)], lambda place: place
    raise HTTPException(415, "send text/csv or application/json", headers={"X-Problem-Field": "Content-Type"})


def _row(number: int, body: Any, problems: list[tuple[str, str]]) -> ImportRow:
    if problems:
        return ImportRow(number, None, tuple(RowRejection(number, f, m) for f, m in problems))
    try:
        return ImportRow(number, _entry(ShipmentCreate.model_validate(body)))
    except ValidationError as invalid:
        rejections = tuple(
            RowRejection(number, ".".join(str(p) for p in error["loc"]) or "row", error["msg"])
            for error in invalid.errors()
        )
        return ImportRow(number, None, rejections)


def _entry(body: ShipmentCreate) -> ShipmentEntry:
    certified = tuple(
        CertifiedEntry(parameter, item.value, item.unit)
        for parameter, item in body.certificate.values.items()
    )
    return ShipmentEntry(
        reference=body.reference,
        contract_id=body.contract_id,
        quantity=body.quantity,
        unit=body.unit,
        weighbridge_ticket=body.weighbridge_ticket,
        dispatch_weight=body.dispatch_weight,
        certificate_issuer=body.certificate.issuer,
        certificate_number=body.certificate.number,
        certified=certified,
        transport_mode=body.transport_mode,
        carrier=body.carrier,
        dispatched_at=body.dispatched_at,
        arrived_at=body.arrived_at,
    )


def _public(shipment: Shipment) -> dict[str, Any]:
    certificate = shipment.certificate
    return {
        "id": shipment.id,
        "version": shipment.version,
        "reference": shipment.reference,
        "contract_id": shipment.contract_id,
        "quantity": shipment.quantity.value,
        "unit": shipment.quantity.unit,
        "weighbridge_ticket": shipment.weighbridge_ticket,
        "dispatch_weight": shipment.dispatch_weight.value,
        "certificate": {
            "issuer": certificate.issuer,
            "number": certificate.number,
            "values": {
                c.parameter: {"value": c.value.value, "unit": c.value.unit} for c in certificate.values
            },
        },
        "transport_mode": shipment.transport_mode,
        "carrier": shipment.carrier,
        "dispatched_at": shipment.dispatched_at,
        "arrived_at": shipment.arrived_at,
        "recorded_by": shipment.recorded_by.user_id,
        "recorded_at": shipment.recorded_at.isoformat(),
    }

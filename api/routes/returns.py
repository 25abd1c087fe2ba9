"""REST on returns and exchanges (退换货): the application, the eligibility decision, QC's inspection, the
receipt check, the re-inspection, the warehouse entry, the refund or exchange shipment, the customer's
feedback, the cancellation; one return, and a case's returns."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import CaseId
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, respond
from api.routes.return_models import (
    CancellationIn,
    EligibilityIn,
    ExchangeShipmentIn,
    FeedbackIn,
    InspectionIn,
    QuantityIn,
    ReceiptIn,
    RefundIn,
    ReturnChanged,
    ReturnCreate,
    ReturnPublic,
    WarehouseEntryIn,
)
from application.access import Reader
from application.returns import EligibilityEntry, Inspected, ReceiptEntry, ReturnApplication, Returns
from domain.measurement import Measurement
from domain.money import Money
from domain.returns import (
    GoodsCondition,
    ReturnRequest,
)

router = APIRouter(prefix="/api/v1", tags=["returns"])

ReturnId = Annotated[UUID, Path(description="The return's UUID")]
_APPLY_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    404: {"model": Problem, "description": "No case (`case_id`) or no shipment (`shipment_reference`)"},
    409: {
        "model": Problem,
        "description": "The case is closed or withdrawn, or neither a return request nor a quality "
        "objection (`case_id`)",
    },
}
_STEP_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
    404: {
        "model": Problem,
        "description": "No return with this id, or no inspection or shipment it names (`field` says which)",
    },
    409: {
        "model": Problem,
        "description": "Stale If-Match, or the return's state or rules refuse the step (`field` says which: "
        "`status` for a step out of order)",
    },
}


def returns(request: Request) -> Returns:
    services = request.app.state.services
    return Returns(services.ledger, services.read_access, services.case_returns)


def _measured(quantity: QuantityIn) -> Measurement:
    return Measurement(quantity.value, quantity.unit)


@router.post(
    "/returns",
    status_code=201,
    response_model=ReturnChanged,
    responses=_APPLY_ERRORS,
    summary="Apply for a return or exchange from a case, naming the original shipment or order",
    description="Service agents, managers and admins, for the customer.",
)
def apply_for_return(body: ReturnCreate, caller: CurrentCaller, request: Request, response: Response) -> Any:
    application = ReturnApplication(
        case_id=body.case_id,
        reason=body.reason,
        description=body.description,
        product=body.product,
        spec=body.spec,
        quantity=_measured(body.quantity),
        shipment_reference=body.shipment_reference,
        order_reference=body.order_reference,
        purchased_at=body.purchased_at,
    )
    return respond(response, returns(request).apply(caller, application), f"{router.prefix}/returns")


@router.post(
    "/returns/{return_id}/eligibility",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Decide the return's eligibility: free, negotiated, on another lawful ground, or not eligible",
    description="Service agents, QC inspectors, managers and admins; another lawful ground only managers "
    "and admins. Free needs QC's confirmation: an inspection of the case, or the sending QC inspector's "
    "word.",
)
def decide_eligibility(
    return_id: ReturnId, body: EligibilityIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    qc = body.qc_confirmation
    goods = body.goods_condition
    entry = EligibilityEntry(
        eligibility=body.eligibility,
        qc_finding=qc.finding if qc else None,
        qc_inspection_id=qc.inspection_id if qc else None,
        goods_condition=GoodsCondition(goods.is_unused, goods.is_resalable) if goods else None,
        lawful_ground=body.lawful_ground,
        freight_paid_by=body.freight_paid_by,
        reason=body.reason,
    )
    return versioned(response, returns(request).decide_eligibility(caller, return_id, entry))


@router.post(
    "/returns/{return_id}/qc-inspection",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Record QC's inspection of an eligible return; not confirmed sends it back to its review",
    description="QC inspectors and admins.",
)
def record_qc_inspection(
    return_id: ReturnId, body: InspectionIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    inspected = Inspected(body.result, body.findings, body.inspection_id)
    return versioned(response, returns(request).record_qc_inspection(caller, return_id, inspected))


@router.post(
    "/returns/{return_id}/receipt",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Check the goods received against the application; the differences are recorded",
    description="Service agents, QC inspectors, managers and admins (there is no warehouse role).",
)
def check_receipt(
    return_id: ReturnId, body: ReceiptIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    entry = ReceiptEntry(
        _measured(body.received_quantity), body.spec_matches, body.received_spec, body.appearance
    )
    return versioned(response, returns(request).check_receipt(caller, return_id, entry))


@router.post(
    "/returns/{return_id}/reinspection",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Record QC's re-inspection of the goods received",
    description="QC inspectors and admins.",
)
def reinspect(
    return_id: ReturnId, body: InspectionIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    inspected = Inspected(body.result, body.findings, body.inspection_id)
    return versioned(response, returns(request).reinspect(caller, return_id, inspected))


@router.post(
    "/returns/{return_id}/warehouse-entry",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Record the re-inspected goods' entry into a warehouse, not more than was received",
    description="Service agents, QC inspectors, managers and admins (there is no warehouse role).",
)
def enter_warehouse(
    return_id: ReturnId, body: WarehouseEntryIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = returns(request).enter_warehouse(
        caller, return_id, body.warehouse, body.entry_reference, _measured(body.quantity)
    )
    return versioned(response, result)


@router.post(
    "/returns/{return_id}/refund",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Record the refund of a return whose goods are in the warehouse",
    description="Managers and admins: money leaves the company.",
)
def refund(
    return_id: ReturnId, body: RefundIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    amount = Money(body.amount.amount, body.amount.currency)
    return versioned(response, returns(request).refund(caller, return_id, amount, body.reference))


@router.post(
    "/returns/{return_id}/exchange-shipment",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Record the exchange goods' shipment (a recorded shipment) for a return in the warehouse",
    description="Service agents, managers and admins.",
)
def ship_exchange(
    return_id: ReturnId, body: ExchangeShipmentIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, returns(request).ship_exchange(caller, return_id, body.shipment_reference))


@router.post(
    "/returns/{return_id}/feedback",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Record the customer's word on the refund or exchange; satisfied closes the return",
    description="Service agents, managers and admins, for the customer. Not satisfied needs a comment and "
    "may be followed by another word.",
)
def record_feedback(
    return_id: ReturnId, body: FeedbackIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = returns(request).record_feedback(caller, return_id, body.satisfied, body.comment)
    return versioned(response, result)


@router.post(
    "/returns/{return_id}/cancel",
    response_model=ReturnChanged,
    responses=_STEP_ERRORS,
    summary="Cancel the return for the customer; only before the goods are received",
    description="Service agents, managers and admins.",
)
def cancel_return(
    return_id: ReturnId, body: CancellationIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, returns(request).cancel(caller, return_id, body.reason))


@router.get(
    "/returns/{return_id}",
    response_model=ReturnPublic,
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No return with this id"}},
    summary="One return: its case, original shipment or order, every step's outcome",
    description="Read from the event store and recorded in the access log under the return's case (staff "
    "read it under an access grant of the case).",
)
async def read_return(return_id: ReturnId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    return _public(await run_in_threadpool(returns(request).read, reader, return_id))


@router.get(
    "/cases/{case_id}/returns",
    response_model=list[ReturnPublic],
    responses={**READ_ERRORS, 404: {"model": Problem, "description": "No case with this id"}},
    summary="The case's returns, in the order they were applied for",
    description="Read from the event store and recorded in the access log under the case (staff read them "
    "under an access grant of the case).",
)
async def list_case_returns(case_id: CaseId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    return [_public(r) for r in await run_in_threadpool(returns(request).of_case, reader, case_id)]


# -- translation -----------------------------------------------------------------------------------


def _public(request: ReturnRequest) -> dict[str, Any]:
    decision = request.decision
    differences = request.differences
    refund = request.refund_amount
    return {
        "id": request.id,
        "version": request.version,
        "case_id": request.case_id,
        "shipment_reference": request.shipment_reference,
        "order_reference": request.order_reference,
        "status": request.status,
        "reason": request.reason,
        "description": request.description,
        "product": request.product,
        "spec": request.spec,
        "quantity": _quantity(request.quantity),
        "purchased_at": request.purchased_at,
        "applied_by": request.applied_by.user_id,
        "applied_at": request.applied_at,
        "eligibility": decision.eligibility if decision else None,
        "freight_paid_by": decision.freight_paid_by if decision else None,
        "decisions": request.decisions,
        "qc_result": request.qc_result,
        "received_quantity": _quantity(request.received_quantity),
        "differences": {
            "shortfall": _quantity(differences.shortfall),
            "excess": _quantity(differences.excess),
            "is_spec_mismatch": differences.is_spec_mismatch,
        }
        if differences
        else None,
        "reinspection_result": request.reinspection_result,
        "warehouse": request.warehouse,
        "warehouse_entry": request.warehouse_entry,
        "entered_quantity": _quantity(request.entered_quantity),
        "refund": {"amount": str(refund.amount), "currency": refund.currency} if refund else None,
        "refund_reference": request.refund_reference,
        "exchange_shipment_reference": request.exchange_shipment_reference,
        "customer_satisfied": request.customer_satisfied,
        "cancellation_reason": request.cancellation_reason,
    }


def _quantity(quantity: Measurement | None) -> dict[str, str] | None:
    return {"value": str(quantity.value), "unit": quantity.unit} if quantity else None

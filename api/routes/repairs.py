"""REST on the repair of an equipment-fault case: open it naming the unit, decide the warranty, quote a
repair outside warranty and record the customer's answer, dispatch an engineer, record the visit's
arrival, work and signed service record; read it with the repeat-failure policy's proposal."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import CaseId, MoneyIn
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS, within
from api.routes.repair_models import (
    ArrivalIn,
    ClockPauseIn,
    ClockResumeIn,
    DispatchIn,
    QuoteIn,
    QuoteRejection,
    RepairChanged,
    RepairOpen,
    RepairPublic,
    ServiceRecordIn,
    WarrantyDecisionIn,
    WorkIn,
)
from application.access import Reader
from application.repairs import RepairRequest, Repairs, RepairView, ServiceRecordEntry, WorkEntry
from domain.money import Money
from domain.repair import IssuedQuote, PartUsed, Quote, QuoteLine, Visit
from domain.replacement_policy import RepeatFailurePolicy

router = APIRouter(prefix="/api/v1/cases", tags=["installed equipment and repairs"])

QuoteNumber = Annotated[int, Path(ge=1, description="The quote's number within the case's repair")]
VisitNumber = Annotated[int, Path(ge=1, description="The visit's number within the case's repair")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
    404: {
        "model": Problem,
        "description": "No case, no repair opened yet, no such unit (`serial_number`), quote (`quote`), "
        "visit (`visit`) or attachment (`evidence_attachment_ids.<n>`, `document_attachment_id`)",
    },
    409: {
        "model": Problem,
        "description": "Stale If-Match, the case is not an open equipment-fault case, it has a repair "
        "already (`case_id`), or the repair's state does not allow it: e.g. a dispatch outside warranty "
        "before the customer accepted the quote (`field` says which)",
    },
    422: {"model": Problem, "description": "A field is invalid (named in `field`)"},
}


def repairs(request: Request) -> Repairs:
    services = request.app.state.services
    policy = RepeatFailurePolicy(failures=services.settings.repeat_failures)
    return Repairs(services.ledger, services.read_access, policy)


def _money(body: MoneyIn, field: str) -> Money:
    with within(field):
        return Money(body.amount, body.currency)


@router.post(
    "/{case_id}/repair",
    status_code=201,
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Open the repair of an equipment-fault case, naming the unit, component class and fault code",
    description="Service agents, engineers, managers and admins. The warranty is judged at the case's "
    "registration. The answer says whether the repeat-failure policy (`AFTERSALES_REPEAT_FAILURES` "
    "failures of the same fault within warranty, 2 by default) proposes a replacement unit.",
)
def open_repair(
    case_id: CaseId, body: RepairOpen, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    request_of = RepairRequest(body.serial_number, body.component_class, body.fault_code)
    return versioned(response, repairs(request).open(caller, case_id, request_of))


@router.post(
    "/{case_id}/repair/warranty-decision",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Decide the warranty (engineers): in warranty, or outside it with the exclusion and its evidence",
)
def decide_warranty(
    case_id: CaseId, body: WarrantyDecisionIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = repairs(request).decide_warranty(
        caller, case_id, body.in_warranty, body.exclusion, body.evidence_attachment_ids, body.reason
    )
    return versioned(response, result)


@router.post(
    "/{case_id}/repair/quotes",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Quote a repair outside warranty: parts and travel at cost (a rejected quote may be revised)",
)
def issue_quote(
    case_id: CaseId, body: QuoteIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    lines = []
    for n, line in enumerate(body.lines):
        price = _money(line.unit_price, f"lines.{n}.unit_price")
        with within(f"lines.{n}"):
            lines.append(QuoteLine(line.part_number, line.description, line.quantity, price))
    quote = Quote(tuple(lines), _money(body.travel, "travel"))
    return versioned(response, repairs(request).issue_quote(caller, case_id, quote))


@router.post(
    "/{case_id}/repair/quotes/{quote}/accept",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Record that the customer accepted the quote",
)
def accept_quote(
    case_id: CaseId, quote: QuoteNumber, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, repairs(request).accept_quote(caller, case_id, quote))


@router.post(
    "/{case_id}/repair/quotes/{quote}/reject",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Record that the customer rejected the quote, and why",
)
def reject_quote(
    case_id: CaseId,
    quote: QuoteNumber,
    body: QuoteRejection,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    return versioned(response, repairs(request).reject_quote(caller, case_id, quote, body.reason))


@router.post(
    "/{case_id}/repair/visits",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Dispatch an engineer: after the warranty decision and, outside warranty, the accepted quote",
)
def dispatch(
    case_id: CaseId, body: DispatchIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = repairs(request).dispatch(caller, case_id, body.engineer, body.planned_at, body.dispatched_at)
    return versioned(response, result)


@router.post(
    "/{case_id}/repair/visits/{visit}/arrival",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Record the engineer's arrival on site",
)
def arrive(
    case_id: CaseId,
    visit: VisitNumber,
    body: ArrivalIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    result = repairs(request).arrive(caller, case_id, visit, body.arrived_at, body.where)
    return versioned(response, result)


@router.post(
    "/{case_id}/repair/visits/{visit}/work",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Record the visit's work: when, what was done, the parts used, the result",
)
def record_work(
    case_id: CaseId,
    visit: VisitNumber,
    body: WorkIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    parts = []
    for n, part in enumerate(body.parts_used):
        with within(f"parts_used.{n}"):
            parts.append(PartUsed(part.part_number, part.quantity))
    work = WorkEntry(body.started_at, body.finished_at, body.work_done, tuple(parts), body.result)
    return versioned(response, repairs(request).record_work(caller, case_id, visit, work))


@router.post(
    "/{case_id}/repair/visits/{visit}/service-record",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Record the customer's signed service record of the visit (its SHA-256 is the attachment's)",
)
def sign_service_record(
    case_id: CaseId,
    visit: VisitNumber,
    body: ServiceRecordIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    entry = ServiceRecordEntry(body.signer_name, body.signed_at, body.document_attachment_id, body.subject_id)
    return versioned(response, repairs(request).sign_service_record(caller, case_id, visit, entry))


@router.post(
    "/{case_id}/repair/clock-pauses",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Pause the running service clocks, with the reason (e.g. waiting for the customer's site access)",
)
def pause_clocks(
    case_id: CaseId, body: ClockPauseIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = repairs(request).pause_clocks(caller, case_id, body.reason, body.paused_at)
    return versioned(response, result)


@router.post(
    "/{case_id}/repair/clock-resumption",
    response_model=RepairChanged,
    responses=_ERRORS,
    summary="Resume the paused service clocks",
)
def resume_clocks(
    case_id: CaseId, body: ClockResumeIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, repairs(request).resume_clocks(caller, case_id, body.resumed_at))


@router.get(
    "/{case_id}/repair",
    response_model=RepairPublic,
    responses={
        **READ_ERRORS,
        404: {"model": Problem, "description": "No case with this id, or no repair opened for it yet"},
    },
    summary="The case's repair: the warranty decision, quotes, visits, and the repeat-failure proposal",
    description="Read from the event store and recorded in the access log under the case (staff read it "
    "under an access grant of the case).",
)
async def read_repair(case_id: CaseId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    return _public(await run_in_threadpool(repairs(request).read, reader, case_id))


# -- translation -----------------------------------------------------------------------------------


def _public(view: RepairView) -> dict[str, Any]:
    repair = view.repair
    decision = repair.decision
    return {
        "id": repair.id,
        "case_id": repair.case_id,
        "version": repair.version,
        "unit_id": repair.unit_id,
        "serial_number": view.unit.serial_number,
        "component_class": repair.component_class,
        "fault_code": repair.fault_code,
        "reported_at": repair.reported_at,
        "in_warranty": repair.in_warranty,
        "decision": {
            "in_warranty": decision.in_warranty,
            "exclusion": decision.exclusion,
            "evidence_attachment_ids": list(decision.evidence_attachment_ids),
            "reason": decision.reason,
            "decided_by": decision.decided_by.user_id,
            "decided_at": decision.decided_at,
        }
        if decision
        else None,
        "quotes": [_quote(q) for q in repair.quotes.values()],
        "visits": [_visit(v) for v in repair.visits.values()],
        "fixed": repair.is_fixed,
        "replacement": {
            "proposed": view.replacement.proposed,
            "reason": view.replacement.reason,
            "fault_code": view.replacement.fault_code,
        },
        "clock_pauses": [vars(pause) for pause in repair.clock_pauses],
    }


def _quote(issued: IssuedQuote) -> dict[str, Any]:
    quote = issued.quote
    return {
        "number": issued.number,
        "status": issued.status,
        "lines": [
            {
                "part_number": line.part_number,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit_price": _money_out(line.unit_price),
                "amount": _money_out(line.amount),
            }
            for line in quote.lines
        ],
        "travel": _money_out(quote.travel),
        "total": _money_out(quote.total),
        "issued_at": issued.issued_at,
        "answered_at": issued.answered_at,
        "rejection_reason": issued.rejection_reason,
    }


def _visit(visit: Visit) -> dict[str, Any]:
    return {
        "number": visit.number,
        "engineer": visit.engineer,
        "planned_at": visit.planned_at,
        "dispatched_at": visit.dispatched_at,
        "arrived_at": visit.arrived_at,
        "where": visit.where,
        "started_at": visit.started_at,
        "finished_at": visit.finished_at,
        "work_done": visit.work_done,
        "parts_used": [{"part_number": p.part_number, "quantity": str(p.quantity)} for p in visit.parts_used],
        "result": visit.result,
        "signature": vars(visit.signature) if visit.signature else None,
    }


def _money_out(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}

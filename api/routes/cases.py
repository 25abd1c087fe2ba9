"""REST commands on cases. Each route parses, calls one use case, and returns the case's new version."""

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Path, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from api.auth import CurrentCaller
from api.middleware import bind_log_context
from api.problems import Problem
from application.ledger import CaseLedger, CommandResult, Registration
from domain.case import CaseType, Channel, Contact, Customer, Outcome, ResolutionKind, Severity
from domain.money import Money

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing, unknown or revoked bearer token"},
    403: {"model": Problem, "description": "The caller's roles do not allow this command"},
    413: {"model": Problem, "description": "The body is larger than the configured limit"},
    422: {
        "model": Problem,
        "description": "A field is invalid, or an Idempotency-Key was reused with another body",
    },
}
_CASE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
    404: {"model": Problem, "description": "No case with this id"},
    409: {
        "model": Problem,
        "description": "Stale If-Match version, a concurrent change, or a case rule refused it",
    },
}

Text = Annotated[str, Field(min_length=1, max_length=4000)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
CaseId = Annotated[UUID, Path(description="The case's UUID")]
# The person whose personal data a value holds; their data is sealed under their own key, and erased by
# destroying it. Send a known person's id to reuse it; without one, each value names a new person.
SubjectId = Annotated[
    UUID,
    Field(
        default_factory=uuid4,
        description="The person as a data subject (erasure finds their data by it); new if not sent",
    ),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerIn(Strict):
    id: ShortText = Field(description="The customer's id in the supplier's customer master")
    name: ShortText = Field(description="The customer organisation's name")


class ContactIn(Strict):
    name: ShortText = Field(description="The customer's person to talk to (personal data)")
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=200)] = ""
    subject_id: SubjectId


class CaseCreate(Strict):
    customer: CustomerIn
    contact: ContactIn
    channel: Channel
    type: CaseType
    severity: Severity = Severity.NORMAL
    product: ShortText = Field(description="Product and grade, e.g. 'Thermal coal Q5500'")
    shipment_refs: list[ShortText] = Field(default_factory=list, max_length=50)
    batch_refs: list[ShortText] = Field(default_factory=list, max_length=50)
    description: Text
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When the customer raised it, if earlier than now (time zone required)"
    )


class LateObjection(BaseModel):
    shipment_ref: str = Field(description="The shipment whose contract's objection window had closed")
    window_closed_at: str = Field(description="When that window closed (the contract's local time)")


class CaseCreated(BaseModel):
    id: UUID
    number: str = Field(description="Human case number, e.g. AS-2026-000123")
    version: int
    contact_subject_id: UUID = Field(description="The contact person as a data subject")
    late_objection: LateObjection | None = Field(
        default=None,
        description="Present when the objection came after the contract's objection window for a named "
        "shipment: the case is recorded and flagged, and goes no further than registration until a "
        "manager overrides (`late-objection-override`)",
    )


class CaseChanged(BaseModel):
    id: UUID
    number: str
    version: int = Field(description="The case's version after this command; send it as If-Match next time")


class ProposalCreated(CaseChanged):
    proposal: int = Field(description="The proposal's number within the case")


class Occurred(Strict):
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened, if earlier than now (time zone required)"
    )


class Assignment(Occurred):
    department: ShortText
    assignee: ShortText = Field(description="User id of the person who takes the case")
    reason: Annotated[str, Field(max_length=1000)] = Field(
        default="", description="Required when reassigning"
    )


class Note(Occurred):
    text: Text


class MoneyIn(Strict):
    amount: Decimal = Field(description="Decimal amount; send it as a string to keep every digit")
    currency: Annotated[str, Field(min_length=3, max_length=3)] = Field(description="ISO 4217 code, e.g. CNY")


class ResolutionProposal(Occurred):
    kind: ResolutionKind
    amount: MoneyIn | None = None
    description: Text


class CustomerAcceptance(Occurred):
    proposal: int = Field(ge=1, description="The number of the proposal the customer accepts")


class CustomerRejection(Occurred):
    proposal: int = Field(ge=1)
    reason: Text


class Execution(Occurred):
    details: Text = Field(description="What was done: credit note number, replacement shipment, ...")


class Closure(Occurred):
    outcome: Outcome
    reason: Annotated[str, Field(max_length=4000)] = Field(default="", description="Required unless resolved")


class Reason(Occurred):
    reason: Text


class Satisfaction(Occurred):
    satisfied: bool = Field(description="True closes the case as resolved; false keeps it open for follow-up")
    comment: Annotated[str, Field(max_length=4000)] = Field(
        default="", description="What the customer is not satisfied with; required when satisfied is false"
    )


def _ledger(request: Request) -> CaseLedger:
    return request.app.state.services.ledger


def _respond(request: Request, response: Response, result: CommandResult) -> dict[str, Any]:
    bind_log_context(request.state, case_id=str(result.id), version=result.version)
    response.headers["ETag"] = f'"{result.version}"'
    return result.as_response()


@router.post("", status_code=201, response_model=CaseCreated, responses=_ERRORS, summary="Register a case")
def register_case(body: CaseCreate, caller: CurrentCaller, request: Request, response: Response) -> Any:
    registration = Registration(
        customer=Customer(body.customer.id, body.customer.name),
        contact=Contact(body.contact.name, body.contact.phone, body.contact.email, body.contact.subject_id),
        channel=body.channel,
        case_type=body.type,
        severity=body.severity,
        product=body.product,
        shipment_refs=body.shipment_refs,
        batch_refs=body.batch_refs,
        description=body.description,
        occurred_at=body.occurred_at,
    )
    result = _ledger(request).register_case(caller, registration)
    response.headers["Location"] = f"/api/v1/cases/{result.id}"
    return _respond(request, response, result)


def _command(path: str, summary: str, model: type[BaseModel] = CaseChanged, status: int = 200) -> Callable:
    return router.post(
        path, status_code=status, response_model=model, responses=_CASE_ERRORS, summary=summary
    )


@_command("/{case_id}/acknowledge", "Acknowledge the case to the customer")
def acknowledge(
    case_id: CaseId, caller: CurrentCaller, request: Request, response: Response, body: Occurred | None = None
) -> Any:
    at = body.occurred_at if body else None
    return _respond(request, response, _ledger(request).acknowledge(caller, case_id, at))


@_command("/{case_id}/assign", "Assign or reassign the case to a department and person")
def assign(
    case_id: CaseId, body: Assignment, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = _ledger(request).assign(
        caller, case_id, body.department, body.assignee, body.reason, body.occurred_at
    )
    return _respond(request, response, result)


@_command("/{case_id}/notes", "Add a note", status=201)
def add_note(case_id: CaseId, body: Note, caller: CurrentCaller, request: Request, response: Response) -> Any:
    return _respond(
        request, response, _ledger(request).add_note(caller, case_id, body.text, body.occurred_at)
    )


@_command("/{case_id}/resolution-proposals", "Propose a resolution to the customer", ProposalCreated, 201)
def propose_resolution(
    case_id: CaseId, body: ResolutionProposal, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    amount = Money(body.amount.amount, body.amount.currency) if body.amount else None
    result = _ledger(request).propose_resolution(
        caller, case_id, body.kind, amount, body.description, body.occurred_at
    )
    return _respond(request, response, result)


@_command("/{case_id}/accept-resolution", "Record that the customer accepted a proposal")
def accept_resolution(
    case_id: CaseId, body: CustomerAcceptance, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = _ledger(request).accept_resolution(caller, case_id, body.proposal, body.occurred_at)
    return _respond(request, response, result)


@_command("/{case_id}/reject-resolution", "Record that the customer rejected a proposal")
def reject_resolution(
    case_id: CaseId, body: CustomerRejection, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = _ledger(request).reject_resolution(caller, case_id, body.proposal, body.reason, body.occurred_at)
    return _respond(request, response, result)


@_command("/{case_id}/execute-resolution", "Record that the accepted resolution was carried out")
def execute_resolution(
    case_id: CaseId, body: Execution, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = _ledger(request).mark_resolution_executed(caller, case_id, body.details, body.occurred_at)
    return _respond(request, response, result)


@_command("/{case_id}/close", "Close the case with an outcome")
def close(case_id: CaseId, body: Closure, caller: CurrentCaller, request: Request, response: Response) -> Any:
    result = _ledger(request).close_case(caller, case_id, body.outcome, body.reason, body.occurred_at)
    return _respond(request, response, result)


@_command(
    "/{case_id}/satisfaction",
    "Record the customer's word once the resolution was carried out: satisfied closes the case as resolved",
)
def declare_satisfaction(
    case_id: CaseId, body: Satisfaction, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = _ledger(request).declare_satisfaction(
        caller, case_id, body.satisfied, body.comment, body.occurred_at
    )
    return _respond(request, response, result)


@_command("/{case_id}/reopen", "Reopen a closed or withdrawn case")
def reopen(case_id: CaseId, body: Reason, caller: CurrentCaller, request: Request, response: Response) -> Any:
    return _respond(
        request, response, _ledger(request).reopen(caller, case_id, body.reason, body.occurred_at)
    )


@_command("/{case_id}/withdraw", "Record that the customer withdrew the case")
def withdraw(
    case_id: CaseId, body: Reason, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return _respond(
        request, response, _ledger(request).withdraw(caller, case_id, body.reason, body.occurred_at)
    )


@_command(
    "/{case_id}/late-objection-override",
    "Let an objection raised after the contract's objection window go on (manager), with a reason",
)
def override_late_objection(
    case_id: CaseId, body: Reason, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    result = _ledger(request).override_late_objection(caller, case_id, body.reason, body.occurred_at)
    return _respond(request, response, result)

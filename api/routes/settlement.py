"""REST on a case's settlement: propose (a price adjustment computed from the contract and the basis
inspection, or a replacement, compensation or return), approve, the customer's signed agreement or
rejection, arbitration, execution, and the read."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from pydantic import AwareDatetime, BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import CaseId, MoneyIn, ShortText, Strict, SubjectId, Text
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS
from api.routes.liability import MoneyOut
from application.access import Reader
from application.settlement import AgreementEntry, Settlements
from domain.errors import InvalidValue
from domain.money import Money
from domain.settlement import (
    ExecutionKind,
    NextStep,
    Settlement,
    SettlementKind,
    SettlementProposal,
    SettlementStatus,
)

router = APIRouter(prefix="/api/v1/cases", tags=["settlement"])

ProposalNumber = Annotated[int, Path(ge=1, description="The proposal's number within the case's settlement")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
    404: {
        "model": Problem,
        "description": "No case, nothing proposed yet, no such proposal (`proposal`), inspection "
        "(`inspection_id`) or attachment (`document_attachment_id`)",
    },
    409: {
        "model": Problem,
        "description": "Stale If-Match, or the settlement's state does not allow it: awaiting a manager's "
        "approval, not signed yet, in arbitration, closed; no basis result yet or the contract's rule says "
        "reject (`field` says which)",
    },
    422: {"model": Problem, "description": "A field is invalid (named in `field`)"},
}


class SettlementProposalIn(Strict):
    kind: SettlementKind
    description: Text = Field(description="What is offered, in the words the customer will read")
    inspection_id: UUID | None = Field(
        default=None, description="price_adjustment only: the inspection whose basis result prices it"
    )
    amount: MoneyIn | None = Field(default=None, description="compensation only: the amount offered")


class AgreementIn(Strict):
    signer_name: ShortText = Field(description="Who signed for the customer")
    signer_role: ShortText = Field(description="Their role and organisation")
    signed_at: AwareDatetime
    document_attachment_id: UUID = Field(description="The signed agreement: a current attachment of the case")
    subject_id: SubjectId


class RejectionIn(Strict):
    reason: Text
    next_step: NextStep = Field(description="negotiation (a new proposal follows) or arbitration")


class ArbitrationIn(Strict):
    reason: Text


class ExecutionIn(Strict):
    kind: ExecutionKind
    reference: ShortText = Field(description="The credit note number, the replacement shipment's reference…")


class SettlementChanged(BaseModel):
    id: UUID = Field(description="The settlement's id (one per case, derived from the case id)")
    version: int = Field(description="The settlement's version, for If-Match")
    proposal: int | None = Field(default=None, description="The proposal's number")


class LineOut(BaseModel):
    text: str
    amount: MoneyOut


class AgreementOut(BaseModel):
    signer_name: str = Field(description='Personal data: "[erased]" once the signer was erased')
    signer_role: str
    signed_at: datetime
    document_attachment_id: UUID
    document_sha256: str
    subject_id: UUID = Field(description="The signer as a data subject")


class ProposalOut(BaseModel):
    number: int
    status: SettlementStatus
    kind: SettlementKind
    description: str
    amount: MoneyOut | None = Field(description="The adjustment's total (negative: a credit) or compensation")
    calculation: list[LineOut] = Field(description="A price adjustment's lines; they add up to `amount`")
    basis_inspection_id: UUID | None
    shipment_id: UUID | None
    needs_approval: bool
    proposed_by: str
    proposed_at: datetime
    approved_by: str | None
    agreement: AgreementOut | None
    rejection_reason: str | None
    next_step: NextStep | None
    superseded_by: int | None


class ExecutionOut(BaseModel):
    kind: ExecutionKind
    reference: str
    executed_by: str
    executed_at: datetime


class SettlementPublic(BaseModel):
    case_id: UUID
    version: int
    legal_hold: bool = Field(description="In arbitration: nothing about the case may be erased")
    arbitration_reason: str | None
    closed: bool
    execution: ExecutionOut | None
    proposals: list[ProposalOut]


def settlements(request: Request) -> Settlements:
    services = request.app.state.services
    return Settlements(services.ledger, services.read_access, services.settings.settlement_approval_threshold)


@router.post(
    "/{case_id}/settlement",
    status_code=201,
    response_model=SettlementChanged,
    responses=_ERRORS,
    summary="Propose a settlement; a price adjustment is computed from the contract and the inspection",
    description="Service agents, managers and admins. An amount above the configured threshold waits for "
    "a manager's approval. A new proposal supersedes an open one.",
)
def propose_settlement(
    case_id: CaseId, body: SettlementProposalIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    use_case = settlements(request)
    if body.kind is SettlementKind.PRICE_ADJUSTMENT:
        if body.inspection_id is None:
            raise InvalidValue("a price adjustment names its basis inspection", "inspection_id")
        if body.amount is not None:
            raise InvalidValue("a price adjustment is computed: send no amount", "amount")
        result = use_case.propose_price_adjustment(caller, case_id, body.inspection_id, body.description)
    else:
        if body.inspection_id is not None:
            raise InvalidValue("only a price adjustment names an inspection", "inspection_id")
        amount = Money(body.amount.amount, body.amount.currency) if body.amount else None
        result = use_case.propose(caller, case_id, body.kind, body.description, amount)
    return versioned(response, result)


@router.post(
    "/{case_id}/settlement/{proposal}/approve",
    response_model=SettlementChanged,
    responses=_ERRORS,
    summary="Approve a proposal above the threshold (a manager other than its proposer)",
)
def approve_settlement(
    case_id: CaseId, proposal: ProposalNumber, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, settlements(request).approve(caller, case_id, proposal))


@router.post(
    "/{case_id}/settlement/{proposal}/sign",
    response_model=SettlementChanged,
    responses=_ERRORS,
    summary="Record the customer's signed agreement (处理协议) to an offered proposal",
)
def sign_settlement(
    case_id: CaseId,
    proposal: ProposalNumber,
    body: AgreementIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    entry = AgreementEntry(
        body.signer_name, body.signer_role, body.signed_at, body.document_attachment_id, body.subject_id
    )
    return versioned(response, settlements(request).sign(caller, case_id, proposal, entry))


@router.post(
    "/{case_id}/settlement/{proposal}/reject",
    response_model=SettlementChanged,
    responses=_ERRORS,
    summary="Record the customer's rejection, and whether negotiation or arbitration follows",
)
def reject_settlement(
    case_id: CaseId,
    proposal: ProposalNumber,
    body: RejectionIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    result = settlements(request).reject(caller, case_id, proposal, body.reason, body.next_step)
    return versioned(response, result)


@router.post(
    "/{case_id}/settlement/arbitration",
    response_model=SettlementChanged,
    responses=_ERRORS,
    summary="Take a rejected settlement to arbitration (managers): the case goes under legal hold",
)
def escalate_settlement(
    case_id: CaseId, body: ArbitrationIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, settlements(request).escalate(caller, case_id, body.reason))


@router.post(
    "/{case_id}/settlement/execution",
    response_model=SettlementChanged,
    responses=_ERRORS,
    summary="Record the execution of the signed settlement (credit note, replacement shipped…): closes it",
)
def execute_settlement(
    case_id: CaseId, body: ExecutionIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, settlements(request).execute(caller, case_id, body.kind, body.reference))


@router.get(
    "/{case_id}/settlement",
    response_model=SettlementPublic,
    responses={
        **READ_ERRORS,
        404: {"model": Problem, "description": "No case with this id, or nothing proposed for it yet"},
    },
    summary="The case's settlement: every proposal with its calculation, the agreement, the execution",
    description="Read from the event store and recorded in the access log under the case (staff read it "
    "under an access grant of the case).",
)
async def read_settlement(case_id: CaseId, request: Request, user: CurrentUser) -> Any:
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    settlement = await run_in_threadpool(settlements(request).read, reader, case_id)
    return _public(settlement)


# -- translation -----------------------------------------------------------------------------------


def _public(settlement: Settlement) -> dict[str, Any]:
    execution = settlement.execution
    return {
        "case_id": settlement.case_id,
        "version": settlement.version,
        "legal_hold": settlement.legal_hold,
        "arbitration_reason": settlement.arbitration_reason,
        "closed": settlement.is_closed,
        "execution": {
            "kind": execution.kind,
            "reference": execution.reference,
            "executed_by": execution.executed_by.user_id,
            "executed_at": execution.executed_at,
        }
        if execution
        else None,
        "proposals": [_proposal(p) for p in settlement.proposals.values()],
    }


def _proposal(proposal: SettlementProposal) -> dict[str, Any]:
    offer = proposal.offer
    amount = offer.amount
    agreement = proposal.agreement
    return {
        "number": proposal.number,
        "status": proposal.status,
        "kind": offer.kind,
        "description": offer.description,
        "amount": _money(amount) if amount else None,
        "calculation": [
            {"text": line.text, "amount": _money(line.amount)}
            for line in (offer.adjustment.lines if offer.adjustment else ())
        ],
        "basis_inspection_id": offer.basis_inspection_id,
        "shipment_id": offer.shipment_id,
        "needs_approval": proposal.needs_approval,
        "proposed_by": proposal.proposed_by.user_id,
        "proposed_at": proposal.proposed_at,
        "approved_by": proposal.approved_by.user_id if proposal.approved_by else None,
        "agreement": vars(agreement) if agreement else None,
        "rejection_reason": proposal.rejection_reason,
        "next_step": proposal.next_step,
        "superseded_by": proposal.superseded_by,
    }


def _money(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}

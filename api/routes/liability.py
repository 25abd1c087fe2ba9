"""REST on a case's liability determination: propose who bears which share, approve or reject a proposal,
and read the determination with each party's part of an amount."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import CurrentCaller, CurrentUser
from api.problems import Problem
from api.routes.answers import versioned
from api.routes.cases import CaseId, Strict, Text
from api.routes.contracts import READ_ERRORS, WRITE_ERRORS
from application.access import Reader
from application.liability import LiabilityDeterminations, LiabilityEntry, LiabilityReport
from domain.errors import InvalidValue
from domain.liability import Party, RootCause
from domain.liability_determination import Proposal, ProposalStatus
from domain.money import Money

router = APIRouter(prefix="/api/v1/cases", tags=["liability"])

ProposalNumber = Annotated[
    int, Path(ge=1, description="The proposal's number within the case's determination")
]
_CHANGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    400: {"model": Problem, "description": "Malformed If-Match or Idempotency-Key header"},
}


class ShareIn(Strict):
    party: Party
    percent: Decimal = Field(
        gt=0, le=100, description="Above 0; all shares add up to exactly 100. Send it as a string"
    )


class BasisIn(Strict):
    inspection_ids: list[UUID] = Field(
        default_factory=list, max_length=20, description="Inspections of this case the liability rests on"
    )
    attachment_ids: list[UUID] = Field(
        default_factory=list,
        max_length=50,
        description="Current attachments of this case (e.g. a site-visit report) the liability rests on",
    )


class LiabilityProposalIn(Strict):
    shares: list[ShareIn] = Field(
        min_length=1,
        max_length=5,
        description="One per party, adding up to 100; the order given breaks ties when an amount is split",
    )
    root_cause: RootCause
    basis: BasisIn = Field(description="At least one inspection or attachment")
    rationale: Text = Field(description="Why the parties bear these shares")
    change_reason: Text | None = Field(
        default=None,
        description="Required once a proposal is approved (and only then): why the approved one is changed",
    )


class RejectionIn(Strict):
    reason: Text


class ProposalCreated(BaseModel):
    id: UUID = Field(description="The determination's id (one per case, derived from the case id)")
    version: int = Field(description="The determination's version, for If-Match")
    proposal: int = Field(description="The proposal's number")


class MoneyOut(BaseModel):
    amount: str = Field(description="A decimal string, to the cent")
    currency: str


class ShareOut(BaseModel):
    party: Party
    percent: str = Field(description="A decimal string")
    part: MoneyOut | None = Field(description="The party's part of the `amount` asked for; null without one")


class BasisOut(BaseModel):
    inspection_ids: list[UUID]
    attachment_ids: list[UUID]


class ProposalOut(BaseModel):
    number: int
    status: ProposalStatus
    shares: list[ShareOut]
    root_cause: RootCause
    basis: BasisOut
    rationale: str
    change_reason: str | None
    proposed_by: str = Field(description="User id of the proposer")
    proposed_at: datetime
    decided_by: str | None = Field(description="User id of the manager who approved or rejected it")
    decided_at: datetime | None
    rejection_reason: str | None
    supersedes: int | None = Field(description="The approved proposal this one replaced on its approval")
    superseded_by: int | None


class LiabilityPublic(BaseModel):
    case_id: UUID
    version: int
    approved: ProposalOut | None = Field(description="The determination in force; null until one is approved")
    pending: ProposalOut | None = Field(description="The proposal awaiting a manager's decision, if any")
    proposals: list[ProposalOut] = Field(description="Every proposal, in order, whatever became of it")
    total: MoneyOut | None = Field(description="The amount split into each share's `part`, if asked for")


def determinations(request: Request) -> LiabilityDeterminations:
    services = request.app.state.services
    return LiabilityDeterminations(services.ledger, services.read_access)


@router.post(
    "/{case_id}/liability",
    status_code=201,
    response_model=ProposalCreated,
    responses={
        **_CHANGE_ERRORS,
        404: {
            "model": Problem,
            "description": "No case (`case_id`), or a basis inspection or attachment that does not exist "
            "(`basis.inspection_ids.N`, `basis.attachment_ids.N`)",
        },
        409: {
            "model": Problem,
            "description": "Stale If-Match (the determination's version; none on the first proposal), the "
            "case is closed or withdrawn, not a quality or quantity objection, a late objection awaiting "
            "the override, or a basis attachment is superseded (`field` says which)",
        },
        422: {
            "model": Problem,
            "description": "A field is invalid (named in `field`): `shares` that do not add up to 100 or "
            "name a party twice, no `basis`, an inspection of another case, `change_reason` missing after "
            "an approval; or an Idempotency-Key reused with another body",
        },
    },
    summary="Propose who bears the liability, in which shares, why, and on which inspections and evidence",
    description="QC inspectors, engineers, managers and admins. The first proposal opens the case's "
    "determination; a new proposal supersedes a pending one. Answers the proposal's number.",
)
def propose_liability(
    case_id: CaseId, body: LiabilityProposalIn, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    entry = LiabilityEntry(
        shares=tuple((share.party, share.percent) for share in body.shares),
        root_cause=body.root_cause,
        inspection_ids=tuple(body.basis.inspection_ids),
        attachment_ids=tuple(body.basis.attachment_ids),
        rationale=body.rationale,
        change_reason=body.change_reason,
    )
    return versioned(response, determinations(request).propose(caller, case_id, entry))


_DECISION_ERRORS: dict[int | str, dict[str, Any]] = {
    **_CHANGE_ERRORS,
    404: {"model": Problem, "description": "No case, nothing proposed yet, or no such proposal (`proposal`)"},
    409: {
        "model": Problem,
        "description": "Stale If-Match, the proposal is not pending, the approver proposed it, or the case "
        "is closed or withdrawn (`field` says which)",
    },
}


@router.post(
    "/{case_id}/liability/{proposal}/approve",
    response_model=ProposalCreated,
    responses=_DECISION_ERRORS,
    summary="Approve a pending proposal (a manager other than its proposer); it replaces any approved one",
)
def approve_liability(
    case_id: CaseId, proposal: ProposalNumber, caller: CurrentCaller, request: Request, response: Response
) -> Any:
    return versioned(response, determinations(request).approve(caller, case_id, proposal))


@router.post(
    "/{case_id}/liability/{proposal}/reject",
    response_model=ProposalCreated,
    responses=_DECISION_ERRORS,
    summary="Reject a pending proposal with a reason (managers); a new proposal follows",
)
def reject_liability(
    case_id: CaseId,
    proposal: ProposalNumber,
    body: RejectionIn,
    caller: CurrentCaller,
    request: Request,
    response: Response,
) -> Any:
    return versioned(response, determinations(request).reject(caller, case_id, proposal, body.reason))


@router.get(
    "/{case_id}/liability",
    response_model=LiabilityPublic,
    responses={
        **READ_ERRORS,
        404: {"model": Problem, "description": "No case with this id, or nothing proposed for it yet"},
        422: {
            "model": Problem,
            "description": "`amount` without `currency` or the other way round, or an "
            "amount with fractions of a cent (`field` says which)",
        },
    },
    summary="The case's liability determination: the approved one, the pending one, every proposal",
    description="Read from the event store and recorded in the access log under the case (staff read it "
    "under an access grant of the case). With `amount` and `currency`, each share carries its `part`: "
    "the amount split to the cent, the parts adding up to it exactly.",
)
async def read_liability(
    case_id: CaseId,
    request: Request,
    user: CurrentUser,
    amount: Annotated[
        Decimal | None, Query(description="An amount to split by the shares, e.g. 160500.00")
    ] = None,
    currency: Annotated[str | None, Query(description="ISO 4217 code of `amount`, e.g. CNY")] = None,
) -> Any:
    total = _total(amount, currency)
    reader = Reader(user.id, user.roles, getattr(request.state, "request_id", None))
    report = await run_in_threadpool(determinations(request).read, reader, case_id, total)
    return _public(report)


# -- translation -----------------------------------------------------------------------------------


def _total(amount: Decimal | None, currency: str | None) -> Money | None:
    if amount is None and currency is None:
        return None
    if amount is None or currency is None:
        missing = "amount" if amount is None else "currency"
        raise InvalidValue("amount and currency come together", missing)
    return Money(amount, currency)


def _public(report: LiabilityReport) -> dict[str, Any]:
    determination = report.determination
    approved, pending = determination.approved(), determination.pending()
    total = report.total
    return {
        "case_id": determination.case_id,
        "version": determination.version,
        "approved": _proposal(approved, report) if approved else None,
        "pending": _proposal(pending, report) if pending else None,
        "proposals": [_proposal(p, report) for p in determination.proposals.values()],
        "total": _money(total) if total else None,
    }


def _proposal(proposal: Proposal, report: LiabilityReport) -> dict[str, Any]:
    liability = proposal.liability
    parts = report.parts(proposal)
    return {
        "number": proposal.number,
        "status": proposal.status,
        "shares": [
            {
                "party": share.party,
                "percent": str(share.percent),
                "part": _money(parts[share.party]) if parts else None,
            }
            for share in liability.shares
        ],
        "root_cause": liability.root_cause,
        "basis": {
            "inspection_ids": list(liability.basis_inspection_ids),
            "attachment_ids": list(liability.basis_evidence),
        },
        "rationale": proposal.rationale,
        "change_reason": proposal.change_reason,
        "proposed_by": proposal.proposed_by.user_id,
        "proposed_at": proposal.proposed_at,
        "decided_by": proposal.decided_by.user_id if proposal.decided_by else None,
        "decided_at": proposal.decided_at,
        "rejection_reason": proposal.rejection_reason,
        "supersedes": proposal.supersedes,
        "superseded_by": proposal.superseded_by,
    }


def _money(money: Money) -> dict[str, str]:
    return {"amount": str(money.amount), "currency": money.currency}

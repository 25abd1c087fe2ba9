"""GraphQL reads of a case's liability determination: every proposal with its shares, root cause and basis,
and the one in force; read through the application's gate (recorded under the case)."""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import strawberry

from api.graphql.capa import RootCause
from api.graphql.context import ReadContext
from application.errors import LiabilityNotDetermined
from application.liability import LiabilityDeterminations
from domain.liability_determination import LiabilityDetermination, Proposal


@strawberry.type(description="One party's share of the liability.")
class LiabilityShare:
    party: str = strawberry.field(description="supplier, carrier, customer, third_party or force_majeure")
    percent: Decimal = strawberry.field(description="Its share in percent; the shares add up to 100")


@strawberry.type(description="One proposed liability, and what became of it.")
class LiabilityProposal:
    number: int = strawberry.field(description="Its number within the case's determination, from 1")
    status: str = strawberry.field(description="pending, approved, rejected or superseded")
    shares: list[LiabilityShare] = strawberry.field(description="Who bears what, in the order proposed")
    root_cause: RootCause = strawberry.field(description="What caused the problem")
    basis_inspection_ids: list[strawberry.ID] = strawberry.field(description="The inspections it rests on")
    basis_attachment_ids: list[strawberry.ID] = strawberry.field(
        description="The evidence (attachments of the case) it rests on"
    )
    rationale: str = strawberry.field(description="Why the parties bear these shares")
    change_reason: str | None = strawberry.field(
        description="Why an approved determination is changed; null for a first determination"
    )
    proposed_by: str = strawberry.field(description="User id of the proposer")
    proposed_at: datetime = strawberry.field(description="When it was proposed")
    decided_by: str | None = strawberry.field(
        description="User id of the manager who approved or rejected it"
    )
    decided_at: datetime | None = strawberry.field(description="When it was approved or rejected")
    rejection_reason: str | None = strawberry.field(description="Why it was rejected")
    supersedes: int | None = strawberry.field(description="The approved proposal it replaced on approval")
    superseded_by: int | None = strawberry.field(description="The proposal that replaced it")

    @classmethod
    def of(cls, proposal: Proposal) -> "LiabilityProposal":
        liability = proposal.liability
        return cls(
            number=proposal.number,
            status=proposal.status.value,
            shares=[LiabilityShare(party=s.party.value, percent=s.percent) for s in liability.shares],
            root_cause=RootCause(liability.root_cause.value),
            basis_inspection_ids=[strawberry.ID(i) for i in liability.basis_inspection_ids],
            basis_attachment_ids=[strawberry.ID(i) for i in liability.basis_evidence],
            rationale=proposal.rationale,
            change_reason=proposal.change_reason,
            proposed_by=proposal.proposed_by.user_id,
            proposed_at=proposal.proposed_at,
            decided_by=proposal.decided_by.user_id if proposal.decided_by else None,
            decided_at=proposal.decided_at,
            rejection_reason=proposal.rejection_reason,
            supersedes=proposal.supersedes,
            superseded_by=proposal.superseded_by,
        )


@strawberry.type(
    description="A case's liability determination (责任认定): every proposal and the one in force."
)
class Liability:
    version: int = strawberry.field(description="The determination's version (If-Match on its commands)")
    approved: LiabilityProposal | None = strawberry.field(
        description="The determination in force; null until one is approved"
    )
    pending: LiabilityProposal | None = strawberry.field(description="The proposal awaiting a decision")
    proposals: list[LiabilityProposal] = strawberry.field(description="Every proposal, in order")

    @classmethod
    def of(cls, determination: LiabilityDetermination) -> "Liability":
        approved, pending = determination.approved(), determination.pending()
        return cls(
            version=determination.version,
            approved=LiabilityProposal.of(approved) if approved else None,
            pending=LiabilityProposal.of(pending) if pending else None,
            proposals=[LiabilityProposal.of(p) for p in determination.proposals.values()],
        )


def read_liability(context: ReadContext, case_id: UUID) -> Liability | None:
    services = context.services
    try:
        report = LiabilityDeterminations(services.ledger, services.read_access).read(context.reader, case_id)
    except LiabilityNotDetermined:
        return None
    return Liability.of(report.determination)

"""GraphQL reads of a case's settlement: offers with their calculation, approval, the signed agreement or the
rejection, execution and legal hold; read through the application's gate (recorded under the case)."""

from datetime import datetime
from uuid import UUID

import strawberry

from api.graphql.context import ReadContext, optional_id
from api.graphql.types import Money
from application.errors import SettlementNotProposed
from application.settlement import Settlements
from domain import settlement as settlement_values


@strawberry.type(description="One line of a price adjustment's calculation; the lines add up to its amount.")
class CalculationLine:
    text: str = strawberry.field(description="What the contract's rule computed, in words")
    amount: Money = strawberry.field(description="Its part of the adjustment (negative: a credit)")


@strawberry.type(description="The customer's signature of the handling agreement (处理协议).")
class SignedAgreement:
    signer_name: str = strawberry.field(description="Who signed for the customer (personal data)")
    signer_role: str = strawberry.field(description="Their role and organisation")
    signed_at: datetime = strawberry.field(description="When they signed")
    document_attachment_id: strawberry.ID = strawberry.field(description="The signed document's attachment")
    document_sha256: str = strawberry.field(description="SHA-256 (hex) of the signed document's bytes")
    subject_id: strawberry.ID = strawberry.field(description="The signer as a data subject")


@strawberry.type(description="One settlement offer, and what became of it.")
class SettlementProposal:
    number: int = strawberry.field(description="Its number within the case's settlement, from 1")
    status: str = strawberry.field(
        description="awaiting_approval, offered, signed, rejected, superseded or executed"
    )
    kind: str = strawberry.field(description="price_adjustment, replacement, compensation or return_refund")
    description: str = strawberry.field(description="What is offered, in the words the customer reads")
    amount: Money | None = strawberry.field(
        description="The adjustment's total (negative: a credit) or the compensation; null otherwise"
    )
    calculation: list[CalculationLine] = strawberry.field(
        description="A price adjustment's lines, computed by the contract's rule; empty otherwise"
    )
    basis_inspection_id: strawberry.ID | None = strawberry.field(
        description="The inspection whose basis priced a price adjustment"
    )
    shipment_id: strawberry.ID | None = strawberry.field(description="The shipment a price adjustment is for")
    needs_approval: bool = strawberry.field(
        description="Its amount exceeded the approval threshold when it was proposed: a manager approves it"
    )
    proposed_by: str = strawberry.field(description="User id of the proposer")
    proposed_at: datetime = strawberry.field(description="When it was proposed")
    approved_by: str | None = strawberry.field(description="User id of the manager who approved it")
    agreement: SignedAgreement | None = strawberry.field(description="The customer's signature, once signed")
    rejection_reason: str | None = strawberry.field(description="Why the customer rejected it")
    next_step: str | None = strawberry.field(description="After a rejection: negotiation or arbitration")
    superseded_by: int | None = strawberry.field(description="The proposal that replaced it")

    @classmethod
    def of(cls, proposal: settlement_values.SettlementProposal) -> "SettlementProposal":
        offer, agreement = proposal.offer, proposal.agreement
        lines = offer.adjustment.lines if offer.adjustment else ()
        return cls(
            number=proposal.number,
            status=proposal.status.value,
            kind=offer.kind.value,
            description=offer.description,
            amount=Money.of(offer.amount) if offer.amount else None,
            calculation=[CalculationLine(text=line.text, amount=Money.of(line.amount)) for line in lines],
            basis_inspection_id=optional_id(offer.basis_inspection_id),
            shipment_id=optional_id(offer.shipment_id),
            needs_approval=proposal.needs_approval,
            proposed_by=proposal.proposed_by.user_id,
            proposed_at=proposal.proposed_at,
            approved_by=proposal.approved_by.user_id if proposal.approved_by else None,
            agreement=SignedAgreement(
                **{
                    **vars(agreement),
                    "document_attachment_id": optional_id(agreement.document_attachment_id),
                    "subject_id": optional_id(agreement.subject_id),
                }
            )
            if agreement
            else None,
            rejection_reason=proposal.rejection_reason,
            next_step=proposal.next_step.value if proposal.next_step else None,
            superseded_by=proposal.superseded_by,
        )


@strawberry.type(description="How a signed settlement was carried out.")
class Execution:
    kind: str = strawberry.field(description="credit_note, replacement_shipment, payment or refund")
    reference: str = strawberry.field(description="The credit note number, the shipment's reference, ...")
    executed_by: str = strawberry.field(description="User id of who recorded it")
    executed_at: datetime = strawberry.field(description="When it was recorded")


@strawberry.type(description="A case's settlement: offers, approval, agreement or rejection, execution.")
class Settlement:
    version: int = strawberry.field(description="The settlement's version (If-Match on its commands)")
    legal_hold: bool = strawberry.field(description="In arbitration: nothing about the case may be erased")
    arbitration_reason: str | None = strawberry.field(description="Why it went to arbitration")
    closed: bool = strawberry.field(description="True once the signed settlement was executed")
    execution: Execution | None = strawberry.field(description="How it was carried out; null until then")
    proposals: list[SettlementProposal] = strawberry.field(description="Every proposal, in order")

    @classmethod
    def of(cls, settlement: settlement_values.Settlement) -> "Settlement":
        execution = settlement.execution
        return cls(
            version=settlement.version,
            legal_hold=settlement.legal_hold,
            arbitration_reason=settlement.arbitration_reason,
            closed=settlement.is_closed,
            execution=Execution(
                kind=execution.kind.value,
                reference=execution.reference,
                executed_by=execution.executed_by.user_id,
                executed_at=execution.executed_at,
            )
            if execution
            else None,
            proposals=[SettlementProposal.of(p) for p in settlement.proposals.values()],
        )


def read_settlement(context: ReadContext, case_id: UUID) -> Settlement | None:
    services = context.services
    threshold = services.settings.settlement_approval_threshold
    try:
        settlement = Settlements(services.ledger, services.read_access, threshold).read(
            context.reader, case_id
        )
    except SettlementNotProposed:
        return None
    return Settlement.of(settlement)

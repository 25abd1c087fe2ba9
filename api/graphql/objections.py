"""GraphQL reads of objections: a filtered list from the read model; each objection's inspections (with the
comparison against the contract's specification), liability determination and settlement replayed from
the event store through the application's reads, which pass the read gate and record each read."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.capa import RootCause
from api.graphql.context import MAX_PAGE, QueryRefused, ReadContext, aware, page_key
from api.graphql.types import Money, PageInfo
from api.inspection_report import inspection_view
from application.access import ReadKind
from application.errors import InspectionNotFound, LiabilityNotDetermined, SettlementNotProposed
from application.inspections import Inspections
from application.liability import LiabilityDeterminations
from application.settlement import Settlements
from domain import settlement as settlement_values
from domain.liability_determination import LiabilityDetermination, Proposal
from projections import objection_queries

# -- inspections: built from the same view as REST's GET /api/v1/inspections/{id} ---------------------


@strawberry.type(description="A measured value and its unit.")
class Measured:
    value: Decimal = strawberry.field(description="The value, a decimal with every digit")
    unit: str = strawberry.field(description="Its unit, e.g. kcal/kg or %")

    @classmethod
    def of(cls, view: dict[str, Any]) -> "Measured":
        return cls(value=view["value"], unit=view["unit"])

    @classmethod
    def maybe(cls, view: dict[str, Any] | None) -> "Measured | None":
        return None if view is None else cls.of(view)


@strawberry.type(description="Someone who watched the sampling for a party.")
class Witness:
    party: str = strawberry.field(description="supplier, customer, carrier or third_party")
    name: str = strawberry.field(description="The witness's name (personal data)")
    organisation: str = strawberry.field(description="Whom they witnessed for")


@strawberry.type(description="How the samples were taken.")
class Sampling:
    sampled_by: str = strawberry.field(description="Who took the samples (personal data)")
    place: str = strawberry.field(description="Where they were taken")
    sampled_at: datetime = strawberry.field(description="When they were taken")
    method_standard: str = strawberry.field(description="The sampling standard, e.g. GB/T 475")
    sample_ids: list[str] = strawberry.field(description="The samples' ids")
    seal_numbers: list[str] = strawberry.field(description="The seals' numbers")
    witnesses: list[Witness] = strawberry.field(description="The witnesses of each party")
    joint: bool = strawberry.field(description="True when both parties sampled together")
    sampling_party: str | None = strawberry.field(description="One-sided: who sampled; null when joint")
    other_party_consented: bool | None = strawberry.field(
        description="One-sided: whether the other party consented; null when joint"
    )


@strawberry.type(description="One parameter's value in a lab result.")
class ParameterValue:
    parameter: str = strawberry.field(description="The parameter, e.g. Qnet,ar")
    value: Measured = strawberry.field(description="What the lab found")


@strawberry.type(
    description="One lab's result; a correction is a result of its own naming the one it corrects."
)
class LabResult:
    id: strawberry.ID = strawberry.field(description="The result's UUID")
    lab: str = strawberry.field(description="The lab's name")
    lab_kind: str = strawberry.field(description="supplier_qc, customer_lab or third_party_agency")
    agency: str | None = strawberry.field(description="The appointed agency; third-party results only")
    values: list[ParameterValue] = strawberry.field(description="Every parameter it reports")
    tested_at: datetime = strawberry.field(description="When the lab tested the sample")
    report_attachment_id: strawberry.ID | None = strawberry.field(
        description="The lab report, an attachment of the case; null if none was named"
    )
    recorded_by: str = strawberry.field(description="User id of who recorded it")
    recorded_at: datetime = strawberry.field(description="When it was recorded")
    current: bool = strawberry.field(description="False once a correction superseded it")
    corrects: strawberry.ID | None = strawberry.field(description="The result this one corrects, if any")
    correction_reason: str | None = strawberry.field(description="Why it was corrected; corrections only")
    superseded_by: strawberry.ID | None = strawberry.field(description="The correction that replaced it")


@strawberry.type(description="One parameter of a result against the contract's specification.")
class ParameterVerdict:
    name: str = strawberry.field(description="The parameter")
    value: Measured = strawberry.field(description="The result's value")
    conformity: str = strawberry.field(description="within_spec or off_spec")
    deviation_from_target: Measured | None = strawberry.field(
        description="Value minus the target; null without a target"
    )
    violated_limit: str | None = strawberry.field(description="lower or upper; null when within spec")
    deviation_from_limit: Measured | None = strawberry.field(
        description="Value minus the violated limit; off spec only"
    )


@strawberry.type(description="A current result against the contract's specification.")
class SpecComparison:
    result_id: strawberry.ID = strawberry.field(description="The result compared")
    lab_kind: str = strawberry.field(description="The kind of lab that reported it")
    within_spec: bool = strawberry.field(description="Every specified parameter tested and within its limits")
    not_tested: list[str] = strawberry.field(description="Specified parameters the result lacks")
    parameters: list[ParameterVerdict] = strawberry.field(description="Each specified parameter tested")


@strawberry.type(description="The supplier's QC and the customer's lab on one parameter.")
class ParameterAgreement:
    name: str = strawberry.field(description="The parameter")
    difference: Measured = strawberry.field(description="How far apart the two results are")
    level: Measured = strawberry.field(description="The mean of the two, which picks the tolerance band")
    reproducibility: Measured = strawberry.field(description="The tolerance: the method's reproducibility")
    agrees: bool = strawberry.field(description="True when the difference is within the reproducibility")


@strawberry.type(description="Whether the supplier's QC and the customer's lab agree within tolerance.")
class LabAgreement:
    labs_agree: bool | None = strawberry.field(description="Null until both labs reported")
    needs_reinspection: bool = strawberry.field(
        description="True when they disagree beyond tolerance: a third party must settle it"
    )
    disputed: list[str] = strawberry.field(description="The parameters they disagree on")
    parameters: list[ParameterAgreement] = strawberry.field(description="Parameter by parameter")


@strawberry.type(description="One party's agreement to the appointed agency.")
class PartyAgreement:
    party: str = strawberry.field(description="supplier or customer")
    agreed_by: str = strawberry.field(description="Who agreed for the party (personal data)")
    agreed_at: datetime = strawberry.field(description="When")


@strawberry.type(
    description="The third-party re-inspection: requested, and the agency both parties appointed."
)
class Reinspection:
    requested: bool = strawberry.field(description="True once a re-inspection was requested")
    disputed: list[str] = strawberry.field(description="The parameters named when it was requested")
    agency: str | None = strawberry.field(description="The appointed agency; null until appointed")
    agreements: list[PartyAgreement] = strawberry.field(description="Each party's agreement to the agency")


@strawberry.type(description="The value one parameter is settled at, and what it rests on.")
class BasisValue:
    parameter: str = strawberry.field(description="The parameter")
    value: Measured = strawberry.field(description="The value liability and price rest on")
    source: str = strawberry.field(description="mean_of_agreeing_labs or third_party")
    result_ids: list[strawberry.ID] = strawberry.field(description="The lab results the value rests on")


@strawberry.type(
    description="The inspection's basis: the mean where the labs agree, the third party where not."
)
class Basis:
    pending: str | None = strawberry.field(description="Why there is no basis yet; null when there is one")
    parameters: list[BasisValue] | None = strawberry.field(description="Null while pending")


@strawberry.type(
    description="One sampling and testing round of a case's shipment, judged against its contract."
)
class Inspection:
    id: strawberry.ID = strawberry.field(description="The inspection's UUID")
    version: int = strawberry.field(description="Number of its events so far")
    case_id: strawberry.ID = strawberry.field(description="The case it is for")
    shipment_id: strawberry.ID = strawberry.field(description="The shipment sampled")
    contract_id: strawberry.ID = strawberry.field(description="The contract whose specification judges it")
    sampling: Sampling = strawberry.field(description="How the samples were taken")
    results: list[LabResult] = strawberry.field(
        description="Every result, superseded ones too, in the order recorded"
    )
    comparison: list[SpecComparison] = strawberry.field(
        description="Each current result against the specification"
    )
    agreement: LabAgreement = strawberry.field(description="The supplier's and the customer's labs compared")
    reinspection: Reinspection = strawberry.field(description="The third-party re-inspection")
    basis: Basis = strawberry.field(description="What the inspection settles each parameter at")

    @classmethod
    def of_view(cls, view: dict[str, Any]) -> "Inspection":
        sampling = view["sampling"]
        agreement = view["agreement"]
        reinspection = view["reinspection"]
        return cls(
            id=_id(view["id"]),
            version=view["version"],
            case_id=_id(view["case_id"]),
            shipment_id=_id(view["shipment_id"]),
            contract_id=_id(view["contract_id"]),
            sampling=Sampling(**{**sampling, "witnesses": [Witness(**w) for w in sampling["witnesses"]]}),
            results=[_result(result) for result in view["results"]],
            comparison=[_comparison(item) for item in view["comparison"]],
            agreement=LabAgreement(
                labs_agree=agreement["labs_agree"],
                needs_reinspection=agreement["needs_reinspection"],
                disputed=agreement["disputed"],
                parameters=[_agreement(item) for item in agreement["parameters"]],
            ),
            reinspection=Reinspection(
                **{**reinspection, "agreements": [PartyAgreement(**a) for a in reinspection["agreements"]]}
            ),
            basis=_basis(view["basis"]),
        )


def _id(value: UUID | None) -> strawberry.ID | None:
    return None if value is None else strawberry.ID(str(value))


def _result(view: dict[str, Any]) -> LabResult:
    values = [
        ParameterValue(parameter=name, value=Measured.of(value)) for name, value in view["values"].items()
    ]
    ids = {key: _id(view[key]) for key in ("id", "report_attachment_id", "corrects", "superseded_by")}
    return LabResult(**{**view, **ids, "values": values})


def _comparison(view: dict[str, Any]) -> SpecComparison:
    verdicts = [
        ParameterVerdict(
            **{
                **verdict,
                "value": Measured.of(verdict["value"]),
                "deviation_from_target": Measured.maybe(verdict["deviation_from_target"]),
                "deviation_from_limit": Measured.maybe(verdict["deviation_from_limit"]),
            }
        )
        for verdict in view["parameters"]
    ]
    return SpecComparison(**{**view, "result_id": _id(view["result_id"]), "parameters": verdicts})


def _agreement(view: dict[str, Any]) -> ParameterAgreement:
    measured = {key: Measured.of(view[key]) for key in ("difference", "level", "reproducibility")}
    return ParameterAgreement(**{**view, **measured})


def _basis(view: dict[str, Any]) -> Basis:
    parameters = view["parameters"]
    return Basis(
        pending=view["pending"],
        parameters=None
        if parameters is None
        else [
            BasisValue(
                parameter=name,
                value=Measured.of(value),
                source=value["source"],
                result_ids=[strawberry.ID(str(result_id)) for result_id in value["result_ids"]],
            )
            for name, value in parameters.items()
        ],
    )


# -- liability ----------------------------------------------------------------------------------------


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


# -- settlement ---------------------------------------------------------------------------------------


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
            basis_inspection_id=_id(offer.basis_inspection_id),
            shipment_id=_id(offer.shipment_id),
            needs_approval=proposal.needs_approval,
            proposed_by=proposal.proposed_by.user_id,
            proposed_at=proposal.proposed_at,
            approved_by=proposal.approved_by.user_id if proposal.approved_by else None,
            agreement=SignedAgreement(
                **{**vars(agreement), "document_attachment_id": _id(agreement.document_attachment_id)}
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


# -- the objection --------------------------------------------------------------------------------------


def _inspections(context: ReadContext) -> Inspections:
    return Inspections(context.services.ledger, context.services.read_access)


def _read_inspection(context: ReadContext, inspection_id: UUID) -> Inspection | None:
    """The inspection as read through the gate (recorded under its case); None if there is none."""
    try:
        report = _inspections(context).read(context.reader, inspection_id)
    except InspectionNotFound:
        return None  # an unknown id names no case: nothing was read
    return Inspection.of_view(inspection_view(report))


def _read_liability(context: ReadContext, case_id: UUID) -> Liability | None:
    services = context.services
    try:
        report = LiabilityDeterminations(services.ledger, services.read_access).read(context.reader, case_id)
    except LiabilityNotDetermined:
        return None
    return Liability.of(report.determination)


def _read_settlement(context: ReadContext, case_id: UUID) -> Settlement | None:
    services = context.services
    threshold = services.settings.settlement_approval_threshold
    try:
        settlement = Settlements(services.ledger, services.read_access, threshold).read(
            context.reader, case_id
        )
    except SettlementNotProposed:
        return None
    return Settlement.of(settlement)


@strawberry.type(
    description="A case with objection activity (an inspection, a liability determination or a "
    "settlement), as the read model lists it; its parts are read from the event store when asked for."
)
class Objection:
    case_id: strawberry.ID = strawberry.field(description="The case's UUID")
    case_number: str = strawberry.field(description="The case's number, e.g. AS-2026-000123")
    customer_id: str = strawberry.field(description="The customer's id")
    product: str = strawberry.field(description="The product the case is about")
    opened_at: datetime = strawberry.field(description="When the customer raised the objection")
    shipment_id: strawberry.ID | None = strawberry.field(
        description="The shipment its first inspection sampled; null before any inspection"
    )
    shipment_reference: str | None = strawberry.field(description="That shipment's reference")
    root_cause: RootCause | None = strawberry.field(
        description="The root cause of the approved liability determination; null until one is approved"
    )
    liability_status: str | None = strawberry.field(
        description="approved (a determination is in force), pending or rejected (none in force, the latest "
        "proposal awaits a decision or was rejected); null when nothing is proposed"
    )
    settlement_status: str | None = strawberry.field(
        description="The latest settlement proposal's status (awaiting_approval, offered, signed, rejected, "
        "executed); null when nothing is proposed"
    )
    legal_hold: bool = strawberry.field(description="Its settlement went to arbitration")

    @strawberry.field(
        description="Its inspections, oldest first, read from the event store (each read recorded)"
    )
    async def inspections(self, info: Info[ReadContext, None]) -> list[Inspection]:
        ids = await run_in_threadpool(
            objection_queries.inspection_ids_of_case, info.context.services.pool, UUID(self.case_id)
        )
        read = [await run_in_threadpool(_read_inspection, info.context, i) for i in ids]
        return [inspection for inspection in read if inspection is not None]

    @strawberry.field(
        description="Its liability determination, read from the event store (recorded); null if nothing "
        "is proposed"
    )
    async def liability(self, info: Info[ReadContext, None]) -> Liability | None:
        return await run_in_threadpool(_read_liability, info.context, UUID(self.case_id))

    @strawberry.field(
        description="Its settlement, read from the event store (recorded); null if nothing is proposed"
    )
    async def settlement(self, info: Info[ReadContext, None]) -> Settlement | None:
        return await run_in_threadpool(_read_settlement, info.context, UUID(self.case_id))

    @classmethod
    def of_summary(cls, summary: objection_queries.ObjectionSummary) -> "Objection":
        return cls(
            case_id=strawberry.ID(str(summary.case_id)),
            case_number=summary.case_number,
            customer_id=summary.customer_id,
            product=summary.product,
            opened_at=summary.opened_at,
            shipment_id=_id(summary.shipment_id),
            shipment_reference=summary.shipment_reference,
            root_cause=RootCause(summary.root_cause) if summary.root_cause else None,
            liability_status=summary.liability_status,
            settlement_status=summary.settlement_status,
            legal_hold=summary.legal_hold,
        )


@strawberry.type(description="An objection in a page of objections, with where it sits in the list.")
class ObjectionEdge:
    node: Objection = strawberry.field(description="The objection")
    cursor: str = strawberry.field(description="Pass as `after` to continue the list after this objection")


@strawberry.type(
    description="A page of objections, newest raised first (ties broken by case id), relay style."
)
class ObjectionConnection:
    edges: list[ObjectionEdge] = strawberry.field(description="The objections of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")


@strawberry.input(description="Conditions on the listed objections; every condition given must hold.")
class ObjectionFilter:
    customer: str | None = strawberry.field(default=None, description="Only this customer's (its id)")
    product: str | None = strawberry.field(default=None, description="Only this product")
    shipment: str | None = strawberry.field(
        default=None, description="Only objections with an inspection of this shipment (its reference)"
    )
    lab: str | None = strawberry.field(
        default=None, description="Only objections where this lab reported a result (its name, any case)"
    )
    root_cause: RootCause | None = strawberry.field(
        default=None, description="Only objections whose approved liability names this root cause"
    )
    opened_from: datetime | None = strawberry.field(
        default=None, description="Only objections raised at or after this time (time zone required)"
    )
    opened_to: datetime | None = strawberry.field(
        default=None, description="Only objections raised before this time (time zone required)"
    )

    def condition(self) -> objection_queries.ObjectionFilter:
        return objection_queries.ObjectionFilter(
            customer_id=self.customer,
            product=self.product,
            shipment=self.shipment,
            lab=self.lab,
            root_cause=self.root_cause.value if self.root_cause else None,
            opened_from=aware(self.opened_from, "filter.openedFrom"),
            opened_to=aware(self.opened_to, "filter.openedTo"),
        )


@strawberry.type(description="Reads of objections and their inspections.")
class ObjectionQueries:
    @strawberry.field(description="Objections from the read model, newest raised first, a page at a time")
    async def objections(
        self,
        info: Info[ReadContext, None],
        first: Annotated[
            int, strawberry.argument(description=f"How many objections to return, 0 to {MAX_PAGE}")
        ] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page")
        ] = None,
        filter: Annotated[
            ObjectionFilter | None,
            strawberry.argument(description="Only objections meeting these conditions"),
        ] = None,
    ) -> ObjectionConnection:
        if not 0 <= first <= MAX_PAGE:
            raise QueryRefused(f"first must be between 0 and {MAX_PAGE}; page through with after")
        condition = filter.condition() if filter else objection_queries.ObjectionFilter()
        page = await run_in_threadpool(
            objection_queries.list_objections, info.context.services.pool, condition, first, page_key(after)
        )
        await info.context.open_read(ReadKind.OBJECTION_LIST, [o.case_id for o in page.objections])
        edges = [
            ObjectionEdge(node=Objection.of_summary(o), cursor=o.page_key().to_cursor())
            for o in page.objections
        ]
        return ObjectionConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(
        description="An inspection by id, read from the event store with its comparison against the "
        "contract's specification (recorded under its case); null if there is no such inspection"
    )
    async def inspection(
        self,
        info: Info[ReadContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The inspection's UUID")],
    ) -> Inspection | None:
        try:
            inspection_id = UUID(str(id))
        except ValueError:
            raise QueryRefused("id must be an inspection's UUID") from None
        return await run_in_threadpool(_read_inspection, info.context, inspection_id)

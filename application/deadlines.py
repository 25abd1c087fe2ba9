"""A case's step deadlines: when each step of the objection was done, against its contract's time limits.

The milestones are gathered from the event store on every read, never stored, so a correction or a late
approval shows at once (docs/decisions.md, "Step deadlines"):

- registered: when the customer raised the objection (the case's `opened_at`); acknowledged: the case's
  acknowledgement.
- sampled: the earliest sampling (its business time, `sampled_at`) among the case's inspections.
- tested: when the first inspection's basis result became available: the recording time of the latest
  result the basis rests on. A correction does not move it: the lab's result was there when first
  recorded, and a fixed typo does not make the lab late.
- determined: when a liability proposal was first approved (a later change does not move it).
- settled: when the customer signed the settlement agreement (`signed_at`); for a case closed without a
  signed settlement (liability on the customer, an unfounded objection), when it was closed.

The limits are those of the contract of the case's shipment (the first shipment reference recorded here,
else an inspection's shipment); with no contract known, the defaults of `StepLimits`.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.access import ReadAccess, Reader, ReadKind
from application.ledger import CaseLedger
from application.ports import CaseInspections
from domain.case import Case, Status
from domain.deadlines import Milestones, StepDeadline, StepLimits, step_deadlines
from domain.inspection import Inspection, RecordedResult
from domain.inspection_assessment import assess
from domain.liability_determination import LiabilityDetermination, ProposalStatus, determination_id
from domain.settlement import Settlement, settlement_id
from domain.shipment import Contract, Shipment, shipment_id


@dataclass(frozen=True)
class CaseDeadlines:
    case_id: UUID
    contract_id: UUID | None  # whose limits apply; None: no contract is known, the defaults apply
    limits: StepLimits
    steps: tuple[StepDeadline, ...]
    at: datetime  # the time `overdue` was judged at


class Deadlines:
    def __init__(self, ledger: CaseLedger, read_access: ReadAccess, inspections: CaseInspections) -> None:
        self.ledger = ledger
        self.read_access = read_access
        self.inspections = inspections

    def read(self, reader: Reader, case_id: UUID) -> CaseDeadlines:
        """The case's deadlines now; the read is recorded under the case (an unknown case is 404 first)."""
        case = self.ledger.get_case(case_id)
        self.read_access.open(reader, ReadKind.DEADLINES, [case_id])
        return self.of_case(case, self.ledger.clock.now())

    def of_case(self, case: Case, now: datetime) -> CaseDeadlines:
        inspections = self._inspections(case.id)
        contract = self._contract(case, inspections)
        limits = contract.step_limits if contract is not None else StepLimits()
        milestones = Milestones(
            registered_at=case.opened_at,
            acknowledged_at=case.acknowledged_at,
            sampled_at=min((i.sampling.sampled_at for i in inspections), default=None),
            tested_at=min(filter(None, (self._basis_available_at(i) for i in inspections)), default=None),
            determined_at=self._determined_at(case.id),
            settled_at=self._settled_at(case),
            ended_at=None if case.is_open else case.closed_at,
        )
        return CaseDeadlines(
            case.id, contract.id if contract else None, limits, step_deadlines(milestones, limits, now), now
        )

    # -- the milestones -----------------------------------------------------------------------------

    def _inspections(self, case_id: UUID) -> list[Inspection]:
        # The read model lists the ids; the event store has the inspection (and says whose it is).
        found = (self.ledger.find(inspection_id) for inspection_id in self.inspections.of_case(case_id))
        return [i for i in found if isinstance(i, Inspection) and i.case_id == case_id]

    def _basis_available_at(self, inspection: Inspection) -> datetime | None:
        contract = self._contract_of_shipment(inspection.shipment_id)
        if contract is None:
            return None
        basis = assess(inspection, contract.specification).basis
        if basis is None:
            return None
        rested_on = [inspection.results[UUID(result_id)] for result_id in basis.inspection_ids]
        return max(_first_recorded(inspection, result) for result in rested_on)

    def _determined_at(self, case_id: UUID) -> datetime | None:
        determination = self.ledger.find(determination_id(case_id))
        if not isinstance(determination, LiabilityDetermination):
            return None
        # An approved proposal stays `superseded` with its decision time once a change is approved.
        approved = (ProposalStatus.APPROVED, ProposalStatus.SUPERSEDED)
        times = [p.decided_at for p in determination.proposals.values() if p.status in approved]
        return min(filter(None, times), default=None)

    def _settled_at(self, case: Case) -> datetime | None:
        settlement = self.ledger.find(settlement_id(case.id))
        if isinstance(settlement, Settlement):
            signed = [p.agreement.signed_at for p in settlement.proposals.values() if p.agreement is not None]
            if signed:
                return min(signed)
        return case.closed_at if case.status is Status.CLOSED else None

    # -- the limits ---------------------------------------------------------------------------------

    def _contract(self, case: Case, inspections: list[Inspection]) -> Contract | None:
        named = [shipment_id(reference) for reference in case.shipment_refs]
        for shipment in [*named, *(i.shipment_id for i in inspections)]:
            if (contract := self._contract_of_shipment(shipment)) is not None:
                return contract
        return None

    def _contract_of_shipment(self, shipment_uuid: UUID) -> Contract | None:
        shipment = self.ledger.find(shipment_uuid)
        if not isinstance(shipment, Shipment):
            return None
        contract = self.ledger.find(shipment.contract_id)
        return contract if isinstance(contract, Contract) else None


def _first_recorded(inspection: Inspection, result: RecordedResult) -> datetime:
    """When the lab's result was first recorded: a correction names the result it corrects."""
    while result.corrects is not None:
        result = inspection.results[result.corrects]
    return result.recorded_at

"""Inspection use cases: open a sampling and testing round for a case's shipment, record and correct lab
results, ask for a third-party re-inspection, appoint the agency, and read what the results say.

An inspection is a stream of its own beside its case, created with `CaseLedger.create` and changed with
`run_command`, so If-Match and Idempotency-Key work as for cases. The contract's specification, which
every result is checked and compared against, is read from the shipment's contract on each command.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import InspectionNotFound, ShipmentNotFound
from application.ledger import Caller, CaseLedger, CommandResult
from application.shipments import Shipments
from domain.case import FINISHED, Case, CaseType
from domain.errors import CaseRuleViolation, InvalidValue
from domain.evidence import AttachmentNotFound
from domain.inspection import Agreement, Inspection, LabKind, Sampling
from domain.inspection_assessment import InspectionAssessment, assess
from domain.measurement import Measurement
from domain.shipment import Contract, Shipment, shipment_id
from domain.specification import QualitySpecification

# Sampling and testing settle what the goods were: objections about their quality or their quantity
# (moisture). Other cases (a late truck, a broken pump) have no samples to take.
INSPECTED_CASE_TYPES = frozenset({CaseType.QUALITY_OBJECTION, CaseType.QUANTITY_OBJECTION})


@dataclass(frozen=True)
class MeasuredEntry:
    """A value as sent; without a unit it is in the unit the contract specifies the parameter in."""

    parameter: str
    value: Decimal
    unit: str | None = None


@dataclass(frozen=True)
class LabResultEntry:
    lab: str
    lab_kind: LabKind
    values: tuple[MeasuredEntry, ...]
    tested_at: datetime
    agency: str | None = None
    report_attachment_id: UUID | None = None


@dataclass(frozen=True)
class InspectionReport:
    """An inspection as read: what it recorded, the contract it is judged by, and what its results say."""

    inspection: Inspection
    contract: Contract
    assessment: InspectionAssessment


class Inspections:
    def __init__(self, ledger: CaseLedger, read_access: ReadAccess) -> None:
        self.ledger = ledger
        self.read_access = read_access
        self.shipments = Shipments(ledger)

    # -- commands ---------------------------------------------------------------------------------

    def open(self, caller: Caller, case_id: UUID, shipment_uuid: UUID, sampling: Sampling) -> CommandResult:
        actor = authorise(Command.RECORD_SAMPLING, caller.user_id, caller.roles)

        def make(now: datetime) -> Inspection:
            case = self._case(case_id)
            shipment = self._shipment(shipment_uuid)
            _check_case_inspects(case, shipment)
            if sampling.sampled_at < shipment.dispatched_at:
                raise InvalidValue("the goods are sampled after they were dispatched", "sampling.sampled_at")
            witnesses = (witness.subject_id for witness in sampling.witnesses)
            self.ledger.hold_personal_data(case.id, sampling.sampler_subject_id, *witnesses)
            return Inspection.open(
                case_id=case.id, shipment_id=shipment.id, sampling=sampling, by=actor, now=now
            )

        return self.ledger.create(caller, make)

    def record_result(self, caller: Caller, inspection_id: UUID, entry: LabResultEntry) -> CommandResult:
        actor = authorise(Command.RECORD_LAB_RESULT, caller.user_id, caller.roles)

        def record(inspection: Inspection, now: datetime) -> dict[str, Any]:
            if entry.report_attachment_id is not None:
                self._check_report(inspection.case_id, entry.report_attachment_id)
            spec = self._specification(inspection)
            result_id = inspection.record_result(
                lab=entry.lab,
                lab_kind=entry.lab_kind,
                agency=entry.agency,
                values=_values(entry.values, spec),
                tested_at=entry.tested_at,
                report_attachment_id=entry.report_attachment_id,
                specification=spec,
                by=actor,
                now=now,
            )
            return {"result_id": str(result_id)}

        return self._change(caller, inspection_id, record)

    def correct_result(
        self,
        caller: Caller,
        inspection_id: UUID,
        result_id: UUID,
        values: Sequence[MeasuredEntry],
        reason: str,
    ) -> CommandResult:
        actor = authorise(Command.RECORD_LAB_RESULT, caller.user_id, caller.roles)

        def correct(inspection: Inspection, now: datetime) -> dict[str, Any]:
            spec = self._specification(inspection)
            correction_id = inspection.correct_result(
                result_id=result_id,
                values=_values(values, spec),
                reason=reason,
                specification=spec,
                by=actor,
                now=now,
            )
            return {"result_id": str(correction_id)}

        return self._change(caller, inspection_id, correct)

    def request_reinspection(self, caller: Caller, inspection_id: UUID, reason: str) -> CommandResult:
        actor = authorise(Command.REQUEST_REINSPECTION, caller.user_id, caller.roles)

        def request(inspection: Inspection, now: datetime) -> dict[str, Any]:
            inspection.request_reinspection(self._specification(inspection), reason, actor, now)
            return {"disputed": list(inspection.disputed)}

        return self._change(caller, inspection_id, request)

    def appoint_agency(
        self, caller: Caller, inspection_id: UUID, agency: str, supplier: Agreement, customer: Agreement
    ) -> CommandResult:
        actor = authorise(Command.APPOINT_AGENCY, caller.user_id, caller.roles)

        def appoint(inspection: Inspection, now: datetime) -> None:
            self.ledger.hold_personal_data(inspection.case_id, supplier.subject_id, customer.subject_id)
            inspection.appoint_agency(agency, supplier, customer, actor, now)

        return self._change(caller, inspection_id, appoint)

    # -- reading ----------------------------------------------------------------------------------

    def read(self, reader: Reader, inspection_id: UUID) -> InspectionReport:
        """The inspection with its comparison, agreement and basis; the read is recorded under its case."""
        inspection = self.inspection(inspection_id)
        self.read_access.open(reader, ReadKind.INSPECTION, [inspection.case_id])
        contract = self._contract(inspection)
        return InspectionReport(inspection, contract, assess(inspection, contract.specification))

    def inspection(self, inspection_id: UUID) -> Inspection:
        found = self.ledger.find(inspection_id)
        if not isinstance(found, Inspection):
            raise InspectionNotFound(f"no inspection with id {inspection_id}", field="id")
        return found

    # -- the parts ----------------------------------------------------------------------------------

    def _change(self, caller: Caller, inspection_id: UUID, decide: Any) -> CommandResult:
        return self.ledger.run_command(caller, lambda: self.inspection(inspection_id), decide, "inspection")

    def _case(self, case_id: UUID) -> Case:
        return self.ledger.get_case(case_id, field="case_id")

    def _shipment(self, shipment_uuid: UUID) -> Shipment:
        found = self.ledger.find(shipment_uuid)
        if not isinstance(found, Shipment):
            raise ShipmentNotFound(f"no shipment with id {shipment_uuid}", field="shipment_id")
        return found

    def _contract(self, inspection: Inspection) -> Contract:
        return self.shipments.contract(self.shipments.shipment(inspection.shipment_id).contract_id)

    def _specification(self, inspection: Inspection) -> QualitySpecification:
        return self._contract(inspection).specification

    def _check_report(self, case_id: UUID, attachment_id: UUID) -> None:
        try:
            self._case(case_id).attachment(attachment_id)
        except AttachmentNotFound as missing:
            raise AttachmentNotFound(str(missing), "report_attachment_id") from None


def require_objection_in_progress(case: Case, step: str) -> None:
    """Refuse `step` (an inspection, a liability determination) unless the case is a quality or quantity
    objection that is neither closed nor withdrawn, nor a late objection still held for the override."""
    if case.case_type not in INSPECTED_CASE_TYPES:
        raise CaseRuleViolation(
            f"a {case.case_type.value} case has no {step}; quality and quantity objections do", "case_id"
        )
    if case.status in FINISHED:
        raise CaseRuleViolation(f"case {case.number} is {case.status.value}: reopen it first", "case_id")
    # Joint sampling is the first step the supplier takes with the customer on the objection: a late one
    # proceeds only once a manager has overridden the window.
    if case.late_objection is not None and not case.late_objection_overridden:
        raise CaseRuleViolation(
            f"case {case.number} is a late objection: a manager's override comes before any {step}",
            "case_id",
        )


def _check_case_inspects(case: Case, shipment: Shipment) -> None:
    require_objection_in_progress(case, "inspection")
    # The case names its shipments by reference; the same reference, ignoring case, is the same shipment.
    if all(shipment_id(reference) != shipment.id for reference in case.shipment_refs):
        raise CaseRuleViolation(
            f"case {case.number} does not name shipment {shipment.reference}", "shipment_id"
        )


def _values(entries: Sequence[MeasuredEntry], spec: QualitySpecification) -> dict[str, Measurement]:
    values: dict[str, Measurement] = {}
    for entry in entries:
        field = f"values.{entry.parameter}"
        if entry.parameter in values:
            raise InvalidValue(f"{entry.parameter} is given twice", field)
        unit = entry.unit
        if unit is None:
            if entry.parameter not in spec.names:
                raise InvalidValue(
                    f"the contract does not specify {entry.parameter}: give its unit", f"{field}.unit"
                )
            unit = spec.parameter(entry.parameter).unit
        try:
            values[entry.parameter] = Measurement(entry.value, unit)
        except InvalidValue as invalid:
            raise InvalidValue(str(invalid), field if invalid.field == "value" else f"{field}.unit") from None
    return values

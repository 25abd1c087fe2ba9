"""Repair use cases on an equipment-fault case (报修): open the repair of an installed unit, decide the
warranty, quote a repair outside it and record the customer's answer, dispatch an engineer, record the
visit's arrival, work and signed service record; read the repair.

A case's repair is a stream of its own (`Repair`, its id derived from the case id), created by the
opening and changed with `run_command` afterwards, so If-Match (on the repair's version) and
Idempotency-Key work as for cases. Opening a repair also records it on the unit (`RepairOpened`), in the
same transaction, so the unit knows its repairs; the configured `RepeatFailurePolicy` then says, over
the unit's repairs up to this one, whether a replacement unit is proposed instead of another repair.
The warranty is judged at the case's registration (when the customer reported the fault).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.equipment import InstalledUnits
from application.errors import AlreadyRecorded, RepairNotOpened, VersionConflict
from application.ledger import Caller, CaseLedger, CommandResult
from domain.actor import Actor
from domain.case import FINISHED, Case, CaseType
from domain.equipment import Exclusion, InstalledUnit, in_warranty
from domain.errors import CaseRuleViolation
from domain.evidence import Attachment, AttachmentNotFound
from domain.repair import PartUsed, Quote, Repair, ServiceRecordSignature, VisitResult, repair_id
from domain.replacement_policy import RepeatFailurePolicy, ReplacementProposal, proposes_replacement

STEP = "repair"


@dataclass(frozen=True)
class RepairRequest:
    """What the repair names: the unit by serial number, the component class at fault, the fault code."""

    serial_number: str
    component_class: str
    fault_code: str


@dataclass(frozen=True)
class WorkEntry:
    started_at: datetime
    finished_at: datetime
    work_done: str
    parts_used: tuple[PartUsed, ...]
    result: VisitResult


@dataclass(frozen=True)
class ServiceRecordEntry:
    """The customer's signature as sent: the signed service record is an attachment of the case."""

    signer_name: str
    signed_at: datetime
    document_attachment_id: UUID
    subject_id: UUID = field(default_factory=uuid4)  # the signer as a data subject


@dataclass(frozen=True)
class RepairView:
    """A repair as read, with its unit and what the repeat-failure policy says about the unit now."""

    repair: Repair
    unit: InstalledUnit
    replacement: ReplacementProposal


Decide = Callable[[Repair, Case, Actor, datetime], dict[str, Any] | None]


class Repairs:
    def __init__(self, ledger: CaseLedger, read_access: ReadAccess, policy: RepeatFailurePolicy) -> None:
        self.ledger = ledger
        self.read_access = read_access
        self.policy = policy
        self.units = InstalledUnits(ledger, read_access)

    # -- commands ---------------------------------------------------------------------------------

    def open(self, caller: Caller, case_id: UUID, request: RepairRequest) -> CommandResult:
        """Open the case's repair of the unit; the answer says whether a replacement is proposed."""
        actor = authorise(Command.OPEN_REPAIR, caller.user_id, caller.roles)
        if caller.expected_version is not None:
            raise VersionConflict("the case has no repair yet: open it without If-Match", field="If-Match")
        of_unit: list[InstalledUnit] = []

        def load() -> Repair:
            # A new stream, built on each attempt: a repair opened meanwhile is refused here.
            case = self._equipment_case(case_id)
            if repair_id(case_id) in self.ledger.repository:
                raise AlreadyRecorded(f"case {case.number} has a repair already", "case_id")
            unit = self.units.unit_by_serial(request.serial_number)
            of_unit[:] = [unit]
            return Repair.open(
                case_id=case.id,
                unit=unit,
                component_class=request.component_class,
                fault_code=request.fault_code,
                reported_at=case.opened_at,
                by=actor,
                now=self.ledger.clock.now(),
            )

        def record_on_unit(repair: Repair, now: datetime) -> dict[str, Any]:
            unit = of_unit[0]
            covered = in_warranty(unit, repair.component_class, repair.reported_at)
            unit.record_repair(repair.id, repair.fault_code, covered, actor, now)
            return {"replacement": _answer(self._proposal(unit, repair.id))}

        return self.ledger.run_command(caller, load, record_on_unit, STEP, also=lambda: of_unit)

    def decide_warranty(
        self,
        caller: Caller,
        case_id: UUID,
        is_in_warranty: bool,
        exclusion: Exclusion | None,
        evidence_attachment_ids: Sequence[UUID],
        reason: str,
    ) -> CommandResult:
        """The engineer's decision; the evidence must be current attachments of the case."""
        actor = authorise(Command.DECIDE_WARRANTY, caller.user_id, caller.roles)

        def decide(repair: Repair, case: Case, actor: Actor, now: datetime) -> None:
            for n, attachment_id in enumerate(evidence_attachment_ids):
                _current_attachment(case, attachment_id, f"evidence_attachment_ids.{n}")
            unit = self.units.unit(repair.unit_id, "unit")
            repair.decide_warranty(
                unit, is_in_warranty, exclusion, evidence_attachment_ids, reason, actor, now
            )

        return self._change(caller, case_id, actor, decide)

    def issue_quote(self, caller: Caller, case_id: UUID, quote: Quote) -> CommandResult:
        actor = authorise(Command.ISSUE_REPAIR_QUOTE, caller.user_id, caller.roles)
        return self._change(
            caller, case_id, actor, lambda r, c, a, now: {"quote": r.issue_quote(quote, a, now)}
        )

    def accept_quote(self, caller: Caller, case_id: UUID, number: int) -> CommandResult:
        actor = authorise(Command.RECORD_QUOTE_ANSWER, caller.user_id, caller.roles)

        def accept(repair: Repair, case: Case, actor: Actor, now: datetime) -> dict[str, Any]:
            repair.accept_quote(number, actor, now)
            return {"quote": number}

        return self._change(caller, case_id, actor, accept)

    def reject_quote(self, caller: Caller, case_id: UUID, number: int, reason: str) -> CommandResult:
        actor = authorise(Command.RECORD_QUOTE_ANSWER, caller.user_id, caller.roles)

        def reject(repair: Repair, case: Case, actor: Actor, now: datetime) -> dict[str, Any]:
            repair.reject_quote(number, reason, actor, now)
            return {"quote": number}

        return self._change(caller, case_id, actor, reject)

    def dispatch(
        self, caller: Caller, case_id: UUID, engineer: str, planned_at: datetime, at: datetime | None = None
    ) -> CommandResult:
        actor = authorise(Command.DISPATCH_ENGINEER, caller.user_id, caller.roles)
        return self._change(
            caller,
            case_id,
            actor,
            lambda r, c, a, now: {"visit": r.dispatch(engineer, planned_at, a, now, at)},
        )

    def arrive(self, caller: Caller, case_id: UUID, number: int, at: datetime, where: str) -> CommandResult:
        actor = authorise(Command.RECORD_REPAIR_VISIT, caller.user_id, caller.roles)

        def arrive(repair: Repair, case: Case, actor: Actor, now: datetime) -> dict[str, Any]:
            repair.arrive(number, at, where, actor, now)
            return {"visit": number}

        return self._change(caller, case_id, actor, arrive)

    def record_work(self, caller: Caller, case_id: UUID, number: int, work: WorkEntry) -> CommandResult:
        actor = authorise(Command.RECORD_REPAIR_VISIT, caller.user_id, caller.roles)

        def record(repair: Repair, case: Case, actor: Actor, now: datetime) -> dict[str, Any]:
            repair.record_work(
                number,
                work.started_at,
                work.finished_at,
                work.work_done,
                work.parts_used,
                work.result,
                actor,
                now,
            )
            return {"visit": number}

        return self._change(caller, case_id, actor, record)

    def sign_service_record(
        self, caller: Caller, case_id: UUID, number: int, entry: ServiceRecordEntry
    ) -> CommandResult:
        """Record the customer's signed service record; the document is a current attachment of the case,
        and its SHA-256 is taken from the case, never from the client."""
        actor = authorise(Command.RECORD_REPAIR_VISIT, caller.user_id, caller.roles)

        def sign(repair: Repair, case: Case, actor: Actor, now: datetime) -> dict[str, Any]:
            document = _current_attachment(case, entry.document_attachment_id, "document_attachment_id")
            signature = ServiceRecordSignature(
                entry.signer_name, entry.signed_at, document.id, document.file.sha256, entry.subject_id
            )
            self.ledger.hold_personal_data(case.id, entry.subject_id)
            repair.sign_service_record(number, signature, actor, now)
            return {"visit": number}

        return self._change(caller, case_id, actor, sign)

    def pause_clocks(self, caller: Caller, case_id: UUID, reason: str, at: datetime | None) -> CommandResult:
        """The running service clocks wait from `at` (default now), e.g. for the customer's site access."""
        actor = authorise(Command.PAUSE_SERVICE_CLOCKS, caller.user_id, caller.roles)

        def pause(repair: Repair, case: Case, actor: Actor, now: datetime) -> None:
            repair.pause_clocks(reason, now if at is None else at, actor, now)

        return self._change(caller, case_id, actor, pause)

    def resume_clocks(self, caller: Caller, case_id: UUID, at: datetime | None) -> CommandResult:
        actor = authorise(Command.PAUSE_SERVICE_CLOCKS, caller.user_id, caller.roles)

        def resume(repair: Repair, case: Case, actor: Actor, now: datetime) -> None:
            repair.resume_clocks(now if at is None else at, actor, now)

        return self._change(caller, case_id, actor, resume)

    # -- reading ----------------------------------------------------------------------------------

    def read(self, reader: Reader, case_id: UUID) -> RepairView:
        """The case's repair; the read is recorded under the case, also when no repair is open."""
        self._case(case_id)  # an unknown case is 404 before the gate: nothing was read
        self.read_access.open(reader, ReadKind.REPAIR, [case_id])
        repair = self.repair(case_id)
        unit = self.units.unit(repair.unit_id, "unit")
        return RepairView(repair, unit, self._proposal(unit, repair.id))

    def repair(self, case_id: UUID) -> Repair:
        found = self.ledger.find(repair_id(case_id))
        if not isinstance(found, Repair):
            self._case(case_id)
            raise RepairNotOpened(f"case {case_id} has no repair yet", "repair")
        return found

    # -- the parts --------------------------------------------------------------------------------

    def _proposal(self, unit: InstalledUnit, upto: UUID) -> ReplacementProposal:
        """The policy over the unit's repairs opened up to and including `upto`: a decided repair counts
        as decided, one not decided yet as the contract's terms covered it when it was reported."""
        repairs: list[tuple[str, datetime | None, bool]] = []
        for known, fault_code, covered in unit.repairs:
            earlier = self.ledger.find(known)
            if isinstance(earlier, Repair):
                decided = earlier.in_warranty
                repairs.append((fault_code, earlier.fixed_at, covered if decided is None else decided))
            else:  # the repair being opened: not saved yet
                repairs.append((fault_code, None, covered))
            if known == upto:
                break
        return proposes_replacement(self.policy, unit, repairs)

    def _change(self, caller: Caller, case_id: UUID, actor: Actor, decide: Decide) -> CommandResult:
        def checked(repair: Repair, now: datetime) -> dict[str, Any] | None:
            return decide(repair, self._equipment_case(case_id), actor, now)

        return self.ledger.run_command(caller, lambda: self.repair(case_id), checked, STEP)

    def _case(self, case_id: UUID) -> Case:
        return self.ledger.get_case(case_id, field="case_id")

    def _equipment_case(self, case_id: UUID) -> Case:
        """The case, refused unless it is an equipment fault that is neither closed nor withdrawn."""
        case = self._case(case_id)
        if case.case_type is not CaseType.EQUIPMENT_FAULT:
            raise CaseRuleViolation(
                f"a {case.case_type.value} case has no {STEP}; equipment-fault cases do", "case_id"
            )
        if case.status in FINISHED:
            raise CaseRuleViolation(f"case {case.number} is {case.status.value}: reopen it first", "case_id")
        return case


def _current_attachment(case: Case, attachment_id: UUID, field: str) -> Attachment:
    attachment = case.attachments.get(attachment_id)
    if attachment is None:
        raise AttachmentNotFound(f"case {case.number} has no attachment {attachment_id}", field)
    if not attachment.is_current:
        raise CaseRuleViolation(f"attachment {attachment_id} is superseded: name the current one", field)
    return attachment


def _answer(proposal: ReplacementProposal) -> dict[str, Any]:
    return {"proposed": proposal.proposed, "reason": proposal.reason, "fault_code": proposal.fault_code}

"""The case use cases: every command a client may send about a case."""

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper

from application.authorization import Command, authorise, proposal_command
from application.errors import CaseNotFound, IdempotencyKeyReused, VersionConflict
from application.personal_data import KeptSealed
from application.ports import (
    CaseNumberClaim,
    CaseNumbers,
    CaseNumberTaken,
    Clock,
    IdempotencyRecord,
    IdempotencyRecords,
    IdempotentRequest,
    PersonalDataSealer,
    SubjectKeys,
)
from application.transcodings import register_domain_transcodings
from domain.actor import Actor, Role
from domain.case import Case, CaseType, Channel, Contact, Customer, Outcome, ResolutionKind, Severity
from domain.evidence import EvidenceKind, StoredFile
from domain.money import Money
from domain.shipment import Contract, Shipment, shipment_id
from domain.specification import ObjectionKind

# The objections a contract's windows apply to, and which window.
OBJECTION_KINDS = {
    CaseType.QUALITY_OBJECTION: ObjectionKind.QUALITY,
    CaseType.QUANTITY_OBJECTION: ObjectionKind.QUANTITY,
}
# Registrations race only for the next case number; a handful of retries covers any realistic burst.
NUMBER_CLAIM_ATTEMPTS = 20
# Commands without If-Match that lose a race decide again on the newer case this many times at most.
UNCONDITIONAL_ATTEMPTS = 5


@dataclass(frozen=True)
class Caller:
    """Who sends the command, and what they promise about it."""

    user_id: str
    roles: frozenset[Role]
    expected_version: int | None = None
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class CommandResult:
    id: UUID
    number: str | None  # the case number; None for what has none (an access grant)
    version: int
    extra: dict[str, Any] = field(default_factory=dict)

    def as_response(self) -> dict[str, Any]:
        number = {"number": self.number} if self.number is not None else {}
        return {"id": str(self.id), **number, "version": self.version, **self.extra}

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> "CommandResult":
        known = {"id", "number", "version"}
        extra = {k: v for k, v in response.items() if k not in known}
        return cls(UUID(response["id"]), response.get("number"), response["version"], extra)


@dataclass(frozen=True)
class Registration:
    customer: Customer
    contact: Contact
    channel: Channel
    case_type: CaseType
    severity: Severity
    product: str
    shipment_refs: list[str]
    batch_refs: list[str]
    description: str
    occurred_at: datetime | None = None


def _replay(case: Any, events: Iterable[Any]) -> Any:
    # The library's default projector checks a runtime Protocol per event, most of a long replay's cost.
    for event in events:
        case = event.mutate(case)
    return case


# A command body: given the case, the acting user, when it happened and the time now, change the case
# (and maybe say more).
CaseChange = Callable[[Case, Actor, datetime, datetime], dict[str, Any] | None]


class CaseLedger(Application[UUID]):
    """Registers cases and runs every later command on them."""

    name = "Ledger"

    def __init__(
        self,
        env: dict[str, str],
        *,
        clock: Clock,
        case_numbers: CaseNumbers,
        idempotency_records: IdempotencyRecords,
        subject_keys: SubjectKeys,
        sealer: PersonalDataSealer,
    ) -> None:
        # Set before the library builds the transcoder, which seals personal data with them.
        self.subject_keys = subject_keys
        self.sealer = sealer
        super().__init__(env)
        self.clock = clock
        self.case_numbers = case_numbers
        self.idempotency_records = idempotency_records
        self._registering = threading.Lock()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        self._register_transcodings(transcoder, self.sealer)

    def _register_transcodings(self, transcoder: JSONTranscoder, sealer: PersonalDataSealer) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder, sealer)

    def mapper_keeping_personal_data_sealed(self) -> Mapper[UUID]:
        """A mapper that decodes events as this ledger's does, but opens no personal data (see
        `KeptSealed`): for the projections."""
        transcoder = JSONTranscoder()
        self._register_transcodings(transcoder, KeptSealed())
        return self.factory.mapper(transcoder=transcoder)

    # -- reading ----------------------------------------------------------------------------

    def get_case(self, case_id: UUID, version: int | None = None, field: str = "id") -> Case:
        """The case with this id; CaseNotFound naming `field` if there is none."""
        try:
            case = self.repository.get(case_id, version=version, projector_func=_replay)
        except AggregateNotFoundError:
            case = None
        # Cases, grants, contracts, shipments, inspections… share one store: another kind's id is no case's.
        if not isinstance(case, Case):
            raise CaseNotFound(f"no case with id {case_id}", field=field)
        return case

    def find(self, aggregate_id: UUID) -> object | None:
        """The aggregate of any kind with this id, or None."""
        try:
            found: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found

    def replay(self, case_id: UUID, recorded_by: datetime | None = None) -> Iterator[tuple[Any, Case]]:
        """Each event of the case in order, with the case right after it, as an auditor replays it.

        With `recorded_by`, only the events recorded by then. The case object is the same one,
        mutated event by event: read what you need from it before taking the next step.
        """
        case: Case | None = None
        events: Iterable[Any] = self.events.get(case_id)  # Case's own events, not the library's protocol
        for event in events:
            if recorded_by is not None and event.timestamp > recorded_by:
                return
            case = event.mutate(case)
            assert case is not None  # no event removes a case
            yield event, case

    # -- commands ---------------------------------------------------------------------------

    def register_case(self, caller: Caller, registration: Registration) -> CommandResult:
        actor = authorise(Command.REGISTER, caller.user_id, caller.roles)
        if replayed := self._replayed(caller):
            return replayed
        # Appends are serialised by the event table's lock anyway; taking turns inside the process
        # first means registrations of one process never race for a number, only those of replicas.
        with self._registering:
            return self._register(caller, registration, actor)

    def _register(self, caller: Caller, registration: Registration, actor: Actor) -> CommandResult:
        raised_at = registration.occurred_at or self.clock.now()
        late = self._closed_window(registration, raised_at)
        for _ in range(NUMBER_CLAIM_ATTEMPTS):
            now = self.clock.now()
            sequence = self.case_numbers.next_number(now.year)
            case = Case.register(
                number=f"AS-{now.year}-{sequence:06d}",
                customer=registration.customer,
                contact=registration.contact,
                channel=registration.channel,
                case_type=registration.case_type,
                severity=registration.severity,
                product=registration.product,
                shipment_refs=registration.shipment_refs,
                batch_refs=registration.batch_refs,
                description=registration.description,
                by=actor,
                at=registration.occurred_at or now,
                now=now,
            )
            self.hold_personal_data(case.id, registration.contact.subject_id)
            # Compliance finds whom to erase by this id; the answer never holds the personal data itself.
            extra: dict[str, Any] = {"contact_subject_id": str(registration.contact.subject_id)}
            if late is not None:
                shipment_ref, closed_at = late
                case.flag_late_objection(shipment_ref, closed_at, raised_at, actor, now)
                extra["late_objection"] = {
                    "shipment_ref": shipment_ref,
                    "window_closed_at": closed_at.isoformat(),
                }
            try:
                claim = CaseNumberClaim(now.year, sequence, case.id)
                return self._save(case, caller, claim=claim, extra=extra)
            except CaseNumberTaken:
                continue
        raise VersionConflict("could not allocate a case number; too many registrations at once, retry")

    def _closed_window(self, registration: Registration, raised_at: datetime) -> tuple[str, datetime] | None:
        """The first named shipment whose contract's objection window had closed when the customer
        objected, and when it closed. Shipments not recorded here, or not yet arrived, are not judged."""
        kind = OBJECTION_KINDS.get(registration.case_type)
        if kind is None:
            return None
        for reference in registration.shipment_refs:
            shipment = self.find(shipment_id(reference))
            if not isinstance(shipment, Shipment) or shipment.arrived_at is None:
                continue
            contract: Contract = self.repository.get(shipment.contract_id)
            closes_at = contract.objection_windows.closes_at(kind, shipment.arrived_at)
            if raised_at >= closes_at:
                return shipment.reference, closes_at
        return None

    def override_late_objection(
        self, caller: Caller, case_id: UUID, reason: str, at: datetime | None
    ) -> CommandResult:
        return self._change(
            caller,
            Command.OVERRIDE_LATE_OBJECTION,
            case_id,
            at,
            lambda c, a, t, n: c.override_late_objection(reason, a, t, n),
        )

    def acknowledge(self, caller: Caller, case_id: UUID, at: datetime | None) -> CommandResult:
        return self._change(
            caller, Command.ACKNOWLEDGE, case_id, at, lambda c, a, t, n: c.acknowledge(a, t, n)
        )

    def assign(
        self, caller: Caller, case_id: UUID, department: str, assignee: str, reason: str, at: datetime | None
    ) -> CommandResult:
        return self._change(
            caller,
            Command.ASSIGN,
            case_id,
            at,
            lambda c, a, t, n: c.assign(department, assignee, reason, a, t, n),
        )

    def add_note(self, caller: Caller, case_id: UUID, text: str, at: datetime | None) -> CommandResult:
        return self._change(
            caller, Command.ADD_NOTE, case_id, at, lambda c, a, t, n: c.add_note(text, a, t, n)
        )

    def propose_resolution(
        self,
        caller: Caller,
        case_id: UUID,
        kind: ResolutionKind,
        amount: Money | None,
        description: str,
        at: datetime | None,
    ) -> CommandResult:
        def propose(case: Case, actor: Actor, when: datetime, now: datetime) -> dict[str, Any]:
            return {"proposal": case.propose_resolution(kind, amount, description, actor, when, now)}

        return self._change(caller, proposal_command(kind, amount), case_id, at, propose)

    def accept_resolution(
        self, caller: Caller, case_id: UUID, proposal: int, at: datetime | None
    ) -> CommandResult:
        return self._change(
            caller,
            Command.RECORD_CUSTOMER_ANSWER,
            case_id,
            at,
            lambda c, a, t, n: c.accept_resolution(proposal, a, t, n),
        )

    def reject_resolution(
        self, caller: Caller, case_id: UUID, proposal: int, reason: str, at: datetime | None
    ) -> CommandResult:
        return self._change(
            caller,
            Command.RECORD_CUSTOMER_ANSWER,
            case_id,
            at,
            lambda c, a, t, n: c.reject_resolution(proposal, reason, a, t, n),
        )

    def mark_resolution_executed(
        self, caller: Caller, case_id: UUID, details: str, at: datetime | None
    ) -> CommandResult:
        return self._change(
            caller,
            Command.MARK_RESOLUTION_EXECUTED,
            case_id,
            at,
            lambda c, a, t, n: c.mark_resolution_executed(details, a, t, n),
        )

    def close_case(
        self, caller: Caller, case_id: UUID, outcome: Outcome, reason: str, at: datetime | None
    ) -> CommandResult:
        return self._change(
            caller, Command.CLOSE, case_id, at, lambda c, a, t, n: c.close(outcome, reason, a, t, n)
        )

    def reopen(self, caller: Caller, case_id: UUID, reason: str, at: datetime | None) -> CommandResult:
        return self._change(caller, Command.REOPEN, case_id, at, lambda c, a, t, n: c.reopen(reason, a, t, n))

    def withdraw(self, caller: Caller, case_id: UUID, reason: str, at: datetime | None) -> CommandResult:
        return self._change(
            caller, Command.WITHDRAW, case_id, at, lambda c, a, t, n: c.withdraw(reason, a, t, n)
        )

    def declare_satisfaction(
        self, caller: Caller, case_id: UUID, satisfied: bool, comment: str, at: datetime | None
    ) -> CommandResult:
        return self._change(
            caller,
            Command.DECLARE_SATISFACTION,
            case_id,
            at,
            lambda c, a, t, n: c.declare_satisfaction(satisfied, comment, a, t, n),
        )

    def attach_evidence(
        self,
        caller: Caller,
        case_id: UUID,
        file: StoredFile,
        kind: EvidenceKind,
        description: str,
        at: datetime | None,
    ) -> CommandResult:
        """Record evidence whose bytes are already in the blob store (see `application.evidence`)."""

        def attach(case: Case, actor: Actor, when: datetime, now: datetime) -> dict[str, Any]:
            attachment_id = case.attach_evidence(file, kind, description, actor, when, now)
            return {"attachment_id": str(attachment_id), "sha256": file.sha256, "size": file.size}

        return self._change(caller, Command.ATTACH_EVIDENCE, case_id, at, attach)

    def supersede_evidence(
        self,
        caller: Caller,
        case_id: UUID,
        attachment_id: UUID,
        superseded_by: UUID | None,
        reason: str,
        at: datetime | None,
    ) -> CommandResult:
        return self._change(
            caller,
            Command.SUPERSEDE_EVIDENCE,
            case_id,
            at,
            lambda c, a, t, n: c.supersede_evidence(attachment_id, superseded_by, reason, a, t, n),
        )

    def hold_personal_data(self, case_id: UUID, *subject_ids: UUID) -> None:
        """Before a command seals these data subjects' personal data into its events: make sure each
        has a key, and note that the case holds their data. SubjectErased if one of them was erased."""
        for subject_id in subject_ids:
            self.subject_keys.ensure(subject_id, case_id)

    # -- the one path every change takes ----------------------------------------------------

    def _change(
        self, caller: Caller, command: Command, case_id: UUID, at: datetime | None, change: CaseChange
    ) -> CommandResult:
        actor = authorise(command, caller.user_id, caller.roles)
        return self.run_command(
            caller, lambda: self.get_case(case_id), lambda case, now: change(case, actor, at or now, now)
        )

    def run_command(
        self,
        caller: Caller,
        load: Callable[[], Any],
        decide: Callable[[Any, datetime], dict[str, Any] | None],
        noun: str = "case",
        also: Callable[[], Sequence[Aggregate]] = tuple,
    ) -> CommandResult:
        """Load an aggregate, let `decide` change it at the time now, and save it, honouring the
        caller's If-Match and Idempotency-Key: the one path every change of any aggregate takes.

        `also` names other aggregates `decide` changed (e.g. the case a settlement's signature moves
        along): they are saved in the same transaction, so both change or neither."""
        if replayed := self._replayed(caller):
            return replayed
        # Without If-Match the client asks for the case as it is: losing a race to another command
        # only means deciding again on the newer state. With If-Match, losing it is the answer.
        attempts = 1 if caller.expected_version is not None else UNCONDITIONAL_ATTEMPTS
        for attempt in range(1, attempts + 1):
            aggregate = load()
            if caller.expected_version is not None and caller.expected_version != aggregate.version:
                raise VersionConflict(
                    f"the {noun} is at version {aggregate.version}, not {caller.expected_version}",
                    field="If-Match",
                )
            extra = decide(aggregate, self.clock.now()) or {}
            try:
                return self._save(aggregate, caller, extra=extra, also=also())
            except VersionConflict:
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable: the last attempt returns or raises")

    def create(
        self, caller: Caller, make: Callable[[datetime], Aggregate], extra: dict[str, Any] | None = None
    ) -> CommandResult:
        """Save a new aggregate that `make` builds at the time now; a retried request returns the first.
        `extra` is added to the answer (and to the answer a retry gets)."""
        if replayed := self._replayed(caller):
            return replayed
        return self._save(make(self.clock.now()), caller, extra=extra)

    def _save(
        self,
        aggregate: Aggregate,
        caller: Caller,
        claim: CaseNumberClaim | None = None,
        extra: dict[str, Any] | None = None,
        also: Sequence[Aggregate] = (),
    ) -> CommandResult:
        number = getattr(aggregate, "number", None)  # cases have one, access grants none
        result = CommandResult(aggregate.id, number, aggregate.version, extra or {})
        record = None
        if caller.idempotency is not None:
            request = caller.idempotency
            record = IdempotencyRecord(request.key, request.request_hash, result.as_response())
        try:
            self.save(aggregate, *also, idempotency=record, case_number=claim)
        except IntegrityError:
            # Either a retry of this very request committed first, or another command on the aggregate did.
            if replayed := self._replayed(caller):
                return replayed
            raise VersionConflict("another command changed it at the same time; reload and retry") from None
        return result

    def recorded_answer(self, caller: Caller) -> CommandResult | None:
        """The first answer to this caller's Idempotency-Key, if that request was already carried out."""
        return self._replayed(caller)

    def _replayed(self, caller: Caller) -> CommandResult | None:
        request = caller.idempotency
        if request is None:
            return None
        recorded = self.idempotency_records.find(request.key)
        if recorded is None:
            return None
        if recorded.request_hash != request.request_hash:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used with a different request", field="Idempotency-Key"
            )
        return CommandResult.from_response(recorded.response)

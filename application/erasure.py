"""Erasure use cases: compliance requests the erasure of a data subject's personal data, a manager other
than the requester approves it, compliance carries it out by destroying the subject's key.

A subject's erasure is a stream of its own (`Erasure`, its id derived from the subject id), created with
`CaseLedger.create` and changed with `run_command`, so If-Match and Idempotency-Key work as for cases.

Nothing of a case under legal hold may be erased: every step first loads each case that holds the
subject's data (`SubjectKeys.cases_of`) and refuses, naming the held cases, if any is under hold.

Carrying it out records `KeyDestroyed` first and destroys the key after. A failure in between leaves an
event whose key still exists, never a destroyed key without its event; running the erasure again finds
the event and destroys the key (destroying is idempotent), so no acknowledged erasure is lost.

Every process forgets what it decoded of an erased subject: the one that erases at once, the others
through `ErasureWatch`, which follows the event store for `KeyDestroyed`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import Cache, LRUCache
from eventsourcing.utils import get_topic

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import DataSubjectNotFound, ErasureNotRequested, SubjectUnderLegalHold
from application.ledger import Caller, CaseLedger, CommandResult
from application.ports import SubjectKeys
from application.watch import Watch
from domain.case import Case
from domain.erasure import Erasure, ErasureRuleViolation, erasure_id

log = structlog.get_logger(__name__)

# How often a process looks for erasures that other processes carried out.
WATCH_SECONDS = 5.0
# The class the `@event("KeyDestroyed")` decorator makes, named as the event store names it.
KEY_DESTROYED_TOPIC = f"{get_topic(Erasure)}.KeyDestroyed"

# A change of an erasure: given it and the time now, change it and say what to add to the answer.
ErasureChange = Callable[[Erasure, datetime], dict[str, Any]]


@dataclass(frozen=True)
class ErasureStanding:
    """Where a subject's erasure stands, and the cases that hold the subject's data."""

    erasure: Erasure
    case_numbers: list[str]
    held_case_numbers: list[str]


class Erasures:
    def __init__(self, ledger: CaseLedger, subject_keys: SubjectKeys, read_access: ReadAccess) -> None:
        self.ledger = ledger
        self.subject_keys = subject_keys
        self.read_access = read_access

    # -- commands ---------------------------------------------------------------------------------

    def request(self, caller: Caller, subject_id: UUID, reason: str) -> CommandResult:
        """Compliance asks for the erasure; a manager must approve it before it can be carried out."""
        actor = authorise(Command.REQUEST_ERASURE, caller.user_id, caller.roles)
        if replayed := self.ledger.recorded_answer(caller):
            return replayed
        cases = self._cases(subject_id)
        if not cases:
            raise DataSubjectNotFound(
                f"no case holds personal data of data subject {subject_id}", "subject_id"
            )
        _refuse_under_legal_hold(cases)
        existing = self.ledger.find(erasure_id(subject_id))
        if isinstance(existing, Erasure):
            raise ErasureRuleViolation(
                f"the erasure of this data subject was requested already; it is {existing.status.value}",
                "subject_id",
            )

        def make(now: datetime) -> Erasure:
            return Erasure.request(subject_id=subject_id, reason=reason, by=actor, now=now)

        result = self.ledger.create(caller, make, extra={"status": "requested"})
        log.info("erasure.requested", subject_id=str(subject_id), erasure_id=str(result.id))
        return result

    def approve(self, caller: Caller, subject_id: UUID) -> CommandResult:
        """A manager other than the requester lets the erasure go ahead."""
        actor = authorise(Command.APPROVE_ERASURE, caller.user_id, caller.roles)

        def approve(erasure: Erasure, now: datetime) -> dict[str, Any]:
            _refuse_under_legal_hold(self._cases(subject_id))
            erasure.approve(actor, now)
            return {"status": erasure.status.value}

        result = self._change(caller, subject_id, approve)
        log.info("erasure.approved", subject_id=str(subject_id), erasure_id=str(result.id))
        return result

    def erase(self, caller: Caller, subject_id: UUID) -> CommandResult:
        """Record `KeyDestroyed`, then destroy the subject's key; again, only destroy what is left."""
        actor = authorise(Command.ERASE_SUBJECT, caller.user_id, caller.roles)
        erasure = self._erasure(subject_id)
        if erasure.is_erased:
            # Recorded before, maybe without the key destroyed (a failure in between): finish the job.
            result = CommandResult(erasure.id, None, erasure.version, {"status": erasure.status.value})
        else:

            def record(erasure: Erasure, now: datetime) -> dict[str, Any]:
                _refuse_under_legal_hold(self._cases(subject_id))
                erasure.record_key_destroyed(actor, now)
                return {"status": erasure.status.value}

            result = self._change(caller, subject_id, record)
        # Only after the event is stored: a key is never destroyed without the event that says so.
        destroyed_now = self.subject_keys.destroy(subject_id)
        _forget_decoded_aggregates(self.ledger)
        log.info(
            "erasure.key_destroyed",
            subject_id=str(subject_id),
            erasure_id=str(result.id),
            destroyed_now=destroyed_now,
        )
        return result

    # -- reading ----------------------------------------------------------------------------------

    def standing(self, reader: Reader, subject_id: UUID) -> ErasureStanding:
        """Where the subject's erasure stands; the read is recorded in the access log (naming no case)."""
        self.read_access.open(reader, ReadKind.ERASURE, [])
        erasure = self._erasure(subject_id)
        cases = self._cases(subject_id)
        return ErasureStanding(
            erasure=erasure,
            case_numbers=sorted(case.number for case in cases),
            held_case_numbers=sorted(case.number for case in cases if case.legal_hold),
        )

    # -- the parts --------------------------------------------------------------------------------

    def _change(self, caller: Caller, subject_id: UUID, decide: ErasureChange) -> CommandResult:
        return self.ledger.run_command(caller, lambda: self._erasure(subject_id), decide, "erasure")

    def _erasure(self, subject_id: UUID) -> Erasure:
        found = self.ledger.find(erasure_id(subject_id))
        if not isinstance(found, Erasure):
            raise ErasureNotRequested(
                f"nobody requested the erasure of data subject {subject_id}", "subject_id"
            )
        return found

    def _cases(self, subject_id: UUID) -> list[Case]:
        """The cases that hold the subject's sealed data, as the event store has them now."""
        found = (self.ledger.find(case_id) for case_id in self.subject_keys.cases_of(subject_id))
        return [case for case in found if isinstance(case, Case)]


def _refuse_under_legal_hold(cases: list[Case]) -> None:
    held = sorted(case.number for case in cases if case.legal_hold)
    if held:
        raise SubjectUnderLegalHold(held)


def _forget_decoded_aggregates(ledger: CaseLedger) -> None:
    """Drop this process's cache of recently used aggregates: they hold personal data decoded while the
    key existed, and would go on reading it in clear. Erasures are rare; the cache refills by replay.

    Other processes do the same when their `ErasureWatch` sees the erasure."""
    repository = ledger.repository
    if isinstance(repository.cache, LRUCache):
        repository.cache = LRUCache(maxsize=repository.cache.maxsize)
    elif repository.cache is not None:
        repository.cache = Cache()


class ErasureWatch(Watch):
    """Makes this process forget what it holds of a subject that another process erased (e.g. the CLI
    while the server runs): it follows the event store for `KeyDestroyed`, drops its cached copy of the
    subject's key (`destroy` is idempotent; it also finishes an erasure whose process failed after the
    event) and then its cached aggregates. Runs in a background thread every `every_seconds`."""

    name = "erasure"

    def __init__(
        self, ledger: CaseLedger, subject_keys: SubjectKeys, every_seconds: float = WATCH_SECONDS
    ) -> None:
        super().__init__(every_seconds)
        self.ledger = ledger
        self.subject_keys = subject_keys
        # Erasures before this process started: it holds nothing decoded from before.
        self._seen = ledger.recorder.max_notification_id() or 0

    def run_once(self) -> int:
        """Forget the subjects erased since the last round; returns how many there were."""
        head = self.ledger.recorder.max_notification_id() or 0
        if head <= self._seen:
            return 0
        found = self.ledger.recorder.select_notifications(
            self._seen,
            limit=head - self._seen,
            stop=head,
            topics=[KEY_DESTROYED_TOPIC],
            inclusive_of_start=False,
        )
        for notification in found:
            erasure = self.ledger.find(UUID(str(notification.originator_id)))
            if isinstance(erasure, Erasure):
                self.subject_keys.destroy(erasure.subject_id)
        if found:
            _forget_decoded_aggregates(self.ledger)
            log.info("erasure.seen_elsewhere", erasures=len(found))
        self._seen = head
        return len(found)

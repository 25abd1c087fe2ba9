"""Corrective and preventive actions (纠正预防措施): what is done about a root cause found in a case.

A `CorrectiveAction` is raised from one case and one root cause, owned by one person, due by a date. Its
owner (or a manager for them) completes it; someone else verifies whether it worked. An action that did
not work reopens for its owner: the same action, with the failed verification in its history, rather
than a new one that hides how often a fix had to be redone.

Public methods are commands that check the rule; private `@event` methods only record. Every event
carries the actor and `occurred_at`, the recording time.
"""

from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import DomainError, InvalidValue, require_text
from domain.liability import RootCause

# The same allowance the case gives fast clocks: "due now" typed on a laptop a little behind is not past.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)


class CorrectiveActionRuleViolation(DomainError):
    """A command is not allowed in the corrective action's current state."""


class ActionKind(Enum):
    # Removes the cause of the nonconformity that happened (纠正措施).
    CORRECTIVE = "corrective"
    # Keeps it from happening elsewhere (预防措施), e.g. the same fix on another line.
    PREVENTIVE = "preventive"


class ActionStatus(Enum):
    OPEN = "open"
    # Done by its owner, awaiting the verification of its effectiveness.
    COMPLETED = "completed"
    EFFECTIVE = "effective"
    CANCELLED = "cancelled"


class CorrectiveAction(Aggregate):
    """One corrective or preventive action against a case's root cause."""

    @classmethod
    def raise_action(
        cls,
        *,
        case_id: UUID,
        root_cause: RootCause,
        kind: ActionKind,
        description: str,
        owner: str,
        due: datetime,
        by: Actor,
        now: datetime,
    ) -> "CorrectiveAction":
        require_text(description, "description", "say what is to be done")
        require_text(owner, "owner", "name the owner, a user id")
        _require_due(due, now)
        return cls(
            case_id=case_id,
            root_cause=root_cause,
            kind=kind,
            description=description,
            owner=owner,
            due=due,
            actor=by,
            occurred_at=now,
        )

    @event("ActionRaised")
    def __init__(
        self,
        case_id: UUID,
        root_cause: RootCause,
        kind: ActionKind,
        description: str,
        owner: str,
        due: datetime,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.case_id = case_id
        self.root_cause = root_cause
        self.kind = kind
        self.description = description
        self.owner = owner
        self.due = due
        self.raised_by = actor
        self.raised_at = occurred_at
        self.status = ActionStatus.OPEN
        self.completed_by: Actor | None = None
        self.completed_at: datetime | None = None
        self.what_was_done: str | None = None
        self.verified_by: Actor | None = None
        self.verified_at: datetime | None = None
        self.verifications = 0
        self.cancelled_at: datetime | None = None

    # -- commands ---------------------------------------------------------------------------------

    def reassign(self, owner: str, reason: str, by: Actor, now: datetime) -> None:
        self._require_open("reassigned")
        require_text(owner, "owner", "name the new owner, a user id")
        if owner == self.owner:
            raise InvalidValue(f"{owner} owns the action already", "owner")
        require_text(reason, "reason", "say why the action changes hands")
        self._reassigned(owner=owner, reason=reason, actor=by, occurred_at=now)

    def change_due_date(self, due: datetime, reason: str, by: Actor, now: datetime) -> None:
        self._require_open("rescheduled")
        _require_due(due, now)
        if due == self.due:
            raise InvalidValue("the action is due then already", "due")
        require_text(reason, "reason", "say why the due date moves")
        self._due_date_changed(due=due, reason=reason, actor=by, occurred_at=now)

    def complete(self, what_was_done: str, by: Actor, now: datetime) -> None:
        """The owner (or a manager for them; the application decides who may) reports the action done."""
        self._require_open("completed")
        require_text(what_was_done, "what_was_done", "say what was done")
        self._completed(what_was_done=what_was_done, actor=by, occurred_at=now)

    def verify_effectiveness(self, effective: bool, evidence: str, by: Actor, now: datetime) -> None:
        """Whether the completed action removed the cause. Not effective: it reopens for its owner."""
        if self.status is not ActionStatus.COMPLETED:
            raise CorrectiveActionRuleViolation(
                f"the action is {self.status.value}: only a completed action is verified", "status"
            )
        assert self.completed_by is not None  # a completed action names who completed it
        if by.user_id == self.completed_by.user_id:
            # Four eyes by user, not by role: who did the work does not judge it, whatever role they hold.
            raise CorrectiveActionRuleViolation(
                "who completed the action does not verify its effectiveness", "verified_by"
            )
        require_text(evidence, "evidence", "say what shows it (e.g. the next shipments' results)")
        self._effectiveness_verified(effective=effective, evidence=evidence, actor=by, occurred_at=now)

    def cancel(self, reason: str, by: Actor, now: datetime) -> None:
        if self.status not in (ActionStatus.OPEN, ActionStatus.COMPLETED):
            raise CorrectiveActionRuleViolation(f"the action is {self.status.value} already", "status")
        require_text(reason, "reason", "say why the action is cancelled")
        self._cancelled(reason=reason, actor=by, occurred_at=now)

    # -- reading ----------------------------------------------------------------------------------

    def is_overdue(self, at: datetime) -> bool:
        """Still open after its due date. A completed action waits on its verifier, not on its owner."""
        return self.status is ActionStatus.OPEN and at > self.due

    def _require_open(self, done: str) -> None:
        if self.status is not ActionStatus.OPEN:
            raise CorrectiveActionRuleViolation(
                f"the action is {self.status.value}: only an open action is {done}", "status"
            )

    # -- events: they record, they never refuse ---------------------------------------------------

    @event("ActionReassigned")
    def _reassigned(self, owner: str, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.owner = owner

    @event("ActionDueDateChanged")
    def _due_date_changed(self, due: datetime, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.due = due

    @event("ActionCompleted")
    def _completed(self, what_was_done: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = ActionStatus.COMPLETED
        self.completed_by = actor
        self.completed_at = occurred_at
        self.what_was_done = what_was_done

    @event("EffectivenessVerified")
    def _effectiveness_verified(
        self, effective: bool, evidence: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.verifications += 1
        self.verified_by = actor
        self.verified_at = occurred_at
        if effective:
            self.status = ActionStatus.EFFECTIVE
        else:
            # Reopened: the completion did not hold, so the owner completes it again.
            self.status = ActionStatus.OPEN
            self.completed_by = None
            self.completed_at = None
            self.what_was_done = None

    @event("ActionCancelled")
    def _cancelled(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = ActionStatus.CANCELLED
        self.cancelled_at = occurred_at


def _require_due(due: datetime, now: datetime) -> None:
    if due.tzinfo is None:
        raise InvalidValue("due must carry a time zone", "due")
    if due < now - CLOCK_SKEW_ALLOWANCE:
        raise InvalidValue("due lies in the past", "due")

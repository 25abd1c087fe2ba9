"""The follow-up of a closed case (回访): contact attempts, the outcome, and the customer's satisfaction.

Every closed case gets one follow-up, one stream per case, its id derived from the case id. The stream
opens (`Opened`) with why the case is followed up: a warranty case (an equipment fault: DOMAIN asks for
100 % of them), a new customer's case (their first case: followed until their usage is normal), or any
other closed case (the issue asks for every closed case).

Agents record contact attempts (`ContactAttempted`: the channel, reached or not) and a satisfaction
rating (`SatisfactionRated`: 1 to 5 and a comment); the customer may give the rating themselves through a
single-use link, whose id the event names so that one link never rates twice. The outcome
(`OutcomeRecorded`) finishes the follow-up, except for a new customer whose usage is not normal yet:
then the next round is due `NEXT_ROUND_AFTER` later, and the follow-up stays open until an outcome
says usage is normal.

Public methods are commands that check the rule; private `@event` methods only record.
"""

from datetime import datetime, timedelta
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.case_values import CaseType
from domain.errors import DomainError, InvalidValue, require_text

FOLLOW_UP_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/follow-ups")
# A new customer whose usage is not normal yet is called again a month later.
NEXT_ROUND_AFTER = timedelta(days=30)
LOWEST_RATING, HIGHEST_RATING = 1, 5


def follow_up_id(case_id: UUID) -> UUID:
    """The id of the stream that holds the follow-up of case `case_id`."""
    return uuid5(FOLLOW_UP_NAMESPACE, str(case_id))


class FollowUpRuleViolation(DomainError):
    """A command is not allowed in the follow-up's current state."""


class FollowUpReason(Enum):
    """Why a closed case is followed up; every closed case is, this says which rule asked first."""

    WARRANTY = "warranty"
    NEW_CUSTOMER = "new_customer"
    CLOSED_CASE = "closed_case"


class ContactChannel(Enum):
    PHONE = "phone"
    VISIT = "visit"
    EMAIL = "email"
    MESSAGE = "message"


class FollowUpStatus(Enum):
    OPEN = "open"
    DONE = "done"


def follow_up_reason(case_type: CaseType, is_new_customer: bool) -> FollowUpReason:
    """Why a closed case of `case_type` is followed up; warranty first, as it holds whoever the customer."""
    if case_type is CaseType.EQUIPMENT_FAULT:
        return FollowUpReason.WARRANTY
    if is_new_customer:
        return FollowUpReason.NEW_CUSTOMER
    return FollowUpReason.CLOSED_CASE


def check_rating(rating: int) -> None:
    if not LOWEST_RATING <= rating <= HIGHEST_RATING:
        raise InvalidValue(f"rating is {LOWEST_RATING} to {HIGHEST_RATING}", "rating")


class FollowUp(Aggregate):
    """The follow-up of one closed case."""

    @classmethod
    def open(cls, *, case_id: UUID, reason: FollowUpReason, by: Actor, now: datetime) -> "FollowUp":
        return cls(case_id=case_id, reason=reason, actor=by, occurred_at=now)

    @staticmethod
    def create_id(case_id: UUID) -> UUID:  # type: ignore[override]
        return follow_up_id(case_id)

    @event("Opened")
    def __init__(self, case_id: UUID, reason: FollowUpReason, actor: Actor, occurred_at: datetime) -> None:
        self.case_id = case_id
        self.reason = reason
        self.opened_at = occurred_at
        self.status = FollowUpStatus.OPEN
        self.round = 1
        self.attempts = 0
        self.is_reached = False
        self.rating: int | None = None
        self.comment: str | None = None
        self.rated_by: Actor | None = None
        self.used_links: set[UUID] = set()
        self.outcome: str | None = None
        self.is_usage_normal: bool | None = None
        self.next_due: datetime | None = None
        self.done_at: datetime | None = None

    # -- commands ---------------------------------------------------------------------------------

    def attempt_contact(
        self, channel: ContactChannel, reached: bool, note: str, by: Actor, now: datetime
    ) -> None:
        self._require_open("contacted")
        self._contact_attempted(channel=channel, reached=reached, note=note, actor=by, occurred_at=now)

    def rate(self, rating: int, comment: str, by: Actor, now: datetime, link_id: UUID | None = None) -> None:
        """The customer's satisfaction, as an agent heard it or as the customer gave it through a link.

        A rating given after the follow-up was done is still recorded: the customer's word is not lost
        because the agent finished first. A link rates once."""
        check_rating(rating)
        if link_id is not None and link_id in self.used_links:
            raise FollowUpRuleViolation("this feedback link was used already", "token")
        self._satisfaction_rated(rating=rating, comment=comment, link_id=link_id, actor=by, occurred_at=now)

    def record_outcome(self, outcome: str, usage_normal: bool | None, by: Actor, now: datetime) -> None:
        """What the follow-up found. A new customer's usage not normal yet: the next round is due later."""
        self._require_open("given an outcome")
        require_text(outcome, "outcome", "say what the follow-up found")
        if not self.is_reached and self.rating is None:
            raise FollowUpRuleViolation(
                "nobody was reached and no rating was given: record a contact that reached the customer",
                "outcome",
            )
        if self.reason is FollowUpReason.NEW_CUSTOMER and usage_normal is None:
            raise InvalidValue(
                "a new customer is followed until usage is normal: say whether it is", "usage_normal"
            )
        next_due = now + NEXT_ROUND_AFTER if usage_normal is False else None
        self._outcome_recorded(
            outcome=outcome, usage_normal=usage_normal, next_due=next_due, actor=by, occurred_at=now
        )

    def _require_open(self, done: str) -> None:
        if self.status is not FollowUpStatus.OPEN:
            raise FollowUpRuleViolation(
                f"the follow-up is {self.status.value}: it is no longer {done}", "status"
            )

    # -- events: they record, they never refuse ---------------------------------------------------

    @event("ContactAttempted")
    def _contact_attempted(
        self, channel: ContactChannel, reached: bool, note: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.attempts += 1
        self.is_reached = self.is_reached or reached

    @event("SatisfactionRated")
    def _satisfaction_rated(
        self, rating: int, comment: str, link_id: UUID | None, actor: Actor, occurred_at: datetime
    ) -> None:
        self.rating = rating
        self.comment = comment
        self.rated_by = actor
        if link_id is not None:
            self.used_links.add(link_id)

    @event("OutcomeRecorded")
    def _outcome_recorded(
        self,
        outcome: str,
        usage_normal: bool | None,
        next_due: datetime | None,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.outcome = outcome
        self.is_usage_normal = usage_normal
        self.next_due = next_due
        if next_due is None:
            self.status = FollowUpStatus.DONE
            self.done_at = occurred_at
        else:
            # The next round starts afresh: whom it reaches, and what the customer says then.
            self.round += 1
            self.is_reached = False

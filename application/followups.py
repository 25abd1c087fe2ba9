"""Follow-up use cases: record a contact attempt, the customer's rating and the outcome of a closed case's
follow-up; send the customer a single-use link to rate the service without a login; read a follow-up.

A closed case needs no command to be due: the read model lists every closed case whose follow-up is not
done (projections/followups.py). The follow-up's stream is created by the first thing recorded about it,
with `CaseLedger.create`, and changed afterwards with `run_command`, so If-Match and Idempotency-Key work
as for cases.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import FeedbackLinkNotFound, FeedbackLinkSpent, FollowUpNotStarted, VersionConflict
from application.ledger import Caller, CaseLedger, CommandResult
from domain.actor import Actor, Role
from domain.case import Case, Status
from domain.errors import CaseRuleViolation
from domain.followup import ContactChannel, FollowUp, check_rating, follow_up_id, follow_up_reason

# Long enough for a customer back from a fortnight's leave; a link is a key, so not much longer.
LINK_VALID_FOR = timedelta(days=14)
# The customer has no user and no role: a rating through a link is recorded as theirs, by customer id, in
# the role of someone outside the department (the closest there is; the id's prefix says who it was).
CUSTOMER_ROLE = Role.STAFF
CUSTOMER_PREFIX = "customer:"

# A command body: given the follow-up and the time now, change it.
FollowUpChange = Callable[[FollowUp, datetime], None]


@dataclass(frozen=True)
class FeedbackLink:
    id: UUID
    case_id: UUID
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class IssuedLink:
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class FeedbackSubject:
    """What the customer sees behind a link: which case, nothing personal."""

    case_number: str
    product: str


class FeedbackLinks(Protocol):
    def issue(self, case_id: UUID, issued_by: str, now: datetime, expires_at: datetime) -> str: ...

    def find(self, token: str) -> FeedbackLink | None: ...

    def redeem(self, token: str, now: datetime) -> AbstractContextManager[FeedbackLink | None]: ...


class CustomerHistory(Protocol):
    def is_new_customer(self, case: Case) -> bool:
        """No earlier case of the case's customer is known: the customer is new."""
        ...


def customer_actor(case: Case) -> Actor:
    return Actor(user_id=f"{CUSTOMER_PREFIX}{case.customer.id}", role=CUSTOMER_ROLE)


class FollowUps:
    def __init__(
        self, ledger: CaseLedger, read_access: ReadAccess, links: FeedbackLinks, history: CustomerHistory
    ) -> None:
        self.ledger = ledger
        self.read_access = read_access
        self.links = links
        self.history = history

    # -- commands by agents -----------------------------------------------------------------------

    def record_contact(
        self, caller: Caller, case_id: UUID, channel: ContactChannel, reached: bool, note: str
    ) -> CommandResult:
        actor = authorise(Command.RECORD_FOLLOW_UP, caller.user_id, caller.roles)
        return self._record(
            caller, case_id, actor, lambda f, now: f.attempt_contact(channel, reached, note, actor, now)
        )

    def rate(self, caller: Caller, case_id: UUID, rating: int, comment: str) -> CommandResult:
        actor = authorise(Command.RECORD_FOLLOW_UP, caller.user_id, caller.roles)
        return self._record(caller, case_id, actor, lambda f, now: f.rate(rating, comment, actor, now))

    def record_outcome(
        self, caller: Caller, case_id: UUID, outcome: str, usage_normal: bool | None
    ) -> CommandResult:
        actor = authorise(Command.RECORD_FOLLOW_UP, caller.user_id, caller.roles)
        return self._record(
            caller, case_id, actor, lambda f, now: f.record_outcome(outcome, usage_normal, actor, now)
        )

    def issue_link(self, caller: Caller, case_id: UUID) -> IssuedLink:
        actor = authorise(Command.ISSUE_FEEDBACK_LINK, caller.user_id, caller.roles)
        self._closed_case(case_id)
        now = self.ledger.clock.now()
        expires_at = now + LINK_VALID_FOR
        return IssuedLink(self.links.issue(case_id, actor.user_id, now, expires_at), expires_at)

    # -- the customer, through a link -------------------------------------------------------------

    def link_subject(self, token: str) -> FeedbackSubject:
        link = self._usable(token)
        case = self.ledger.get_case(link.case_id)
        return FeedbackSubject(case.number, case.product)

    def rate_through_link(self, token: str, rating: int, comment: str) -> CommandResult:
        """The customer's rating; the link is burnt in the same breath, and only if the rating is saved."""
        check_rating(rating)
        self._usable(token)
        with self.links.redeem(token, self.ledger.clock.now()) as link:
            if link is None:  # another request burnt it since
                raise FeedbackLinkSpent("this feedback link was used already", field="token")
            case = self.ledger.get_case(link.case_id)
            actor = customer_actor(case)
            caller = Caller(actor.user_id, frozenset())
            return self._record(
                caller, case.id, actor, lambda f, now: f.rate(rating, comment, actor, now, link_id=link.id)
            )

    # -- reading ----------------------------------------------------------------------------------

    def read(self, reader: Reader, case_id: UUID) -> FollowUp:
        """The case's follow-up as the event store has it; the read is recorded under the case."""
        self.read_access.open(reader, ReadKind.FOLLOW_UP, [case_id])
        found = self.ledger.find(follow_up_id(case_id))
        if not isinstance(found, FollowUp):
            raise FollowUpNotStarted(f"nothing was recorded yet about the follow-up of case {case_id}")
        return found

    # -- the parts ----------------------------------------------------------------------------------

    def _record(self, caller: Caller, case_id: UUID, actor: Actor, decide: FollowUpChange) -> CommandResult:
        """Change the case's follow-up; the first thing recorded opens it, in the same save."""
        if not isinstance(self.ledger.find(follow_up_id(case_id)), FollowUp):
            case = self._closed_case(case_id)
            reason = follow_up_reason(case.case_type, self.history.is_new_customer(case))

            def make(now: datetime) -> FollowUp:
                follow_up = FollowUp.open(case_id=case.id, reason=reason, by=actor, now=now)
                decide(follow_up, now)
                return follow_up

            try:
                return self.ledger.create(caller, make)
            except VersionConflict:
                if caller.expected_version is not None:
                    raise
                # Someone opened it a moment ago: record on the follow-up they opened.
        return self.ledger.run_command(
            caller, lambda: self.ledger.repository.get(follow_up_id(case_id)), decide, "follow-up"
        )

    def _closed_case(self, case_id: UUID) -> Case:
        case = self.ledger.get_case(case_id, field="case_id")
        if case.status is not Status.CLOSED:
            raise CaseRuleViolation(
                f"the case is {case.status.value}: only a closed case is followed up", "case_id"
            )
        return case

    def _usable(self, token: str) -> FeedbackLink:
        link = self.links.find(token)
        if link is None:
            raise FeedbackLinkNotFound("no feedback link with this token", field="token")
        if link.used_at is not None:
            raise FeedbackLinkSpent("this feedback link was used already", field="token")
        if link.expires_at <= self.ledger.clock.now():
            raise FeedbackLinkSpent("this feedback link has expired", field="token")
        return link

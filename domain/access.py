"""Who may read a case from outside the after-sales department, and the record of every read.

An `AccessGrant` lets one person read one case for a stated purpose within a bounded period, once a
manager other than the requester has approved it. An `AccessRecord` is one read through the API,
allowed or refused: one aggregate per read, so that concurrent reads never contend for one stream.
"""

from datetime import datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import DomainError, InvalidValue, require_text

# Long enough for an audit or a warranty dispute; anything longer is standing access, which is a role.
MAX_GRANT_PERIOD = timedelta(days=90)
# A grant may be asked for ahead of the work it serves, but not for a future nobody can plan.
MAX_START_AHEAD = timedelta(days=30)
# The same allowance the case gives fast clocks: "from now" typed on a laptop a little behind is still now.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)


class GrantRuleViolation(DomainError):
    """A grant command is not allowed in the grant's current state."""


class ReadKind(Enum):
    """What a reader opened."""

    CASE = "case"
    CASE_AS_OF = "case_as_of"
    CASE_HISTORY = "case_history"
    CASE_LIST = "case_list"
    # Evidence files of a case; the attachments API reads through the same gate.
    ATTACHMENT = "attachment"
    # A sampling and testing round of a case (its results, comparison and basis): part of the case file.
    INSPECTION = "inspection"
    # A case's liability determination (proposals, the approved one, each party's part): the case file too.
    LIABILITY = "liability"
    # A case's settlement (offers, the signed agreement, its execution): the case file too.
    SETTLEMENT = "settlement"
    # A list of objections (case, customer, product, shipment, root cause, liability and settlement status).
    OBJECTION_LIST = "objection_list"
    # A case's step deadlines (when each step was due and done): derived from the case file.
    DEADLINES = "deadlines"
    # A corrective or preventive action raised from a case (its root cause, owner, what was done): case file.
    CORRECTIVE_ACTION = "corrective_action"
    # A return or exchange of goods applied for from a case (its steps, the refund or exchange): case file.
    RETURN = "return"
    # Root causes counted over cases by product and period: figures, no case named.
    ROOT_CAUSE_PARETO = "root_cause_pareto"
    # A contract's terms and a shipment's papers: no case file, so a read of them names no case.
    CONTRACT = "contract"
    SHIPMENT = "shipment"
    # An installed unit (its warranty terms, inspection schedule, repairs): no case file, names no case.
    INSTALLED_UNIT = "installed_unit"
    # The repair of an equipment-fault case (warranty decision, quotes, visits): the case file.
    REPAIR = "repair"
    # A contract's service policy (the commitments it promises): no case file, names no case.
    SERVICE_POLICY = "service_policy"
    # The service clocks of an equipment-fault case (respond, on site, fix, signed record): the case file.
    SERVICE_CLOCKS = "service_clocks"
    # The at-risk and breached clocks escalated to the manager, across cases.
    SERVICE_CLOCK_ALERTS = "service_clock_alerts"
    # A list of installed units (serial, model, customer, site, region, the inspection due): no case named.
    UNIT_LIST = "unit_list"
    # A list of returns (case, customer, product, reason, eligibility, status): names cases nobody granted.
    RETURN_LIST = "return_list"
    # A customer's user file (用户使用档案卡): their units, shipments, cases, visits, returns, follow-ups.
    USER_FILE = "user_file"
    # A closed case's follow-up (contacts, outcome, the customer's rating): the case file.
    FOLLOW_UP = "follow_up"
    # The closed cases whose follow-up is not done yet (case, customer id, product, why, when due).
    FOLLOW_UPS_DUE = "follow_ups_due"
    # The supervision's review of a service complaint (findings, who is held accountable, the apology).
    COMPLAINT_REVIEW = "complaint_review"
    # Every service complaint with its review's outcome or its age: the supervision's report.
    COMPLAINT_REPORT = "complaint_report"
    # The KPIs of a period (rates and counts by product, region, department, root cause or month): figures
    # for management, no case and no customer named.
    KPI = "kpi"
    # Where the erasure of a data subject's personal data stands (requested, approved, carried out).
    ERASURE = "erasure"
    ACCESS_LOG = "access_log"
    ACCESS_GRANTS = "access_grants"
    # The tamper evidence: signed checkpoints (no case data), and proofs (which carry raw events).
    CHECKPOINTS = "checkpoints"
    PROOFS = "proofs"


class GrantStatus(Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


class Refusal(Enum):
    """Why a read was refused."""

    ROLE_NOT_ALLOWED = "role_not_allowed"
    NO_GRANT = "no_grant"
    NOT_APPROVED = "not_approved"
    REJECTED = "rejected"
    REVOKED = "revoked"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    # A grant covers one case; a read under grants names exactly one.
    ONE_CASE_AT_A_TIME = "one_case_at_a_time"


class AccessGrant(Aggregate):
    """One person's permission to read one case, for a purpose, within a period."""

    @classmethod
    def request(
        cls,
        *,
        case_id: UUID,
        purpose: str,
        valid_from: datetime,
        valid_until: datetime,
        by: Actor,
        now: datetime,
    ) -> "AccessGrant":
        require_text(purpose, "purpose", "purpose must say what the case is needed for")
        _check_period(valid_from, valid_until, now)
        return cls(
            case_id=case_id,
            purpose=purpose,
            valid_from=valid_from,
            valid_until=valid_until,
            actor=by,
            occurred_at=now,
        )

    @event("Requested")
    def __init__(
        self,
        case_id: UUID,
        purpose: str,
        valid_from: datetime,
        valid_until: datetime,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.case_id = case_id
        self.purpose = purpose
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.requester = actor
        self.requested_at = occurred_at
        self.status = GrantStatus.REQUESTED
        self.decided_by: Actor | None = None
        self.decided_at: datetime | None = None
        self.revoked_at: datetime | None = None

    # -- commands -------------------------------------------------------------------------------

    def approve(self, reason: str, by: Actor, now: datetime) -> None:
        """A manager lets the requester read the case within the requested period."""
        self._require_decidable(by)
        if now >= self.valid_until:
            raise GrantRuleViolation("the requested period has already ended; ask for a new grant")
        self._approved(reason=reason, actor=by, occurred_at=now)

    def reject(self, reason: str, by: Actor, now: datetime) -> None:
        self._require_decidable(by)
        require_text(reason, "reason", "a rejection needs a reason")
        self._rejected(reason=reason, actor=by, occurred_at=now)

    def revoke(self, reason: str, by: Actor, now: datetime) -> None:
        """End the grant at once: a manager takes it back, or the requester withdraws it."""
        if self.status not in (GrantStatus.REQUESTED, GrantStatus.APPROVED):
            raise GrantRuleViolation(f"the access grant is {self.status.value} already")
        require_text(reason, "reason", "a revocation needs a reason")
        self._revoked(reason=reason, actor=by, occurred_at=now)

    def _require_decidable(self, by: Actor) -> None:
        if self.status is not GrantStatus.REQUESTED:
            raise GrantRuleViolation(f"the access grant is {self.status.value}; only a request is decided")
        if by.user_id == self.requester.user_id:
            raise GrantRuleViolation("nobody decides their own access grant")

    # -- reading --------------------------------------------------------------------------------

    def refusal(self, user_id: str, case_id: UUID, at: datetime) -> Refusal | None:
        """Why this grant does not let `user_id` read `case_id` at `at`; None if it does."""
        if (user_id, case_id) != (self.requester.user_id, self.case_id):
            return Refusal.NO_GRANT
        if self.status is not GrantStatus.APPROVED:
            return _REFUSAL_BY_STATUS[self.status]
        if at < self.valid_from:
            return Refusal.NOT_YET_VALID
        if at >= self.valid_until:
            return Refusal.EXPIRED
        return None

    def allows(self, user_id: str, case_id: UUID, at: datetime) -> bool:
        return self.refusal(user_id, case_id, at) is None

    # -- events: they record, they never refuse ------------------------------------------------

    @event("Approved")
    def _approved(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = GrantStatus.APPROVED
        self.decided_by = actor
        self.decided_at = occurred_at

    @event("Rejected")
    def _rejected(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = GrantStatus.REJECTED
        self.decided_by = actor
        self.decided_at = occurred_at

    @event("Revoked")
    def _revoked(self, reason: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = GrantStatus.REVOKED
        self.revoked_at = occurred_at


_REFUSAL_BY_STATUS = {
    GrantStatus.REQUESTED: Refusal.NOT_APPROVED,
    GrantStatus.REJECTED: Refusal.REJECTED,
    GrantStatus.REVOKED: Refusal.REVOKED,
}


class AccessRecord(Aggregate):
    """One read through the API: allowed (`ReadRecorded`) or refused (`ReadRefused`). It never changes."""

    class ReadRecorded(Aggregate.Created):
        actor: Actor
        what: ReadKind
        case_ids: list[UUID]
        grant_id: UUID | None
        request_id: str | None
        occurred_at: datetime

    class ReadRefused(Aggregate.Created):
        actor: Actor
        what: ReadKind
        case_ids: list[UUID]
        grant_id: UUID | None
        request_id: str | None
        occurred_at: datetime
        refusal: Refusal

    def __init__(
        self,
        actor: Actor,
        what: ReadKind,
        case_ids: list[UUID],
        grant_id: UUID | None,
        request_id: str | None,
        occurred_at: datetime,
        refusal: Refusal | None = None,
    ) -> None:
        self.reader = actor
        self.what = what
        self.case_ids = case_ids
        self.grant_id = grant_id
        self.request_id = request_id
        self.at = occurred_at
        self.refusal = refusal

    @classmethod
    def of_read(
        cls,
        *,
        reader: Actor,
        what: ReadKind,
        case_ids: list[UUID],
        grant_id: UUID | None,
        request_id: str | None,
        at: datetime,
        refusal: Refusal | None = None,
    ) -> "AccessRecord":
        """The record of one read: `ReadRecorded`, or `ReadRefused` saying why when `refusal` is given."""
        facts: dict[str, Any] = {
            "actor": reader,
            "what": what,
            "case_ids": list(case_ids),
            "grant_id": grant_id,
            "request_id": request_id,
            "occurred_at": at,
        }
        if refusal is None:
            return cls._create(cls.ReadRecorded, **facts)
        return cls._create(cls.ReadRefused, **facts, refusal=refusal)


def _check_period(valid_from: datetime, valid_until: datetime, now: datetime) -> None:
    for value, field in ((valid_from, "valid_from"), (valid_until, "valid_until")):
        if value.tzinfo is None:
            raise InvalidValue(f"{field} must carry a time zone", field=field)
    if valid_from < now - CLOCK_SKEW_ALLOWANCE:
        # Access is granted from its approval on; a start in the past would read as if it had been earlier.
        raise InvalidValue("valid_from lies in the past", field="valid_from")
    if valid_from > now + MAX_START_AHEAD:
        raise InvalidValue(f"valid_from is more than {MAX_START_AHEAD.days} days ahead", field="valid_from")
    if valid_until <= valid_from:
        raise InvalidValue("valid_until must be later than valid_from", field="valid_until")
    if valid_until - valid_from > MAX_GRANT_PERIOD:
        raise InvalidValue(f"an access grant lasts at most {MAX_GRANT_PERIOD.days} days", field="valid_until")

"""The supervision's review of a service complaint about staff (投诉核实, 责任追究, 道歉).

One stream per service-complaint case, its id derived from the case id. The supervision verifies the
complaint (`ComplaintVerified`: substantiated, partly substantiated or not, with the findings); if the
supplier's people were at fault, it records who is held accountable and the measure taken
(`AccountabilityRecorded`, one per staff member) and the apology to the customer (`ApologyMade`: how,
when, by whom, to whom). The review closes (`ReviewClosed`) only once a complaint found at fault has both.
Nothing is ever removed: a complaint found unfounded stays on record with its findings.

Public methods are commands that check the rule; private `@event` methods only record.
"""

from datetime import datetime
from enum import Enum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.actor import Actor
from domain.errors import DomainError, InvalidValue, require_text

REVIEW_NAMESPACE = uuid5(NAMESPACE_URL, "https://aftersales-ledger.dev/complaint-reviews")


def complaint_review_id(case_id: UUID) -> UUID:
    """The id of the stream that holds the supervision's review of service complaint `case_id`."""
    return uuid5(REVIEW_NAMESPACE, str(case_id))


class ComplaintReviewRuleViolation(DomainError):
    """A command is not allowed in the complaint review's current state."""


class VerificationOutcome(Enum):
    SUBSTANTIATED = "substantiated"
    PARTLY_SUBSTANTIATED = "partly_substantiated"
    NOT_SUBSTANTIATED = "not_substantiated"


class ApologyChannel(Enum):
    LETTER = "letter"
    PHONE = "phone"
    VISIT = "visit"
    EMAIL = "email"


class ReviewStatus(Enum):
    VERIFIED = "verified"
    CLOSED = "closed"


class ComplaintReview(Aggregate):
    """The supervision's verification of one service complaint, and what followed from it."""

    @staticmethod
    def create_id(case_id: UUID) -> UUID:  # type: ignore[override]
        return complaint_review_id(case_id)

    @classmethod
    def verify(
        cls, *, case_id: UUID, outcome: VerificationOutcome, findings: str, by: Actor, now: datetime
    ) -> "ComplaintReview":
        require_text(findings, "findings", "say what the verification found")
        return cls(case_id=case_id, outcome=outcome, findings=findings, actor=by, occurred_at=now)

    @event("ComplaintVerified")
    def __init__(
        self, case_id: UUID, outcome: VerificationOutcome, findings: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.case_id = case_id
        self.outcome = outcome
        self.findings = findings
        self.verified_by = actor
        self.verified_at = occurred_at
        self.status = ReviewStatus.VERIFIED
        self.accountable: list[str] = []
        self.apologised_at: datetime | None = None
        self.closed_at: datetime | None = None

    @property
    def is_at_fault(self) -> bool:
        return self.outcome is not VerificationOutcome.NOT_SUBSTANTIATED

    # -- commands ---------------------------------------------------------------------------------

    def record_accountability(self, staff_member: str, measure: str, by: Actor, now: datetime) -> None:
        self._require_at_fault("holds anyone accountable")
        require_text(staff_member, "staff_member", "name the staff member, a user id")
        require_text(measure, "measure", "say what measure was taken")
        if staff_member == by.user_id:
            raise ComplaintReviewRuleViolation("nobody records their own accountability", "staff_member")
        self._accountability_recorded(staff_member=staff_member, measure=measure, actor=by, occurred_at=now)

    def record_apology(
        self,
        channel: ApologyChannel,
        apologised_at: datetime,
        apologised_by: str,
        to_whom: str,
        by: Actor,
        now: datetime,
    ) -> None:
        self._require_at_fault("owes an apology")
        require_text(apologised_by, "apologised_by", "name who apologised, a user id")
        require_text(to_whom, "to_whom", "say to whom, e.g. the case's contact person")
        if apologised_at.tzinfo is None:
            raise InvalidValue("apologised_at must carry a time zone", "apologised_at")
        if apologised_at > now:
            raise InvalidValue("apologised_at lies in the future", "apologised_at")
        self._apology_made(
            channel=channel,
            apologised_at=apologised_at,
            apologised_by=apologised_by,
            to_whom=to_whom,
            actor=by,
            occurred_at=now,
        )

    def close(self, summary: str, by: Actor, now: datetime) -> None:
        self._require_not_closed()
        require_text(summary, "summary", "say how the complaint was dealt with")
        if self.is_at_fault and not self.accountable:
            raise ComplaintReviewRuleViolation(
                "the complaint was found at fault: record who is held accountable first", "status"
            )
        if self.is_at_fault and self.apologised_at is None:
            raise ComplaintReviewRuleViolation(
                "the complaint was found at fault: record the apology to the customer first", "status"
            )
        self._closed(summary=summary, actor=by, occurred_at=now)

    def _require_not_closed(self) -> None:
        if self.status is ReviewStatus.CLOSED:
            raise ComplaintReviewRuleViolation("the review is closed", "status")

    def _require_at_fault(self, what: str) -> None:
        self._require_not_closed()
        if not self.is_at_fault:
            raise ComplaintReviewRuleViolation(
                f"the complaint was not substantiated: nobody {what}", "outcome"
            )

    # -- events: they record, they never refuse ---------------------------------------------------

    @event("AccountabilityRecorded")
    def _accountability_recorded(
        self, staff_member: str, measure: str, actor: Actor, occurred_at: datetime
    ) -> None:
        self.accountable.append(staff_member)

    @event("ApologyMade")
    def _apology_made(
        self,
        channel: ApologyChannel,
        apologised_at: datetime,
        apologised_by: str,
        to_whom: str,
        actor: Actor,
        occurred_at: datetime,
    ) -> None:
        self.apologised_at = apologised_at

    @event("ReviewClosed")
    def _closed(self, summary: str, actor: Actor, occurred_at: datetime) -> None:
        self.status = ReviewStatus.CLOSED
        self.closed_at = occurred_at

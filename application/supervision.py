"""Supervision use cases: verify a service complaint about staff, record who is held accountable and the
apology, close the review, and read it.

A service complaint is routed to the supervision by its case type: every `service_complaint` case is
listed in the supervision's report (projections/supervision.py) from its registration on, reviewed or
not. The review is a stream of its own beside its case, created by the verification with
`CaseLedger.create` and changed with `run_command`, so If-Match and Idempotency-Key work as for cases.
"""

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import ComplaintNotReviewed
from application.ledger import Caller, CaseLedger, CommandResult
from domain.case import CaseType
from domain.errors import CaseRuleViolation
from domain.supervision import ApologyChannel, ComplaintReview, VerificationOutcome, complaint_review_id

# A command body: given the review and the time now, change it.
ReviewChange = Callable[[ComplaintReview, datetime], None]


class ComplaintReviews:
    def __init__(self, ledger: CaseLedger, read_access: ReadAccess) -> None:
        self.ledger = ledger
        self.read_access = read_access

    # -- commands ---------------------------------------------------------------------------------

    def verify(
        self, caller: Caller, case_id: UUID, outcome: VerificationOutcome, findings: str
    ) -> CommandResult:
        actor = authorise(Command.REVIEW_COMPLAINT, caller.user_id, caller.roles)

        def make(now: datetime) -> ComplaintReview:
            case = self.ledger.get_case(case_id, field="case_id")
            if case.case_type is not CaseType.SERVICE_COMPLAINT:
                raise CaseRuleViolation(
                    f"a {case.case_type.value} case is no complaint about staff; service complaints are",
                    "case_id",
                )
            if isinstance(self.ledger.find(complaint_review_id(case_id)), ComplaintReview):
                raise CaseRuleViolation("the complaint is verified already", "case_id")
            return ComplaintReview.verify(
                case_id=case.id, outcome=outcome, findings=findings, by=actor, now=now
            )

        return self.ledger.create(caller, make)

    def record_accountability(
        self, caller: Caller, case_id: UUID, staff_member: str, measure: str
    ) -> CommandResult:
        actor = authorise(Command.REVIEW_COMPLAINT, caller.user_id, caller.roles)
        return self._change(
            caller,
            case_id,
            lambda review, now: review.record_accountability(staff_member, measure, actor, now),
        )

    def record_apology(
        self,
        caller: Caller,
        case_id: UUID,
        channel: ApologyChannel,
        apologised_at: datetime,
        apologised_by: str,
        to_whom: str,
    ) -> CommandResult:
        actor = authorise(Command.REVIEW_COMPLAINT, caller.user_id, caller.roles)
        return self._change(
            caller,
            case_id,
            lambda review, now: review.record_apology(
                channel, apologised_at, apologised_by, to_whom, actor, now
            ),
        )

    def close(self, caller: Caller, case_id: UUID, summary: str) -> CommandResult:
        actor = authorise(Command.REVIEW_COMPLAINT, caller.user_id, caller.roles)
        return self._change(caller, case_id, lambda review, now: review.close(summary, actor, now))

    # -- reading ----------------------------------------------------------------------------------

    def read(self, reader: Reader, case_id: UUID) -> ComplaintReview:
        """The complaint's review as the event store has it; the read is recorded under the case."""
        self.read_access.open(reader, ReadKind.COMPLAINT_REVIEW, [case_id])
        return self.review(case_id)

    def review(self, case_id: UUID) -> ComplaintReview:
        found = self.ledger.find(complaint_review_id(case_id))
        if not isinstance(found, ComplaintReview):
            raise ComplaintNotReviewed(
                f"the complaint of case {case_id} is not verified yet", field="case_id"
            )
        return found

    def _change(self, caller: Caller, case_id: UUID, decide: ReviewChange) -> CommandResult:
        return self.ledger.run_command(caller, lambda: self.review(case_id), decide, "complaint review")

"""GraphQL read of the supervision's report: every service complaint with its review's outcome or its age."""

from datetime import datetime

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import ReadContext, graphql_enum, optional_id
from application.access import ReadKind
from domain.supervision import ReviewStatus as DomainReviewStatus
from domain.supervision import VerificationOutcome as DomainVerificationOutcome
from projections import supervision

VerificationOutcome = graphql_enum(
    DomainVerificationOutcome,
    "VerificationOutcome",
    "What the supervision's verification of a complaint about staff found",
)
ComplaintReviewStatus = graphql_enum(
    DomainReviewStatus, "ComplaintReviewStatus", "verified, or closed once what followed is recorded"
)


@strawberry.type(
    description="A service complaint in the supervision's report. The findings, the measures and the "
    "apology's details stay in the events: `GET /api/v1/cases/{id}/complaint-review` gives them."
)
class ServiceComplaint:
    case_id: strawberry.ID = strawberry.field(description="The complaint case's UUID")
    case_number: str = strawberry.field(description="Its number, e.g. AS-2026-000123")
    case_status: str = strawberry.field(description="The case's status")
    registered_at: datetime = strawberry.field(description="When the customer raised it")
    outcome: VerificationOutcome | None = strawberry.field(description="The verification's; null if none yet")
    review_status: ComplaintReviewStatus | None = strawberry.field(description="Null while not verified")
    accountability_records: int = strawberry.field(description="Staff members held accountable")
    apologised_at: datetime | None = strawberry.field(description="When the customer got the apology")
    verified_at: datetime | None = strawberry.field(description="When it was verified; null if not yet")
    review_closed_at: datetime | None = strawberry.field(description="When the review closed")
    age_days: int = strawberry.field(
        description="Whole days from registration to the review's closure, or to the time of this read"
    )

    @classmethod
    def of_line(cls, line: supervision.ComplaintLine) -> "ServiceComplaint":
        case_id = optional_id(line.case_id)
        assert case_id is not None  # every line is a case
        return cls(
            case_id=case_id,
            case_number=line.case_number,
            case_status=line.case_status,
            registered_at=line.registered_at,
            outcome=VerificationOutcome(line.outcome) if line.outcome else None,
            review_status=ComplaintReviewStatus(line.review_status) if line.review_status else None,
            accountability_records=line.accountability_records,
            apologised_at=line.apologised_at,
            verified_at=line.verified_at,
            review_closed_at=line.review_closed_at,
            age_days=line.age_days,
        )


@strawberry.type(description="Reads of the supervision.")
class SupervisionQueries:
    @strawberry.field(
        description="Every service complaint from the read model, the oldest first, verified or not, with "
        "its review's outcome or its age: none can be dropped by not reviewing it. The read is recorded "
        "in the access log."
    )
    async def service_complaints(self, info: Info[ReadContext, None]) -> list[ServiceComplaint]:
        await info.context.open_read(ReadKind.COMPLAINT_REPORT)
        services = info.context.services
        lines = await run_in_threadpool(
            supervision.complaint_report, services.pool, services.ledger.clock.now()
        )
        return [ServiceComplaint.of_line(line) for line in lines]

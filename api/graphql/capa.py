"""GraphQL reads of corrective and preventive actions: a filtered list from the read model, and the
Pareto of root causes per product and period."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import MAX_PAGE, QueryRefused, ReadContext, aware, graphql_enum, page_key
from api.graphql.types import PageInfo
from application.access import ReadKind
from domain.capa import ActionKind, ActionStatus
from domain.liability import RootCause as DomainRootCause
from projections import capa_queries, queries

RootCause = graphql_enum(DomainRootCause, "RootCause", "Where a nonconformity of the goods came from")
CorrectiveActionKind = graphql_enum(
    ActionKind,
    "CorrectiveActionKind",
    "corrective removes the cause of what happened; preventive keeps it from recurring elsewhere",
)
CorrectiveActionStatus = graphql_enum(
    ActionStatus,
    "CorrectiveActionStatus",
    "open, completed (awaiting verification), effective or cancelled; an action found not effective is "
    "open again",
)


@strawberry.type(
    description="A corrective or preventive action raised from a case's root cause, as the read model "
    "lists it. What is to be done, what was done and the verifier's evidence stay in the events: "
    "`GET /api/v1/corrective-actions/{id}` gives them."
)
class CorrectiveAction:
    id: strawberry.ID = strawberry.field(description="The action's UUID")
    case_id: strawberry.ID = strawberry.field(description="The UUID of the case the root cause was found in")
    case_number: str = strawberry.field(description="That case's number, e.g. AS-2026-000123")
    customer_id: str = strawberry.field(description="That case's customer (its id)")
    product: str = strawberry.field(description="That case's product")
    root_cause: RootCause = strawberry.field(description="The root cause the action is against")
    kind: CorrectiveActionKind = strawberry.field(description="Corrective or preventive")
    status: CorrectiveActionStatus = strawberry.field(description="Where the action stands")
    owner: str = strawberry.field(description="User id of who is to do it (any department)")
    due: datetime = strawberry.field(description="When it is due")
    is_overdue: bool = strawberry.field(
        description="Open after its due date, at the time of this read; a completed action awaiting its "
        "verification is not overdue"
    )
    raised_at: datetime = strawberry.field(description="When it was raised")
    completed_at: datetime | None = strawberry.field(
        description="When it was reported done; null while open, also after a verification found it not "
        "effective"
    )
    verified_at: datetime | None = strawberry.field(
        description="When its effectiveness was last judged, either way; null if never"
    )
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled; null if not")
    version: int = strawberry.field(description="Number of events so far; send it as If-Match on commands")

    @classmethod
    def of_summary(cls, summary: capa_queries.ActionSummary) -> "CorrectiveAction":
        return cls(
            id=strawberry.ID(str(summary.id)),
            case_id=strawberry.ID(str(summary.case_id)),
            case_number=summary.case_number,
            customer_id=summary.customer_id,
            product=summary.product,
            root_cause=RootCause(summary.root_cause),
            kind=CorrectiveActionKind(summary.kind),
            status=CorrectiveActionStatus(summary.status),
            owner=summary.owner,
            due=summary.due,
            is_overdue=summary.is_overdue,
            raised_at=summary.raised_at,
            completed_at=summary.completed_at,
            verified_at=summary.verified_at,
            cancelled_at=summary.cancelled_at,
            version=summary.version,
        )


@strawberry.type(description="An action in a page of actions, with where it sits in the list.")
class CorrectiveActionEdge:
    node: CorrectiveAction = strawberry.field(description="The action")
    cursor: str = strawberry.field(description="Pass as `after` to continue the list after this action")


@strawberry.type(description="A page of actions, the latest raised first (ties broken by id), relay style.")
class CorrectiveActionConnection:
    edges: list[CorrectiveActionEdge] = strawberry.field(description="The actions of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")


@strawberry.input(description="Conditions on the listed actions; every condition given must hold.")
class CorrectiveActionFilter:
    case_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only this case's actions (its UUID). Staff read under an access grant, one case at "
        "a time: they name the case here",
    )
    root_cause: RootCause | None = strawberry.field(default=None, description="Only against this root cause")
    status: CorrectiveActionStatus | None = strawberry.field(default=None, description="Only in this status")
    owner: str | None = strawberry.field(default=None, description="Only those this user id owns")
    overdue: bool | None = strawberry.field(
        default=None,
        description="true: only actions open after their due date at the time of this read; false: only "
        "the others",
    )
    customer: str | None = strawberry.field(
        default=None, description="Only from this customer's cases (its id)"
    )
    product: str | None = strawberry.field(default=None, description="Only from cases about this product")
    raised_from: datetime | None = strawberry.field(
        default=None, description="Only actions raised at or after this time (time zone required)"
    )
    raised_to: datetime | None = strawberry.field(
        default=None, description="Only actions raised before this time (time zone required)"
    )

    def condition(self, at: datetime) -> capa_queries.ActionFilter:
        return capa_queries.ActionFilter(
            at=at,
            case_id=_case_id(self.case_id),
            root_cause=self.root_cause.value if self.root_cause else None,
            status=self.status.value if self.status else None,
            owner=self.owner,
            customer_id=self.customer,
            product=self.product,
            raised_from=aware(self.raised_from, "filter.raisedFrom"),
            raised_to=aware(self.raised_to, "filter.raisedTo"),
            overdue=self.overdue,
        )


def _case_id(value: strawberry.ID | None) -> UUID | None:
    try:
        return UUID(str(value)) if value is not None else None
    except ValueError:
        raise QueryRefused("filter.caseId must be a case's UUID") from None


@strawberry.type(description="One root cause of a Pareto: in how many cases it was found, and its share.")
class RootCauseBar:
    root_cause: RootCause = strawberry.field(description="The root cause")
    cases: int = strawberry.field(description="The cases it was found in (a case counts once per root cause)")
    percent: Decimal = strawberry.field(description="Its share of all findings, in percent, to 0.1")
    cumulative_percent: Decimal = strawberry.field(
        description="The share of this and every more frequent root cause, in percent, to 0.1 (the last "
        "is 100.0)"
    )

    @classmethod
    def of_bar(cls, bar: queries.ParetoBar) -> "RootCauseBar":
        return cls(
            root_cause=RootCause(bar.root_cause),
            cases=bar.cases,
            percent=bar.percent,
            cumulative_percent=bar.cumulative_percent,
        )


@strawberry.type(description="Root causes by the number of cases they were found in, most first.")
class RootCausePareto:
    product: str | None = strawberry.field(description="The product counted; null for every product")
    period_from: datetime | None = strawberry.field(
        name="from", description="The cases opened at or after this time; null for no start"
    )
    period_to: datetime | None = strawberry.field(
        name="to", description="The cases opened before this time; null for no end"
    )
    total: int = strawberry.field(
        description="All findings: a case with actions on two root causes counts under each"
    )
    bars: list[RootCauseBar] = strawberry.field(description="A bar per root cause found, most cases first")


@strawberry.type(description="Reads of corrective and preventive actions.")
class CapaQueries:
    @strawberry.field(
        description="Corrective and preventive actions from the read model, the latest raised first, a "
        "page at a time. Recorded in the access log with the cases of the page (or the case filtered on)."
    )
    async def corrective_actions(
        self,
        info: Info[ReadContext, None],
        first: Annotated[
            int, strawberry.argument(description=f"How many actions to return, 0 to {MAX_PAGE}")
        ] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page")
        ] = None,
        filter: Annotated[
            CorrectiveActionFilter | None,
            strawberry.argument(description="Only actions meeting these conditions"),
        ] = None,
    ) -> CorrectiveActionConnection:
        if not 0 <= first <= MAX_PAGE:
            raise QueryRefused(f"first must be between 0 and {MAX_PAGE}; page through with after")
        services = info.context.services
        now = services.ledger.clock.now()
        condition = filter.condition(now) if filter else capa_queries.ActionFilter(at=now)
        page = await run_in_threadpool(
            capa_queries.list_actions, services.pool, condition, first, page_key(after)
        )
        # An action is part of its case's file: the read names the case asked for, else the page's cases.
        named = (
            [condition.case_id]
            if condition.case_id
            else list(dict.fromkeys(action.case_id for action in page.actions))
        )
        await info.context.open_read(ReadKind.CORRECTIVE_ACTION, named)
        edges = [
            CorrectiveActionEdge(
                node=CorrectiveAction.of_summary(action), cursor=action.page_key().to_cursor()
            )
            for action in page.actions
        ]
        return CorrectiveActionConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field(
        description="The Pareto of root causes from the read model: cases counted per root cause (once "
        "per case, cancelled actions not at all), most first, with cumulative percentages. Names no case."
    )
    async def root_cause_pareto(
        self,
        info: Info[ReadContext, None],
        product: Annotated[
            str | None, strawberry.argument(description="Only cases about this product, exactly")
        ] = None,
        period_from: Annotated[
            datetime | None,
            strawberry.argument(
                name="from", description="Only cases opened at or after this time (time zone required)"
            ),
        ] = None,
        period_to: Annotated[
            datetime | None,
            strawberry.argument(
                name="to", description="Only cases opened before this time (time zone required)"
            ),
        ] = None,
    ) -> RootCausePareto:
        start, end = aware(period_from, "from"), aware(period_to, "to")
        if start is not None and end is not None and end <= start:
            raise QueryRefused("the period ends after it starts: to must be later than from")
        await info.context.open_read(ReadKind.ROOT_CAUSE_PARETO)
        bars = await run_in_threadpool(
            queries.root_cause_pareto, info.context.services.pool, product, start, end
        )
        return RootCausePareto(
            product=product,
            period_from=start,
            period_to=end,
            total=sum(bar.cases for bar in bars),
            bars=[RootCauseBar.of_bar(bar) for bar in bars],
        )

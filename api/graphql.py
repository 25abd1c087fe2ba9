"""GraphQL reads at /graphql: cases from the read models; history and past states by replaying events.

Every query needs a bearer token, as REST commands do; only the GraphiQL page itself is served
without one (set the Authorization header in its headers tab).
"""

from datetime import datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry
from fastapi import Request
from fastapi.security import HTTPBearer
from graphql import GraphQLError
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader
from strawberry.extensions import MaskErrors
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.types import Info

from api.auth import current_user
from api.bootstrap import Services
from application.ledger import CaseLedger
from domain import case as domain
from projections import queries
from projections.cases import effect_of

MAX_PAGE = 100
_bearer = HTTPBearer(auto_error=False)


class QueryRefused(Exception):
    """A query the client can correct; unlike unexpected errors, its message is shown to them."""


def _graphql_enum(source: type[Enum], name: str, description: str) -> Any:
    # A copy of the domain's enum, so that the domain class carries no GraphQL machinery.
    return strawberry.enum(Enum(name, {m.name: m.value for m in source}), description=description)  # type: ignore[misc]


CaseStatus = _graphql_enum(domain.Status, "CaseStatus", "Where a case stands in its life")
CaseType = _graphql_enum(domain.CaseType, "CaseType", "What kind of complaint or request a case is")
Severity = _graphql_enum(domain.Severity, "Severity", "How badly the customer is affected")
Channel = _graphql_enum(domain.Channel, "Channel", "How the customer raised the case")
Outcome = _graphql_enum(domain.Outcome, "Outcome", "How a closed case ended")

# -- types ------------------------------------------------------------------------------------------


@strawberry.type(description="One event in a case's life, described without personal data.")
class TimelineEntry:
    version: int = strawberry.field(description="The case's version after this event (1 = registration)")
    event_type: str = strawberry.field(description="The event's name, e.g. Registered, Closed")
    actor_id: str = strawberry.field(description="User id of whoever did it")
    actor_role: str = strawberry.field(description="The role they acted in")
    occurred_at: datetime = strawberry.field(description="When it happened in the business")
    recorded_at: datetime = strawberry.field(description="When the ledger recorded it")
    summary: str = strawberry.field(description="One English line saying what happened")

    @classmethod
    def of_event(cls, event: Any) -> "TimelineEntry":
        effect = effect_of(event)
        return cls(
            version=event.originator_version,
            event_type=type(event).__name__,
            actor_id=event.actor.user_id,
            actor_role=event.actor.role.value,
            occurred_at=event.occurred_at,
            recorded_at=event.timestamp,
            summary=effect.summary if effect else type(event).__name__,
        )


@strawberry.type(description="An after-sales case: complaint, objection or request, and its progress.")
class Case:
    id: strawberry.ID = strawberry.field(description="The case's UUID")
    number: str = strawberry.field(description="Human case number, e.g. AS-2026-000123")
    status: CaseStatus = strawberry.field(description="Where the case stands")
    type: CaseType = strawberry.field(description="What kind of case it is")
    severity: Severity = strawberry.field(description="How badly the customer is affected")
    channel: Channel = strawberry.field(description="How the customer raised it")
    customer_id: str = strawberry.field(description="The customer's id in the customer master")
    customer_name: str = strawberry.field(description="The customer organisation's name")
    product: str = strawberry.field(description="Product and grade concerned")
    registered_by: str = strawberry.field(description="User id of whoever registered the case")
    department: str | None = strawberry.field(description="Department handling the case, once assigned")
    assignee: str | None = strawberry.field(description="User id of the person handling it, once assigned")
    latest_proposal: int | None = strawberry.field(description="Number of the latest resolution proposal")
    accepted_proposal: int | None = strawberry.field(
        description="Number of the proposal the customer accepted"
    )
    outcome: Outcome | None = strawberry.field(description="How the case ended, once closed")
    opened_at: datetime = strawberry.field(description="When the customer raised the case")
    acknowledged_at: datetime | None = strawberry.field(description="When the customer was acknowledged")
    closed_at: datetime | None = strawberry.field(description="When the case was closed or withdrawn")
    version: int = strawberry.field(description="Number of events so far; send it as If-Match on commands")
    last_event_at: datetime = strawberry.field(description="When the latest event was recorded")
    preloaded_timeline: strawberry.Private[list[TimelineEntry] | None] = None

    @strawberry.field(description="Every event of the case so far, oldest first")
    async def timeline(self, info: Info["ReadContext", None]) -> list[TimelineEntry]:
        if self.preloaded_timeline is not None:
            return self.preloaded_timeline
        entries = await info.context.timelines.load(UUID(str(self.id)))
        return [_timeline_entry(e) for e in entries]

    @classmethod
    def of_summary(cls, summary: queries.CaseSummary) -> "Case":
        return cls(
            id=strawberry.ID(str(summary.id)),
            number=summary.number,
            status=CaseStatus(summary.status),
            type=CaseType(summary.case_type),
            severity=Severity(summary.severity),
            channel=Channel(summary.channel),
            customer_id=summary.customer_id,
            customer_name=summary.customer_name,
            product=summary.product,
            registered_by=summary.registered_by,
            department=summary.department,
            assignee=summary.assignee,
            latest_proposal=summary.latest_proposal,
            accepted_proposal=summary.accepted_proposal,
            outcome=Outcome(summary.outcome) if summary.outcome else None,
            opened_at=summary.opened_at,
            acknowledged_at=summary.acknowledged_at,
            closed_at=summary.closed_at,
            version=summary.version,
            last_event_at=summary.last_event_at,
        )


def _timeline_entry(entry: queries.TimelineEntry) -> TimelineEntry:
    return TimelineEntry(
        version=entry.version,
        event_type=entry.event_type,
        actor_id=entry.actor_id,
        actor_role=entry.actor_role,
        occurred_at=entry.occurred_at,
        recorded_at=entry.recorded_at,
        summary=entry.summary,
    )


@strawberry.type(description="A case's full state as replayed from its events, at one point of its history.")
class CaseState:
    number: str = strawberry.field(description="Human case number")
    status: CaseStatus = strawberry.field(description="Where the case stood")
    type: CaseType = strawberry.field(description="What kind of case it is")
    severity: Severity = strawberry.field(description="How badly the customer was affected")
    channel: Channel = strawberry.field(description="How the customer raised it")
    customer_id: str = strawberry.field(description="The customer's id in the customer master")
    customer_name: str = strawberry.field(description="The customer organisation's name")
    product: str = strawberry.field(description="Product and grade concerned")
    shipment_refs: list[str] = strawberry.field(description="Shipments the case concerns")
    batch_refs: list[str] = strawberry.field(description="Production batches the case concerns")
    description: str = strawberry.field(description="The customer's complaint or request as registered")
    opened_at: datetime = strawberry.field(description="When the customer raised the case")
    acknowledged_at: datetime | None = strawberry.field(description="When the customer was acknowledged")
    department: str | None = strawberry.field(description="Department handling the case")
    assignee: str | None = strawberry.field(description="User id of the person handling it")
    proposals: int = strawberry.field(description="How many resolutions had been proposed")
    accepted_proposal: int | None = strawberry.field(description="The proposal the customer accepted")
    outcome: Outcome | None = strawberry.field(description="How the case ended, if closed")
    closed_at: datetime | None = strawberry.field(description="When the case was closed or withdrawn")
    notes: int = strawberry.field(description="How many notes had been added")
    reopened: int = strawberry.field(description="How many times the case had been reopened")

    @classmethod
    def of_case(cls, case: domain.Case) -> "CaseState":
        state = case.state()
        state["type"] = CaseType(state.pop("case_type"))
        state["status"] = CaseStatus(state["status"])
        state["severity"] = Severity(state["severity"])
        state["channel"] = Channel(state["channel"])
        state["outcome"] = Outcome(state["outcome"]) if state["outcome"] else None
        return cls(**state)


@strawberry.type(description="One recorded event of a case and the case's state right after it.")
class HistoryEntry:
    event: TimelineEntry = strawberry.field(description="The event")
    state: CaseState = strawberry.field(description="The case's state after the event")


@strawberry.type(description="A case in a page of cases, with where it sits in the list.")
class CaseEdge:
    node: Case = strawberry.field(description="The case")
    cursor: str = strawberry.field(description="Pass as `after` to continue the list after this case")


@strawberry.type(description="Whether the list goes on past this page.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True if more cases follow this page")
    end_cursor: str | None = strawberry.field(description="The last case's cursor; null for an empty page")


@strawberry.type(description="A page of cases, newest first (ties broken by id), relay style.")
class CaseConnection:
    edges: list[CaseEdge] = strawberry.field(description="The cases of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")
    condition: strawberry.Private[queries.CaseFilter]

    @strawberry.field(description="How many cases meet the filter, over all pages")
    async def total_count(self, info: Info["ReadContext", None]) -> int:
        return await run_in_threadpool(queries.count_cases, info.context.services.pool, self.condition)


@strawberry.input(description="Conditions on the listed cases; every condition given must hold.")
class CaseFilter:
    status: CaseStatus | None = strawberry.field(default=None, description="Only cases in this status")
    type: CaseType | None = strawberry.field(default=None, description="Only cases of this type")
    customer: str | None = strawberry.field(default=None, description="Only this customer's cases (its id)")
    assignee: str | None = strawberry.field(default=None, description="Only cases assigned to this user id")
    opened_from: datetime | None = strawberry.field(
        default=None, description="Only cases opened at or after this time (time zone required)"
    )
    opened_to: datetime | None = strawberry.field(
        default=None, description="Only cases opened before this time (time zone required)"
    )

    def condition(self) -> queries.CaseFilter:
        return queries.CaseFilter(
            status=self.status.value if self.status else None,
            case_type=self.type.value if self.type else None,
            customer_id=self.customer,
            assignee=self.assignee,
            opened_from=_aware(self.opened_from, "filter.openedFrom"),
            opened_to=_aware(self.opened_to, "filter.openedTo"),
        )


# -- reading --------------------------------------------------------------------------------------


class ReadContext(BaseContext):
    """Per request: the services, the authenticated reader, and a batch loader for timelines."""

    def __init__(self, services: Services, user: Any) -> None:
        super().__init__()
        self.services = services
        self.user = user
        # Timelines of every case on a page come from one query, not one query per case.
        self.timelines: DataLoader[UUID, list[queries.TimelineEntry]] = DataLoader(load_fn=self._timelines)

    async def _timelines(self, case_ids: list[UUID]) -> list[list[queries.TimelineEntry]]:
        found = await run_in_threadpool(queries.timelines, self.services.pool, case_ids)
        return [found[case_id] for case_id in case_ids]


AsOf = Annotated[
    datetime | None,
    strawberry.argument(
        description="Replay the events RECORDED up to this time (recording time, not business time) "
        "and return the case as it then stood; time zone required"
    ),
]
First = Annotated[int, strawberry.argument(description=f"How many cases to return, 0 to {MAX_PAGE}")]
After = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page")]


@strawberry.type(description="Reads over cases. Any authenticated role may read.")
class Query:
    @strawberry.field(
        description="A case by id: its current state from the read model, or with asOf its state then, "
        "replayed from the event store. Null if there is no such case (or none yet at asOf)."
    )
    async def case(
        self,
        info: Info[ReadContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The case's UUID")],
        as_of: AsOf = None,
    ) -> Case | None:
        case_id = _case_id(id)
        if as_of is not None:
            when = _aware(as_of, "asOf")
            return await run_in_threadpool(_case_as_of, info.context.services.ledger, case_id, when)
        summary = await run_in_threadpool(queries.case_by_id, info.context.services.pool, case_id)
        return Case.of_summary(summary) if summary else None

    @strawberry.field(description="A case by its human number, from the read model; null if none")
    async def case_by_number(
        self,
        info: Info[ReadContext, None],
        number: Annotated[str, strawberry.argument(description="E.g. AS-2026-000123")],
    ) -> Case | None:
        summary = await run_in_threadpool(queries.case_by_number, info.context.services.pool, number)
        return Case.of_summary(summary) if summary else None

    @strawberry.field(description="Cases from the read model, newest opened first, a page at a time")
    async def cases(
        self,
        info: Info[ReadContext, None],
        first: First = 20,
        after: After = None,
        filter: Annotated[
            CaseFilter | None, strawberry.argument(description="Only cases meeting these conditions")
        ] = None,
    ) -> CaseConnection:
        if not 0 <= first <= MAX_PAGE:
            raise QueryRefused(f"first must be between 0 and {MAX_PAGE}; page through with after")
        condition = filter.condition() if filter else queries.CaseFilter()
        page = await run_in_threadpool(
            queries.list_cases, info.context.services.pool, condition, first, _page_key(after)
        )
        edges = [
            CaseEdge(node=Case.of_summary(s), cursor=queries.PageKey.after(s).to_cursor()) for s in page.cases
        ]
        end_cursor = edges[-1].cursor if edges else None
        return CaseConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor),
            condition=condition,
        )

    @strawberry.field(
        description="Every recorded event of a case with the state after it, replayed from the event "
        "store (not the read model); null if there is no such case"
    )
    async def case_history(
        self,
        info: Info[ReadContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The case's UUID")],
    ) -> list[HistoryEntry] | None:
        return await run_in_threadpool(_history, info.context.services.ledger, _case_id(id))


def _history(ledger: CaseLedger, case_id: UUID) -> list[HistoryEntry] | None:
    entries = [
        HistoryEntry(event=TimelineEntry.of_event(event), state=CaseState.of_case(case))
        for event, case in ledger.replay(case_id)
    ]
    return entries or None


def _case_as_of(ledger: CaseLedger, case_id: UUID, recorded_by: datetime) -> Case | None:
    timeline, last = [], None
    for event, case in ledger.replay(case_id, recorded_by):
        timeline.append(TimelineEntry.of_event(event))
        last = case
    if last is None:
        return None
    found = Case.of_summary(queries.CaseSummary.of_case(last))  # only the state after the last event
    found.preloaded_timeline = timeline
    return found


# -- arguments and cursors ------------------------------------------------------------------------


def _case_id(value: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise QueryRefused("id must be a case's UUID") from None


def _aware(value: datetime | None, argument: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise QueryRefused(f"{argument} needs a time zone, e.g. 2026-03-02T09:00:00+08:00")
    return value


def _page_key(cursor: str | None) -> queries.PageKey | None:
    try:
        return queries.PageKey.from_cursor(cursor) if cursor is not None else None
    except ValueError:
        raise QueryRefused("after must be an endCursor or cursor this API returned") from None


# -- the router -----------------------------------------------------------------------------------


def _asks_for_graphiql(request: Request) -> bool:
    # The same test strawberry uses to serve the GraphiQL page instead of running a query.
    accept = request.headers.get("accept", "")
    return (
        request.method == "GET"
        and request.query_params.get("query") is None
        and ("text/html" in accept or "*/*" in accept)
    )


def _context_getter(services: Services) -> Any:
    async def read_context(request: Request) -> ReadContext:
        if _asks_for_graphiql(request):
            return ReadContext(services, user=None)
        credentials = await _bearer(request)
        # The REST rule, to the letter: 401 without a known, unrevoked token.
        user = await run_in_threadpool(current_user, request, credentials)
        return ReadContext(services, user)

    return read_context


def _is_unexpected(error: GraphQLError) -> bool:
    # Syntax and validation errors, and refusals, help the client; anything else may leak internals.
    original = error.original_error
    return original is not None and not isinstance(original, QueryRefused)


schema = strawberry.Schema(query=Query, extensions=[lambda: MaskErrors(should_mask_error=_is_unexpected)])


def graphql_router(services: Services) -> GraphQLRouter:
    return GraphQLRouter(schema, context_getter=_context_getter(services), graphql_ide="graphiql")

"""Reads of cases: the current state from the read models, or a past state replayed from the events."""

from datetime import datetime
from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import MAX_PAGE, QueryRefused, ReadContext, aware, case_id_argument, page_key
from api.graphql.history import case_as_of
from api.graphql.types import Case, CaseConnection, CaseEdge, CaseFilter, PageInfo
from application.access import ReadKind
from projections import queries

AsOf = Annotated[
    datetime | None,
    strawberry.argument(
        description="Replay the events RECORDED up to this time (recording time, not business time) "
        "and return the case as it then stood; time zone required"
    ),
]
First = Annotated[int, strawberry.argument(description=f"How many cases to return, 0 to {MAX_PAGE}")]
After = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page")]


@strawberry.type(description="Reads over cases.")
class CaseQueries:
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
        case_id = case_id_argument(id)
        if as_of is not None:
            when = aware(as_of, "asOf")
            await info.context.open_read(ReadKind.CASE_AS_OF, [case_id])
            services = info.context.services
            return await run_in_threadpool(case_as_of, services.ledger, services.integrity, case_id, when)
        await info.context.open_read(ReadKind.CASE, [case_id])
        summary = await run_in_threadpool(queries.case_by_id, info.context.services.pool, case_id)
        return Case.of_summary(summary) if summary else None

    @strawberry.field(description="A case by its human number, from the read model; null if none")
    async def case_by_number(
        self,
        info: Info[ReadContext, None],
        number: Annotated[str, strawberry.argument(description="E.g. AS-2026-000123")],
    ) -> Case | None:
        summary = await run_in_threadpool(queries.case_by_number, info.context.services.pool, number)
        if summary is None:
            return None
        await info.context.open_read(ReadKind.CASE, [summary.id])
        return Case.of_summary(summary)

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
            queries.list_cases, info.context.services.pool, condition, first, page_key(after)
        )
        await info.context.open_read(ReadKind.CASE_LIST, [s.id for s in page.cases])
        edges = [
            CaseEdge(node=Case.of_summary(s), cursor=queries.PageKey.after(s).to_cursor()) for s in page.cases
        ]
        end_cursor = edges[-1].cursor if edges else None
        return CaseConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor),
            condition=condition,
        )

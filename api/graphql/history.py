"""Auditors' reads: a case's every event with the state after it, replayed from the event store."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import ReadContext, case_id_argument
from api.graphql.types import Case, CaseState, HistoryEntry, TimelineEntry
from application.access import ReadKind
from application.ledger import CaseLedger
from projections import queries


@strawberry.type(description="Reads of a case's recorded history.")
class HistoryQueries:
    @strawberry.field(
        description="Every recorded event of a case with the state after it, replayed from the event "
        "store (not the read model); null if there is no such case"
    )
    async def case_history(
        self,
        info: Info[ReadContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The case's UUID")],
    ) -> list[HistoryEntry] | None:
        case_id = case_id_argument(id)
        await info.context.open_read(ReadKind.CASE_HISTORY, [case_id])
        return await run_in_threadpool(history, info.context.services.ledger, case_id)


def history(ledger: CaseLedger, case_id: UUID) -> list[HistoryEntry] | None:
    entries = [
        HistoryEntry(event=TimelineEntry.of_event(event), state=CaseState.of_case(case))
        for event, case in ledger.replay(case_id)
    ]
    return entries or None


def case_as_of(ledger: CaseLedger, case_id: UUID, recorded_by: datetime) -> Case | None:
    timeline, last = [], None
    for event, case in ledger.replay(case_id, recorded_by):
        timeline.append(TimelineEntry.of_event(event))
        last = case
    if last is None:
        return None
    found = Case.of_summary(queries.CaseSummary.of_case(last))  # only the state after the last event
    found.preloaded_timeline = timeline
    return found

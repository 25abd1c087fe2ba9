"""Auditors' reads: a case's every event with the state after it and what it changed, replayed from the
event store."""

from datetime import datetime
from itertools import chain
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import ReadContext, case_id_argument
from api.graphql.integrity import EventInclusion
from api.graphql.types import Attachment, Case, HistoryEntry, TimelineEntry
from application.access import ReadKind
from application.history import replay_steps
from application.ledger import CaseLedger
from infra.integrity import IntegrityLog
from projections import queries


@strawberry.type(description="Reads of a case's recorded history.")
class HistoryQueries:
    @strawberry.field(
        description="Every recorded event of a case with who did it, the state after it and what it "
        "changed, replayed from the event store (not the read model); null if there is no such case"
    )
    async def case_history(
        self,
        info: Info[ReadContext, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="The case's UUID")],
    ) -> list[HistoryEntry] | None:
        case_id = case_id_argument(id)
        await info.context.open_read(ReadKind.CASE_HISTORY, [case_id])
        services = info.context.services
        return await run_in_threadpool(history, services.ledger, services.integrity, case_id)


def history(ledger: CaseLedger, integrity: IntegrityLog, case_id: UUID) -> list[HistoryEntry] | None:
    entries = [HistoryEntry.of_step(step) for step in replay_steps(ledger.replay(case_id))]
    if not entries:
        return None
    proofs = _proofs(integrity, case_id)
    for entry in entries:
        entry.proof = entry.event.proof = proofs.get(entry.event.version)
    return entries


def _proofs(integrity: IntegrityLog, case_id: UUID) -> dict[int, EventInclusion]:
    """Each checkpointed event's proof of inclusion in the latest checkpoint, by version."""
    checkpoint, proofs = integrity.case_proofs(case_id)
    if checkpoint is None:
        return {}
    return {version: EventInclusion.of(proof, checkpoint) for version, proof in proofs.items()}


def case_as_of(
    ledger: CaseLedger, integrity: IntegrityLog, case_id: UUID, recorded_by: datetime
) -> Case | None:
    replayed = ledger.replay(case_id, recorded_by)
    first = next(replayed, None)
    if first is None:
        return None
    # The replay moves this one case object through every later event: after the steps, it is the case then.
    case = first[1]
    timeline = [TimelineEntry.of_step(step) for step in replay_steps(chain([first], replayed))]
    proofs = _proofs(integrity, case_id)
    for entry in timeline:
        entry.proof = proofs.get(entry.version)
    found = Case.of_summary(queries.CaseSummary.of_case(case))
    found.preloaded_timeline = timeline
    found.preloaded_attachments = [Attachment.of_attachment(case_id, a) for a in case.attachments.values()]
    return found

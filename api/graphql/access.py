"""Reads of who saw what (the access log, for auditors) and of access grants."""

import base64
import binascii
from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info

from api.graphql.context import MAX_PAGE, QueryRefused, ReadContext, case_id_argument, graphql_enum
from api.graphql.types import PageInfo
from application.access import ReadKind
from application.authorization import Allowance
from application.grants import load_grant
from domain.access import GrantStatus
from projections import queries

AccessGrantStatus = graphql_enum(GrantStatus, "AccessGrantStatus", "Where an access grant stands")


@strawberry.type(description="One read through the API, allowed or refused, as the access log recorded it.")
class AccessLogEntry:
    position: int = strawberry.field(description="The read's place in the event store's global order")
    recorded_at: datetime = strawberry.field(description="When the read happened")
    user_id: str = strawberry.field(description="Who read")
    role: str = strawberry.field(description="The role they read in")
    what: str = strawberry.field(description="What they opened, e.g. case, case_history, case_list")
    case_ids: list[strawberry.ID] = strawberry.field(description="The cases the read named (none for some)")
    grant_id: strawberry.ID | None = strawberry.field(description="The access grant it was allowed under")
    request_id: str | None = strawberry.field(description="The HTTP request's id, as in the request logs")
    refused: bool = strawberry.field(description="True if the read was refused")
    why: str | None = strawberry.field(description="Why it was refused, e.g. expired, revoked, no_grant")

    @classmethod
    def of(cls, entry: queries.AccessLogEntry) -> "AccessLogEntry":
        return cls(
            position=entry.position,
            recorded_at=entry.recorded_at,
            user_id=entry.user_id,
            role=entry.role,
            what=entry.what,
            case_ids=[strawberry.ID(str(c)) for c in entry.case_ids],
            grant_id=strawberry.ID(str(entry.grant_id)) if entry.grant_id else None,
            request_id=entry.request_id,
            refused=entry.refused,
            why=entry.why,
        )


@strawberry.type(description="A read in a page of the access log, with where it sits in the list.")
class AccessLogEdge:
    node: AccessLogEntry = strawberry.field(description="The read")
    cursor: str = strawberry.field(description="Pass as `after` to continue the log after this read")


@strawberry.type(description="A page of the access log, newest first, relay style.")
class AccessLogConnection:
    edges: list[AccessLogEdge] = strawberry.field(description="The reads of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")


@strawberry.type(description="Permission for one person to read one case, for a purpose, within a period.")
class AccessGrant:
    id: strawberry.ID = strawberry.field(description="The grant's UUID")
    case_id: strawberry.ID = strawberry.field(description="The case it lets the requester read")
    requester: str = strawberry.field(description="User id of whoever asked for it")
    status: AccessGrantStatus = strawberry.field(description="Where the grant stands")
    valid_from: datetime = strawberry.field(description="Start of the period")
    valid_until: datetime = strawberry.field(description="End of the period (exclusive)")
    requested_at: datetime = strawberry.field(description="When it was requested")
    decided_by: str | None = strawberry.field(description="User id of the manager who approved or rejected")
    decided_at: datetime | None = strawberry.field(description="When it was approved or rejected")
    revoked_by: str | None = strawberry.field(description="User id of whoever revoked or withdrew it")
    revoked_at: datetime | None = strawberry.field(description="When it was revoked or withdrawn")
    version: int = strawberry.field(description="Send it as If-Match on grant commands")

    @strawberry.field(description="What the case is needed for, as the requester wrote it (from the events)")
    async def purpose(self, info: Info[ReadContext, None]) -> str:
        # Free text stays out of the read models; the event store has it.
        grant = await run_in_threadpool(load_grant, info.context.services.ledger, UUID(str(self.id)))
        return grant.purpose

    @classmethod
    def of(cls, summary: queries.GrantSummary) -> "AccessGrant":
        return cls(
            id=strawberry.ID(str(summary.id)),
            case_id=strawberry.ID(str(summary.case_id)),
            requester=summary.requester,
            status=AccessGrantStatus(summary.status),
            valid_from=summary.valid_from,
            valid_until=summary.valid_until,
            requested_at=summary.requested_at,
            decided_by=summary.decided_by,
            decided_at=summary.decided_at,
            revoked_by=summary.revoked_by,
            revoked_at=summary.revoked_at,
            version=summary.version,
        )


CaseIdFilter = Annotated[strawberry.ID | None, strawberry.argument(description="Only this case's (its UUID)")]


@strawberry.type(description="Reads of the access log and of access grants.")
class AccessQueries:
    @strawberry.field(
        description="Who read what: every read through the API, allowed or refused, newest first. "
        "Auditors and admins only; reading the log is logged too."
    )
    async def access_log(
        self,
        info: Info[ReadContext, None],
        case_id: CaseIdFilter = None,
        first: Annotated[int, strawberry.argument(description=f"How many reads, 0 to {MAX_PAGE}")] = 20,
        after: Annotated[
            str | None, strawberry.argument(description="The endCursor of the previous page")
        ] = None,
    ) -> AccessLogConnection:
        case = case_id_argument(case_id) if case_id is not None else None
        _check_first(first)
        before = _log_position(after)
        await _open(info, ReadKind.ACCESS_LOG, case)
        page = await run_in_threadpool(queries.access_log, info.context.services.pool, case, first, before)
        edges = [
            AccessLogEdge(node=AccessLogEntry.of(e), cursor=_log_cursor(e.position)) for e in page.entries
        ]
        end_cursor = edges[-1].cursor if edges else None
        return AccessLogConnection(
            edges=edges, page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor)
        )

    @strawberry.field(
        description="Access grants, the latest requested first: managers, auditors, compliance officers "
        "and admins see all; staff see their own"
    )
    async def access_grants(
        self,
        info: Info[ReadContext, None],
        case_id: CaseIdFilter = None,
        status: Annotated[
            AccessGrantStatus | None, strawberry.argument(description="Only grants in this status")
        ] = None,
        first: Annotated[
            int, strawberry.argument(description=f"How many grants, 0 to {MAX_PAGE}")
        ] = MAX_PAGE,
    ) -> list[AccessGrant]:
        case = case_id_argument(case_id) if case_id is not None else None
        _check_first(first)
        reach = await _open(info, ReadKind.ACCESS_GRANTS, case)
        requester = info.context.user.id if reach is Allowance.OWN else None
        where = queries.GrantFilter(case, status.value if status else None, requester)
        found = await run_in_threadpool(queries.access_grants, info.context.services.pool, where, first)
        return [AccessGrant.of(g) for g in found]


async def _open(info: Info[ReadContext, None], what: ReadKind, case: UUID | None) -> Allowance:
    """The read gate (it refuses with NotAllowed and records the read); how far the reader may see."""
    context = info.context
    reach: Allowance = await run_in_threadpool(
        context.services.read_access.open, context.reader, what, [case] if case else []
    )
    return reach


def _check_first(first: int) -> None:
    if not 0 <= first <= MAX_PAGE:
        raise QueryRefused(f"first must be between 0 and {MAX_PAGE}; page through with after")


def _log_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"log|{position}".encode()).decode()


def _log_position(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        kind, position = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        if kind == "log":
            return int(position)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise QueryRefused("after must be an endCursor or cursor of the access log")

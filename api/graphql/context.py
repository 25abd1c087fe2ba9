"""What every GraphQL resolver shares: the per-request context, argument checks, and the read gate."""

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.bootstrap import Services
from application.access import Reader, ReadKind
from projections import queries

MAX_PAGE = 100


class QueryRefused(Exception):
    """A query the client can correct; unlike unexpected errors, its message is shown to them."""


class ReadContext(BaseContext):
    """Per request: the services, the authenticated reader, and a batch loader for timelines."""

    def __init__(self, services: Services, user: Any, request_id: str | None = None) -> None:
        super().__init__()
        self.services = services
        self.user = user
        self.request_id = request_id
        # Timelines of every case on a page come from one query, not one query per case.
        self.timelines: DataLoader[UUID, list[queries.TimelineEntry]] = DataLoader(load_fn=self._timelines)
        self.attachments: DataLoader[UUID, list[queries.AttachmentSummary]] = DataLoader(
            load_fn=self._attachments
        )

    async def _timelines(self, case_ids: list[UUID]) -> list[list[queries.TimelineEntry]]:
        found = await run_in_threadpool(queries.timelines, self.services.pool, case_ids)
        return [found[case_id] for case_id in case_ids]

    async def _attachments(self, case_ids: list[UUID]) -> list[list[queries.AttachmentSummary]]:
        found = await run_in_threadpool(queries.attachments, self.services.pool, case_ids)
        return [found[case_id] for case_id in case_ids]

    @property
    def reader(self) -> Reader:
        return Reader(user_id=self.user.id, roles=self.user.roles, request_id=self.request_id)

    async def open_read(self, what: ReadKind, case_ids: Sequence[UUID] = ()) -> None:
        """Refuse the read (NotAllowed) unless the reader may see it; record who read what, either way."""
        await run_in_threadpool(self.services.read_access.open, self.reader, what, list(case_ids))


def case_id_argument(value: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise QueryRefused("id must be a case's UUID") from None


def aware(value: datetime | None, argument: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise QueryRefused(f"{argument} needs a time zone, e.g. 2026-03-02T09:00:00+08:00")
    return value


def page_key(cursor: str | None) -> queries.PageKey | None:
    try:
        return queries.PageKey.from_cursor(cursor) if cursor is not None else None
    except ValueError:
        raise QueryRefused("after must be an endCursor or cursor this API returned") from None


def optional_id(value: UUID | None) -> strawberry.ID | None:
    return strawberry.ID(str(value)) if value is not None else None


def graphql_enum(source: type[Enum], name: str, description: str) -> Any:
    # A copy of the domain's enum, so that the domain class carries no GraphQL machinery.
    return strawberry.enum(Enum(name, {m.name: m.value for m in source}), description=description)  # type: ignore[misc]

"""The GraphQL types of cases, their timelines and their replayed states."""

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from api.graphql.context import ReadContext, aware, graphql_enum
from api.graphql.deadlines import StepDeadlineView, read_deadlines
from api.graphql.integrity import EventInclusion
from api.graphql.service_clocks import ServiceClockView, read_service_clocks
from application import history
from domain import case as domain
from domain import evidence
from domain import money as money_value
from projections import queries
from projections.cases import effect_of

CaseStatus = graphql_enum(domain.Status, "CaseStatus", "Where a case stands in its life")
CaseType = graphql_enum(domain.CaseType, "CaseType", "What kind of complaint or request a case is")
Severity = graphql_enum(domain.Severity, "Severity", "How badly the customer is affected")
Channel = graphql_enum(domain.Channel, "Channel", "How the customer raised the case")
Outcome = graphql_enum(domain.Outcome, "Outcome", "How a closed case ended")
EvidenceKind = graphql_enum(evidence.EvidenceKind, "EvidenceKind", "What a piece of evidence is")

# Keys of `Case.state()` that CaseState names otherwise: `type` reads better in GraphQL.
STATE_RENAMED = {"case_type": "type"}

# -- types ------------------------------------------------------------------------------------------


def _json(value: Any) -> str | None:
    # JSON keeps a list a list and a number a number; a null value stays GraphQL null.
    return None if value is None else json.dumps(value, ensure_ascii=False)


@strawberry.type(
    description="One field of a case's state (a CaseState field) before and after an event. Values are "
    'JSON text: enums by their lower-case value ("in_progress"), times as ISO 8601 strings in UTC, '
    "counts as numbers, references as lists; null where the field had no value."
)
class FieldChange:
    field: str = strawberry.field(description="The CaseState field that changed, e.g. acknowledgedAt")
    before: str | None = strawberry.field(
        description="Its value before the event, as JSON text; null if it had none (always for Registered)"
    )
    after: str | None = strawberry.field(description="Its value after the event, as JSON text; null if none")

    @classmethod
    def of_change(cls, change: history.FieldChange) -> "FieldChange":
        return cls(field=_state_field(change.field), before=_json(change.before), after=_json(change.after))


def _state_field(name: str) -> str:
    """The CaseState field's GraphQL name for a key of `Case.state()`."""
    return to_camel_case(STATE_RENAMED.get(name, name))


def _field_changes(step: history.ReplayStep) -> list[FieldChange]:
    return [FieldChange.of_change(change) for change in step.changes]


@strawberry.type(description="One event in a case's life, described without personal data.")
class TimelineEntry:
    version: int = strawberry.field(description="The case's version after this event (1 = registration)")
    event_type: str = strawberry.field(description="The event's name, e.g. Registered, Closed")
    actor_id: str = strawberry.field(description="User id of whoever did it")
    actor_role: str = strawberry.field(description="The role they acted in")
    occurred_at: datetime = strawberry.field(description="When it happened in the business")
    recorded_at: datetime = strawberry.field(description="When the ledger recorded it")
    summary: str = strawberry.field(description="One English line saying what happened")
    changes: list[FieldChange] | None = strawberry.field(
        default=None,
        description="What the event changed in the case's state, in CaseState field order. Given where the "
        "events are replayed (case with asOf, caseHistory); null where the timeline comes from the read "
        "model (case without asOf, caseByNumber), which keeps no past states.",
    )
    proof: EventInclusion | None = strawberry.field(
        default=None,
        description="Proof that the event is in the latest signed checkpoint. Given where the events are "
        "replayed (case with asOf, caseHistory); null on read-model timelines, and for an event recorded "
        "after the latest checkpoint (the next one covers it).",
    )

    @classmethod
    def of_step(cls, step: history.ReplayStep) -> "TimelineEntry":
        return cls.of_event(step.event, _field_changes(step))

    @classmethod
    def of_event(cls, event: Any, changes: list[FieldChange] | None = None) -> "TimelineEntry":
        effect = effect_of(event)
        return cls(
            version=event.originator_version,
            event_type=type(event).__name__,
            actor_id=event.actor.user_id,
            actor_role=event.actor.role.value,
            occurred_at=event.occurred_at,
            recorded_at=event.timestamp,
            summary=effect.summary if effect else type(event).__name__,
            changes=changes,
        )


@strawberry.type(
    description="A file attached to a case as evidence. Its bytes are downloaded from "
    "`GET /api/v1/cases/{caseId}/attachments/{id}` (a recorded read), checked against sha256."
)
class Attachment:
    id: strawberry.ID = strawberry.field(description="The attachment's UUID")
    kind: EvidenceKind = strawberry.field(description="What the file is")
    content_type: str = strawberry.field(description="Its media type, e.g. application/pdf")
    size: int = strawberry.field(description="Its size in bytes")
    sha256: str = strawberry.field(
        description="SHA-256 of its bytes (hex), as its EvidenceAttached event has it"
    )
    attached_by: str = strawberry.field(description="User id of whoever attached it")
    attached_at: datetime = strawberry.field(description="When it was attached, in business time")
    current: bool = strawberry.field(description="False once superseded; superseded evidence is kept")
    superseded_by: strawberry.ID | None = strawberry.field(description="The attachment that replaced it")
    superseded_at: datetime | None = strawberry.field(description="When it was superseded")
    case_id: strawberry.Private[UUID]
    text: strawberry.Private[tuple[str, str] | None] = None  # (file name, description) when already at hand

    @strawberry.field(description="The file's name as uploaded (may name a person; read from the events)")
    async def file_name(self, info: Info[ReadContext, None]) -> str:
        return (await self._text(info))[0]

    @strawberry.field(description="What the uploader said it shows (read from the events)")
    async def description(self, info: Info[ReadContext, None]) -> str:
        return (await self._text(info))[1]

    async def _text(self, info: Info[ReadContext, None]) -> tuple[str, str]:
        if self.text is None:
            # Free text stays out of the read models: the case in the event store has it.
            case = await run_in_threadpool(info.context.services.ledger.get_case, self.case_id)
            found = case.attachment(UUID(str(self.id)))
            self.text = (found.file.file_name, found.description)
        return self.text

    @classmethod
    def of_summary(cls, row: queries.AttachmentSummary) -> "Attachment":
        return cls(
            id=strawberry.ID(str(row.id)),
            kind=EvidenceKind(row.kind),
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            attached_by=row.attached_by,
            attached_at=row.attached_at,
            current=row.superseded_at is None,
            superseded_by=strawberry.ID(str(row.superseded_by)) if row.superseded_by else None,
            superseded_at=row.superseded_at,
            case_id=row.case_id,
        )

    @classmethod
    def of_attachment(cls, case_id: UUID, found: evidence.Attachment) -> "Attachment":
        """From a replayed case: everything is at hand."""
        return cls(
            id=strawberry.ID(str(found.id)),
            kind=EvidenceKind(found.kind.value),
            content_type=found.file.content_type,
            size=found.file.size,
            sha256=found.file.sha256,
            attached_by=found.attached_by.user_id,
            attached_at=found.attached_at,
            current=found.is_current,
            superseded_by=strawberry.ID(str(found.superseded_by)) if found.superseded_by else None,
            superseded_at=found.superseded_at,
            case_id=case_id,
            text=(found.file.file_name, found.description),
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
    legal_hold: bool = strawberry.field(
        description="Under legal hold (its dispute went to arbitration): nothing about it may be erased"
    )
    version: int = strawberry.field(description="Number of events so far; send it as If-Match on commands")
    last_event_at: datetime = strawberry.field(description="When the latest event was recorded")
    preloaded_timeline: strawberry.Private[list[TimelineEntry] | None] = None
    preloaded_attachments: strawberry.Private[list[Attachment] | None] = None

    @strawberry.field(description="Every event of the case so far, oldest first")
    async def timeline(self, info: Info[ReadContext, None]) -> list[TimelineEntry]:
        if self.preloaded_timeline is not None:
            return self.preloaded_timeline
        entries = await info.context.timelines.load(UUID(str(self.id)))
        return [_timeline_entry(e) for e in entries]

    @strawberry.field(
        description="Its step deadlines as an objection (acknowledge, sample, test, determine, settle): due, "
        "done, met or overdue against its contract's step limits (recorded as a read of the case)"
    )
    async def deadlines(self, info: Info[ReadContext, None]) -> list[StepDeadlineView]:
        return await run_in_threadpool(read_deadlines, info.context, UUID(str(self.id)))

    @strawberry.field(
        description="Its service clocks as an equipment fault (respond, on site, fix, signed record): due, "
        "met or breached and by how much, at risk, pauses with reasons (recorded as a read of the case); "
        "empty for other cases"
    )
    async def service_clocks(self, info: Info[ReadContext, None]) -> list[ServiceClockView]:
        return await run_in_threadpool(read_service_clocks, info.context, UUID(str(self.id)))

    @strawberry.field(description="The case's evidence, current and superseded, in the order attached")
    async def attachments(self, info: Info[ReadContext, None]) -> list[Attachment]:
        if self.preloaded_attachments is not None:
            return self.preloaded_attachments
        rows = await info.context.attachments.load(UUID(str(self.id)))
        return [Attachment.of_summary(row) for row in rows]

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
            legal_hold=summary.legal_hold,
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
    attachments: int = strawberry.field(description="How many attachments were current (not superseded)")
    objection_late: bool = strawberry.field(
        description="Whether the objection came after the contract's objection window for a named shipment"
    )
    late_objection_overridden: bool = strawberry.field(
        description="Whether a manager had let the late objection go on"
    )
    agreed_settlement: int | None = strawberry.field(
        description="The settlement proposal the customer had signed, if any"
    )
    customer_satisfied: bool | None = strawberry.field(
        description="The customer's last word once the resolution was carried out; null before it"
    )
    legal_hold: bool = strawberry.field(description="Whether the case was under legal hold")

    @classmethod
    def of_state(cls, case_state: dict[str, Any]) -> "CaseState":
        """From `Case.state()`."""
        state = {STATE_RENAMED.get(name, name): value for name, value in case_state.items()}
        state["type"] = CaseType(state["type"])
        state["status"] = CaseStatus(state["status"])
        state["severity"] = Severity(state["severity"])
        state["channel"] = Channel(state["channel"])
        state["outcome"] = Outcome(state["outcome"]) if state["outcome"] else None
        return cls(**state)


@strawberry.type(
    description="One recorded event of a case, the case's state right after it, and what changed."
)
class HistoryEntry:
    event: TimelineEntry = strawberry.field(description="The event, with who did it (actorId, actorRole)")
    state: CaseState = strawberry.field(description="The case's state after the event")
    changes: list[FieldChange] = strawberry.field(
        description="The fields of state that the event changed, in CaseState order; for Registered, "
        "every field it gave a value"
    )
    proof: EventInclusion | None = strawberry.field(
        default=None,
        description="Proof that this event is in the latest signed checkpoint; null if it was recorded "
        "after that checkpoint (the next one will cover it)",
    )

    @classmethod
    def of_step(cls, step: history.ReplayStep) -> "HistoryEntry":
        changes = _field_changes(step)
        event = TimelineEntry.of_event(step.event, changes)
        return cls(event=event, state=CaseState.of_state(step.state), changes=changes)


@strawberry.type(description="A case in a page of cases, with where it sits in the list.")
class CaseEdge:
    node: Case = strawberry.field(description="The case")
    cursor: str = strawberry.field(description="Pass as `after` to continue the list after this case")


@strawberry.type(description="Whether the list goes on past this page.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True if more items follow this page")
    end_cursor: str | None = strawberry.field(description="The last item's cursor; null for an empty page")


@strawberry.type(description="A page of cases, newest first (ties broken by id), relay style.")
class CaseConnection:
    edges: list[CaseEdge] = strawberry.field(description="The cases of this page")
    page_info: PageInfo = strawberry.field(description="How to get the next page")
    condition: strawberry.Private[queries.CaseFilter]

    @strawberry.field(description="How many cases meet the filter, over all pages")
    async def total_count(self, info: Info[ReadContext, None]) -> int:
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
            opened_from=aware(self.opened_from, "filter.openedFrom"),
            opened_to=aware(self.opened_to, "filter.openedTo"),
        )


@strawberry.type(description="An amount of money in one currency; never a float.")
class Money:
    amount: Decimal = strawberry.field(description="A decimal with every digit, e.g. -160500.00")
    currency: str = strawberry.field(description="Its ISO 4217 currency, e.g. CNY")

    @classmethod
    def of(cls, money: money_value.Money) -> "Money":
        return cls(amount=money.amount, currency=money.currency)

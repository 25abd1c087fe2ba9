"""Every case event survives being stored as JSON and read back, with its exact types and digits."""

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, UUIDAsHex

from application.transcodings import register_domain_transcodings
from domain.case import Case, Outcome, ResolutionKind
from domain.money import Money
from tests.unit.given import (
    accepted,
    acknowledged,
    assigned,
    attached,
    closed,
    executed,
    exported,
    flagged_late,
    held,
    history,
    noted,
    overridden,
    proposed,
    register,
    rejected,
    reopened,
    satisfied,
    settlement_agreed,
    settlement_executed,
    superseded,
    withdrawn,
)


def transcoder() -> JSONTranscoder:
    """The transcoder as the ledger application builds it."""
    built = JSONTranscoder()
    for library_transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        built.register(library_transcoding)
    register_domain_transcodings(built)
    return built


MAPPER = Mapper(transcoder=transcoder())

# One history that records every kind of event the case has, money and no money alike.
EVERY_EVENT: list[DomainEvent] = history(
    flagged_late(),
    overridden(),
    acknowledged(),
    assigned("QC lab", "li.qc"),
    assigned("Logistics", "zhao.wl", "Short weight, not quality"),
    noted(),
    attached(),
    superseded(),
    proposed(ResolutionKind.PRICE_REDUCTION, Money(Decimal("1200.5000"), "CNY")),
    rejected(),
    proposed(ResolutionKind.ADVICE_ONLY, None),
    accepted(),
    executed(),
    closed(),
    reopened(),
    settlement_agreed(),
    settlement_executed(),
    satisfied(False),
    satisfied(),
    reopened(),
    held(),
    withdrawn(),
    exported(),
).collect_events()


def round_trip(event: DomainEvent) -> DomainEvent:
    return MAPPER.to_domain_event(MAPPER.to_stored_event(event))


def test_the_history_holds_every_event_class_of_the_case() -> None:
    library_bases = {"Event", "Created"}
    event_classes = {
        name
        for name, value in vars(Case).items()
        if isinstance(value, type) and issubclass(value, DomainEvent) and name not in library_bases
    }

    assert {type(event).__name__ for event in EVERY_EVENT} == event_classes


@pytest.mark.parametrize(
    "event", EVERY_EVENT, ids=[f"{n}-{type(e).__name__}" for n, e in enumerate(EVERY_EVENT, start=1)]
)
def test_an_event_reads_back_equal_and_with_the_same_types(event: DomainEvent) -> None:
    stored = MAPPER.to_stored_event(event)

    restored = MAPPER.to_domain_event(stored)

    assert type(restored) is type(event)
    assert vars(restored) == vars(event)
    for field, value in vars(event).items():
        assert _types(vars(restored)[field]) == _types(value), field


def _types(value: Any) -> Any:
    """The type of a value and, for value objects and lists, of everything inside it."""
    if isinstance(value, list):
        return [_types(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return type(value), {name: _types(getattr(value, name)) for name in value.__dataclass_fields__}
    return type(value)


def test_an_amount_keeps_every_stored_digit() -> None:
    [proposal] = [e for e in EVERY_EVENT if isinstance(e, Case.ResolutionProposed) and e.amount]

    stored = MAPPER.to_stored_event(proposal)
    restored = MAPPER.to_domain_event(stored)

    assert str(restored.amount.amount) == "1200.5000"
    assert restored.amount == Money(Decimal("1200.5000"), "CNY")
    assert '"1200.5000"' in stored.state.decode()


def test_enums_are_stored_by_their_business_value() -> None:
    [closing] = [e for e in EVERY_EVENT if isinstance(e, Case.Closed)]

    state = json.loads(MAPPER.to_stored_event(closing).state)

    assert state["outcome"] == {"_type_": "Outcome", "_data_": "resolved"}
    assert state["actor"]["_data_"]["role"] == {"_type_": "Role", "_data_": "service_agent"}
    assert round_trip(closing).outcome is Outcome.RESOLVED


@pytest.mark.parametrize("offset_hours", [8, 0, -5])
def test_an_occurrence_time_stays_aware_of_its_time_zone(offset_hours: int) -> None:
    at = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=timezone(timedelta(hours=offset_hours)))
    [registered] = register(at=at).collect_events()

    restored = round_trip(registered)

    assert restored.occurred_at == at
    assert restored.occurred_at.utcoffset() == timedelta(hours=offset_hours)
    assert restored.timestamp.tzinfo is not None

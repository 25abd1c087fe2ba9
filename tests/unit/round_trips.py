"""Storing an event as JSON and reading it back, and comparing objects field by field with exact types.

Shared by the transcoding tests of every aggregate: what "exactly the same after a round trip" means is
decided once, here.
"""

from collections.abc import Iterable
from datetime import timezone
from decimal import Decimal
from typing import Any

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Mapper

from tests.unit.test_transcodings import transcoder

MAPPER = Mapper(transcoder=transcoder())


def round_trip(event: DomainEvent) -> DomainEvent:
    return MAPPER.to_domain_event(MAPPER.to_stored_event(event))


def exact(value: Any) -> Any:
    """The value with every type spelled out, so that 1.0 == 1.00 or a list == a tuple cannot pass."""
    if isinstance(value, Decimal):
        return ("Decimal", str(value))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [exact(item) for item in value])
    if hasattr(value, "__dataclass_fields__"):
        return (type(value).__name__, {k: exact(getattr(value, k)) for k in value.__dataclass_fields__})
    if isinstance(value, timezone):
        return ("timezone", value.utcoffset(None), value.tzname(None))
    return (type(value).__name__, value)


def fields(obj: Any) -> dict[str, Any]:
    """Every attribute of an event or aggregate, each with its exact type."""
    return {k: exact(v) for k, v in vars(obj).items()}


def replayed(events: Iterable[DomainEvent]) -> Any:
    """The aggregate the events build after each has been stored and read back."""
    aggregate: Any = None
    for event in events:
        aggregate = round_trip(event).mutate(aggregate)
    return aggregate


def event_ids(events: Iterable[DomainEvent]) -> list[str]:
    """Test ids that say which event of a story is checked: its place and its class."""
    return [f"{n}-{type(e).__name__}" for n, e in enumerate(events)]


def assert_round_trips(event: DomainEvent) -> None:
    """The event read back from its stored JSON is of its class, with every field exactly as it was."""
    back = round_trip(event)

    assert type(back) is type(event)
    assert fields(back) == fields(event)

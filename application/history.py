"""What each event of a replayed case changed: the diff auditors read in GraphQL and on the command line.

The diff compares `Case.state()` mappings and nothing else, never the events' own fields: it shows
only what the state already shows. The state leaves out the contact person and the texts of notes,
so no change ever names them.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NamedTuple

from domain.case import Case
from domain.money import Money


@dataclass(frozen=True)
class FieldChange:
    """One field of the case's state, before and after an event, in `comparable` form."""

    field: str
    before: Any
    after: Any


class ReplayStep(NamedTuple):
    """One recorded event, the case's state right after it, and what it changed."""

    event: Any
    state: dict[str, Any]
    changes: list[FieldChange]


def comparable(value: Any) -> Any:
    """The value as JSON-ready plain data that reads the same however it was recorded.

    Enums by their value, times as ISO 8601 in UTC (so a moment typed in +08:00 equals itself in UTC),
    Decimals and Money as strings that keep their scale, sequences as lists.
    """
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            # Guessing a zone would show an auditor a moment that may never have been recorded.
            raise ValueError(f"a time without a time zone cannot be shown in UTC: {value.isoformat()}")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Money):
        return f"{value.amount} {value.currency}"
    if isinstance(value, list | tuple):
        return [comparable(item) for item in value]
    return value


def state_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[FieldChange]:
    """Every field whose shown value differs, in the order of `after` (fields gone from it last).

    `before` is None for the first event: every field it set to a value (even 0 or an empty list)
    is a change from nothing; fields it left null are not listed.
    """
    before = before or {}
    fields = [*after, *(field for field in before if field not in after)]
    changes = []
    for field in fields:
        old, new = comparable(before.get(field)), comparable(after.get(field))
        if old != new:
            changes.append(FieldChange(field, old, new))
    return changes


def replay_steps(replayed: Iterable[tuple[Any, Case]]) -> Iterator[ReplayStep]:
    """Each `(event, case)` of `CaseLedger.replay` as a step with the state and its changes.

    The replay hands over one case object, mutated event by event, so its state is read at each step.
    """
    before: dict[str, Any] | None = None
    for event, case in replayed:
        state = case.state()
        yield ReplayStep(event, state, state_changes(before, state))
        before = state

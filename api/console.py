"""What the command line shows: tables of users, cases and case histories, and progress bars.

Rendering only; the commands in `api/cli.py` fetch what is shown here.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from domain.case import Case
from infra.users import User


def stdout() -> Console:
    # Built per call, not at import: tests swap sys.stdout, and a Console would keep the old one.
    return Console()


def stderr() -> Console:
    return Console(stderr=True)


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


# -- users ------------------------------------------------------------------------------------


def users_table(users: Iterable[User]) -> Table:
    """Every user and their roles; tokens are never stored, so they cannot be shown."""
    table = Table(title="Users")
    for column in ("id", "name", "roles", "created", "revoked"):
        table.add_column(column, overflow="fold")
    for user in users:
        roles = ", ".join(sorted(role.value for role in user.roles))
        _add_plain_row(table, user.id, user.display_name, roles, when(user.created_at), when(user.revoked_at))
    return table


# -- cases ------------------------------------------------------------------------------------


def cases_table(title: str, cases: Iterable[Case]) -> Table:
    table = Table(title=title)
    for column in ("number", "type", "status", "version", "customer", "product"):
        table.add_column(column, overflow="fold")
    for case in cases:
        _add_plain_row(
            table,
            case.number,
            case.case_type.value,
            case.status.value,
            str(case.version),
            case.customer.name,
            case.product,
        )
    return table


# -- history: the case replayed event by event -------------------------------------------------


@dataclass(frozen=True)
class HistoryStep:
    number: str
    version: int
    event_type: str
    actor: str
    occurred_at: datetime | None
    recorded_at: datetime
    changes: list[str]


def history(replayed: Iterable[tuple[Any, Case]]) -> list[HistoryStep]:
    """Say what each event of a replayed case changed."""
    before: dict[str, Any] = {}
    steps = []
    for event, case in replayed:
        after = case.state()
        steps.append(
            HistoryStep(
                number=case.number,
                version=event.originator_version,
                event_type=type(event).__name__,
                actor=_actor(event),
                occurred_at=getattr(event, "occurred_at", None),
                recorded_at=event.timestamp,
                changes=state_changes(before, after),
            )
        )
        before = after
    return steps


def state_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """'field: old → new' for every field that differs; the first event lists what it set."""
    changes = []
    for field, value in after.items():
        old = before.get(field)
        if value == old:
            continue
        if field in before:
            changes.append(f"{field}: {_shown(old)} → {_shown(value)}")
        elif value not in (None, [], "", 0):
            changes.append(f"{field}: {_shown(value)}")
    return changes


def history_table(title: str, steps: Iterable[HistoryStep]) -> Table:
    table = Table(title=title, show_lines=True)
    table.add_column("version", justify="right")
    table.add_column("event", no_wrap=True)
    table.add_column("actor (role)", overflow="fold", max_width=24)
    table.add_column("occurred at", overflow="fold")
    table.add_column("recorded at", overflow="fold")
    table.add_column("what changed", overflow="fold", ratio=1)
    for step in steps:
        _add_plain_row(
            table,
            str(step.version),
            step.event_type,
            step.actor,
            when(step.occurred_at),
            when(step.recorded_at),
            "\n".join(step.changes) or "(no change to the case's state)",
        )
    return table


def _add_plain_row(table: Table, *cells: str) -> None:
    # Cells hold what users typed; as Text, a '[' in a description is shown, not read as markup.
    table.add_row(*(Text(cell) for cell in cells))


def _actor(event: Any) -> str:
    actor = getattr(event, "actor", None)
    return f"{actor.user_id} ({actor.role.value})" if actor else ""


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(none)"
    return "(none)" if value is None else str(value)


# -- long work ----------------------------------------------------------------------------------


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A bar on stderr, and the `(done, total)` callback that moves it."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr(),
    ) as progress:
        task = progress.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance

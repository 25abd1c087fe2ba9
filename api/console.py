"""What the command line shows: tables of users, cases and case histories, a history event by event,
and progress bars.

Rendering only; the commands in `api/cli*.py` fetch what is shown here.
"""

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from application.history import FieldChange, ReplayStep, comparable
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

NO_CHANGE = "(no change to the case's state)"


def history_table(title: str, steps: Iterable[ReplayStep]) -> Table:
    """One row per event: who, when, and what it changed in the case's state."""
    table = Table(title=title, show_lines=True)
    table.add_column("version", justify="right")
    table.add_column("event", no_wrap=True)
    table.add_column("actor (role)", overflow="fold", max_width=24)
    table.add_column("occurred at", overflow="fold")
    table.add_column("recorded at", overflow="fold")
    table.add_column("changed", overflow="fold", ratio=1)
    for step in steps:
        event = step.event
        changed = "\n".join(_change_line(change) for change in step.changes)
        _add_plain_row(
            table,
            str(event.originator_version),
            type(event).__name__,
            _actor(event),
            when(event.occurred_at),
            when(event.timestamp),
            changed or NO_CHANGE,
        )
    return table


def step_through(steps: Sequence[ReplayStep], next_wanted: Callable[[], bool] | None = None) -> bool:
    """Show the events one panel at a time; between them, `next_wanted` (if given) may stop the walk.

    True if every step was shown.
    """
    for position, step in enumerate(steps, start=1):
        if position > 1 and next_wanted is not None and not next_wanted():
            return False
        stdout().print(step_panel(step, position, len(steps)))
    return True


def stdin_is_terminal() -> bool:
    """Whether someone types at a terminal; piped or scripted input gets every step without waiting."""
    return sys.stdin.isatty()


def next_wanted_at_terminal() -> bool:
    """Wait for Enter; q (or end of input) says stop."""
    try:
        answer = stdout().input("Enter: next event, q: quit ")
    except EOFError:
        return False
    return answer.strip().lower() != "q"


def step_panel(step: ReplayStep, position: int, total: int) -> Panel:
    event = step.event
    heading = Text(f"{_actor(event)}\noccurred {when(event.occurred_at)}, recorded {when(event.timestamp)}")
    changes = Table(show_edge=False, box=None, padding=(0, 2, 0, 0))
    for column in ("field", "before", "", "after"):
        changes.add_column(column, overflow="fold")
    for change in step.changes:
        _add_plain_row(changes, change.field, _shown(change.before), "→", _shown(change.after))
    title = f"event {position} of {total} · version {event.originator_version} · {type(event).__name__}"
    body = Group(heading, Text(""), changes if step.changes else Text(NO_CHANGE))
    return Panel(body, title=Text(title), title_align="left")


def state_table(title: str, state: dict[str, Any]) -> Table:
    """A case's state field by field, as `Case.state()` gives it."""
    table = Table(title=title)
    table.add_column("field", no_wrap=True)
    table.add_column("value", overflow="fold", ratio=1)
    for field, value in state.items():
        _add_plain_row(table, field, _shown(comparable(value)))
    return table


def _add_plain_row(table: Table, *cells: str) -> None:
    # Cells hold what users typed; as Text, a '[' in a description is shown, not read as markup.
    table.add_row(*(Text(cell) for cell in cells))


def _actor(event: Any) -> str:
    return f"{event.actor.user_id} ({event.actor.role.value})"


def _change_line(change: FieldChange) -> str:
    # A field the event set from nothing reads as 'field: value'; one it changed shows both sides.
    if change.before is None:
        return f"{change.field}: {_shown(change.after)}"
    return f"{change.field}: {_shown(change.before)} → {_shown(change.after)}"


def _shown(value: Any) -> str:
    """A `comparable` value as plain text."""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "(empty)"
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

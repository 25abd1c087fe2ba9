"""What the commands of the `aftersales` command line share: the services they run on, how they fail,
and how they name a case and the user who acts.

Every command builds the services through the composition root and closes them on every way out
(success, error, Ctrl-C, SIGTERM), so that an embedded PostgreSQL is never left running by accident.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from uuid import UUID

import typer

from api import console
from api.bootstrap import Services, bootstrap
from application.ledger import Caller
from infra.logging import configure_logging
from infra.settings import Settings

AsUser = Annotated[str, typer.Option("--as", help="The user who acts: an existing user, whose roles decide")]


def start_logging(settings: Settings) -> None:
    configure_logging(settings.log_level)


@contextmanager
def running_services() -> Iterator[Services]:
    settings = Settings()
    start_logging(settings)
    services = bootstrap(settings)
    try:
        yield services
    finally:
        services.close()


def fail(message: str, code: int = 1) -> typer.Exit:
    """The exit to raise after printing `error: <message>` on stderr."""
    console.stderr().print(f"error: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def find_case_id(services: Services, case: str) -> UUID | None:
    """The case named by its UUID or its number (AS-2026-000001); None if there is none."""
    try:
        return UUID(case)
    except ValueError:
        found = services.case_numbers.case_id(case)
        return UUID(found) if found else None


def acting_user(services: Services, user_id: str) -> Caller:
    """The active user `--as` names, as the caller of a use case; the command fails for anyone else."""
    found = [u for u in services.users.list() if u.id == user_id and u.revoked_at is None]
    if not found:
        raise fail(f"no active user {user_id}")
    return Caller(found[0].id, found[0].roles)

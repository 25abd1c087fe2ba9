"""The `aftersales` command line: serving, projections, users, demo data, replay.

Every command builds the services through the composition root and closes them on every way out
(success, error, Ctrl-C, SIGTERM), so that an embedded PostgreSQL is never left running by accident.
"""

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Annotated
from uuid import UUID

import typer
import uvicorn

from api import console
from api.bootstrap import Services, bootstrap
from api.demo import DEMO_SET, create_first_users, load_demo
from domain.actor import Role
from infra.logging import configure_logging
from infra.settings import Settings
from infra.users import UnknownUser, UserExists

# Locals in a traceback could hold tokens or personal data: never print them.
cli = typer.Typer(
    help="Aftersales Ledger: event-sourced after-sales service.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
users_cli = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")


@contextmanager
def _services() -> Iterator[Services]:
    settings = Settings()
    configure_logging(settings.log_level)
    services = bootstrap(settings)
    try:
        yield services
    finally:
        services.close()


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.stderr().print(f"error: {message}", markup=False, highlight=False)
    return typer.Exit(code)


# -- running --------------------------------------------------------------------------------------


@cli.command()
def serve(
    port: Annotated[int | None, typer.Option(help="Port (default AFTERSALES_PORT or 8000)")] = None,
) -> None:
    """Serve the API (and, unless AFTERSALES_RUN_PROJECTIONS=false, the projections).

    On a database without users, first creates the user 'admin' and prints its token once, and one
    demo user per role whose tokens go to <data dir>/tokens.json.
    """
    from api.app import create_app

    with _services() as services:
        announce_first_run(services)
        settings = services.settings
        listen = {"host": settings.host, "port": port or settings.port}
        listen |= {"log_config": None, "access_log": False}
        # uvicorn shuts down gracefully, then re-raises the SIGTERM or Ctrl-C it caught: a clean stop.
        with suppress(KeyboardInterrupt):
            if settings.workers > 1:
                _serve_with_workers(services, listen)
            else:
                uvicorn.run(create_app(services), **listen)


def _serve_with_workers(services: Services, listen: dict) -> None:
    """HTTP in several worker processes (one Python process uses one core); projections stay here, once."""
    os.environ["AFTERSALES_DATABASE_URL"] = services.database_url  # the embedded server, if that is it
    os.environ["AFTERSALES_RUN_PROJECTIONS"] = "false"
    if services.settings.run_projections:
        services.projection_runner.start()
    try:
        uvicorn.run("api.app:app_from_environment", factory=True, workers=services.settings.workers, **listen)
    finally:
        services.projection_runner.stop()


def announce_first_run(services: Services) -> None:
    """Create the first users if there are none, and show the admin token this one time."""
    first_run = create_first_users(services.users, services.settings.data_dir)
    if first_run is None:
        return
    typer.echo("First run: created the user 'admin'. Its token is shown only this once:")
    typer.echo(f"ADMIN TOKEN: {first_run.admin_token}")
    typer.echo(f"Tokens of the demo users (one per role) are in {first_run.tokens_file} (mode 0600).")
    sys.stdout.flush()  # a supervisor reading a pipe must see it now, not when the server stops


@cli.command()
def migrate() -> None:
    """Apply schema migrations (serve and project do this at start-up too)."""
    with _services():
        typer.echo("schema is current")


@cli.command()
def project() -> None:
    """Run the projection worker alone until SIGTERM or Ctrl-C.

    Run serve beside it with AFTERSALES_RUN_PROJECTIONS=false, so that only this process projects.
    """
    with _services() as services:
        stop = threading.Event()
        with _stop_on_signals(stop):
            services.projection_runner.run_forever(stop)
    typer.echo("projection worker stopped")


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    # The worker finishes its current batch and commits, rather than being interrupted mid-write.
    wanted = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.signal(number, lambda *_: stop.set()) for number in wanted}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@cli.command()
def rebuild() -> None:
    """Rebuild every read model from event 1, with a progress bar."""
    with _services() as services, console.progress_bar("rebuilding read models") as progress:
        applied = services.projection_runner.rebuild(progress=progress)
    typer.echo(f"read models rebuilt from {applied} events")


# -- users ----------------------------------------------------------------------------------------


@users_cli.command("add")
def add_user(
    user_id: Annotated[str, typer.Argument(help="Login id, e.g. li.na")],
    name: Annotated[str, typer.Option("--name", help="Display name")],
    roles: Annotated[list[Role], typer.Option("--role", help="A role; repeat for several")],
) -> None:
    """Add a user and print their token, once: only its hash is stored."""
    with _services() as services:
        try:
            token = services.users.add(user_id, name, frozenset(roles))
        except UserExists as exists:
            raise _fail(str(exists)) from None
    typer.echo(f"Token for {user_id} (shown only this once):")
    typer.echo(token)


@users_cli.command("list")
def list_users() -> None:
    """List users with their roles; tokens cannot be shown, only their hashes are stored."""
    with _services() as services:
        users = services.users.list()
    console.stdout().print(console.users_table(users))


@users_cli.command("revoke")
def revoke_user(user_id: Annotated[str, typer.Argument(help="The user whose token stops working")]) -> None:
    """Revoke a user's token; their past actions stay in the history under their id."""
    with _services() as services:
        try:
            services.users.revoke(user_id)
        except UnknownUser as unknown:
            raise _fail(str(unknown)) from None
    typer.echo(f"revoked {user_id}")


# -- cases ----------------------------------------------------------------------------------------


@cli.command(
    help=(
        "Load four demo cases (coal short weight, cement strength, soda ash return, mine monitoring "
        "substation fault) through the same use cases a user calls, as the demo users. Every step "
        f"carries a fixed Idempotency-Key ({DEMO_SET}/...), so running demo again adds nothing and "
        "completes a run that was interrupted."
    )
)
def demo() -> None:
    with _services() as services:
        case_ids = load_demo(services.ledger)
        cases = [services.ledger.get_case(case_id) for case_id in case_ids]
    console.stdout().print(console.cases_table("Demo cases", cases))


@cli.command()
def replay(
    case: Annotated[str, typer.Argument(help="The case's UUID or its number, e.g. AS-2026-000001")],
) -> None:
    """Replay a case from its events and show what each one changed, by whom and when."""
    with _services() as services:
        case_id = _case_id(services, case)
        steps = console.history(services.ledger.replay(case_id)) if case_id else []
    if not steps:
        raise _fail(f"no case {case}")
    title = f"History of {steps[0].number} ({case_id})"
    console.stdout().print(console.history_table(title, steps))


def _case_id(services: Services, case: str) -> UUID | None:
    try:
        return UUID(case)
    except ValueError:
        found = services.case_numbers.case_id(case)
        return UUID(found) if found else None


def main() -> None:
    # SIGTERM ends the process like Ctrl-C, so that cleanup (stopping embedded PostgreSQL) runs.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    cli()

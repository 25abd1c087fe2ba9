"""The `aftersales` command line: serving, projections, users, demo data, replay, reports; the tamper
evidence commands are in `api/cli_integrity.py`, the compliance ones in `api/cli_compliance.py`."""

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Annotated

import typer
import uvicorn
from rich.table import Table
from rich.text import Text

from api import console
from api.bootstrap import Services
from api.cli_compliance import compliance_cli
from api.cli_integrity import integrity_cli
from api.command_line import fail, find_case_id, running_services
from api.demo import DEMO_SET, create_first_users, load_demo
from application.history import replay_steps
from domain.actor import Role
from domain.errors import InvalidValue
from domain.kpi import Dimension, Period
from domain.kpi_labels import Language, report_lines
from infra.users import UnknownUser, UserExists
from projections.kpi_queries import kpis

# Locals in a traceback could hold tokens or personal data: never print them.
cli = typer.Typer(
    help="Aftersales Ledger: event-sourced after-sales service.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
users_cli = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
report_cli = typer.Typer(help="Reports for management, from the read models.", no_args_is_help=True)
cli.add_typer(report_cli, name="report")
# Their commands are top-level commands: `aftersales verify`, `aftersales export`, ...
cli.add_typer(integrity_cli)
cli.add_typer(compliance_cli)


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

    with running_services() as services:
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
        services.start_followers()
    try:
        uvicorn.run("api.app:app_from_environment", factory=True, workers=services.settings.workers, **listen)
    finally:
        services.stop_followers()


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
    with running_services():
        typer.echo("schema is current")


@cli.command()
def project() -> None:
    """Run the projection worker alone until SIGTERM or Ctrl-C.

    Run serve beside it with AFTERSALES_RUN_PROJECTIONS=false, so that only this process projects.
    """
    with running_services() as services:
        stop = threading.Event()
        with _stop_on_signals(stop):
            services.integrity_runner.start()  # the Merkle leaves and checkpoints, beside the read models
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
    with running_services() as services, console.progress_bar("rebuilding read models") as progress:
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
    with running_services() as services:
        try:
            token = services.users.add(user_id, name, frozenset(roles))
        except UserExists as exists:
            raise fail(str(exists)) from None
    typer.echo(f"Token for {user_id} (shown only this once):")
    typer.echo(token)


@users_cli.command("list")
def list_users() -> None:
    """List users with their roles; tokens cannot be shown, only their hashes are stored."""
    with running_services() as services:
        users = services.users.list()
    console.stdout().print(console.users_table(users))


@users_cli.command("revoke")
def revoke_user(user_id: Annotated[str, typer.Argument(help="The user whose token stops working")]) -> None:
    """Revoke a user's token; their past actions stay in the history under their id."""
    with running_services() as services:
        try:
            services.users.revoke(user_id)
        except UnknownUser as unknown:
            raise fail(str(unknown)) from None
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
    with running_services() as services:
        case_ids = load_demo(services.ledger)
        cases = [services.ledger.get_case(case_id) for case_id in case_ids]
    console.stdout().print(console.cases_table("Demo cases", cases))


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 time, e.g. 2026-05-01T08:00Z") from None
    if moment.tzinfo is None:
        # A time without a zone names a different moment on every machine: refuse to guess.
        raise typer.BadParameter(f"{text!r} needs a time zone, e.g. 2026-05-01T08:00Z or +08:00")
    return moment


@cli.command()
def replay(
    case: Annotated[str, typer.Argument(help="The case's UUID or its number, e.g. AS-2026-000001")],
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            parser=_moment,
            metavar="TIME",
            help="Only the events RECORDED by then (ISO 8601 with a zone, e.g. 2026-05-01T08:00Z); "
            "ends with the case's state then",
        ),
    ] = None,
    step: Annotated[
        bool, typer.Option("--step", help="One event at a time; at a terminal, Enter for the next, q quits")
    ] = False,
) -> None:
    """Replay a case from its events and show what each one changed, by whom and when."""
    with running_services() as services:
        case_id = find_case_id(services, case)
        steps = list(replay_steps(services.ledger.replay(case_id, as_of))) if case_id else []
    if not steps:
        raise fail(f"no case {case}" + (f" recorded by {as_of.isoformat()}" if as_of else ""))
    number = steps[0].state["number"]
    if step:
        next_wanted = console.next_wanted_at_terminal if console.stdin_is_terminal() else None
        if not console.step_through(steps, next_wanted):
            return
    else:
        console.stdout().print(console.history_table(f"History of {number} ({case_id})", steps))
    if as_of is not None:
        title = f"{number} as recorded by {as_of.isoformat()}"
        console.stdout().print(console.state_table(title, steps[-1].state))


# -- reports ------------------------------------------------------------------------------------


@report_cli.command("kpi")
def kpi_report(
    period: Annotated[str, typer.Option(help="A month like 2026-10 or a year like 2026 (Asia/Shanghai)")],
    lang: Annotated[Language, typer.Option(help="The labels' language")] = Language.EN,
    by: Annotated[Dimension | None, typer.Option(help="Break the KPIs down by this")] = None,
) -> None:
    """Print every KPI of a period from the read models: numerator, denominator and rate.

    The operator reads the database directly, as `replay` does: the read is not in the access log.
    """
    try:
        asked = Period.parse(period)
    except InvalidValue as refused:
        raise typer.BadParameter(str(refused), param_hint="--period") from None
    with running_services() as services:
        rows = kpis(services.pool, asked, by, services.ledger.clock.now())
    header, *lines = report_lines(rows, by, lang)
    table = Table(title=f"KPIs {asked.label} ({asked.zone})")
    for number, column in enumerate(header):
        table.add_column(column, justify="right" if 0 < number - (by is not None) < 4 else "left")
    for line in lines:
        table.add_row(*(Text(cell) for cell in line))
    console.stdout().print(table)


def main() -> None:
    # SIGTERM ends the process like Ctrl-C, so that cleanup (stopping embedded PostgreSQL) runs.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    cli()

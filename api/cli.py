"""The `aftersales` command line: serving, projections, users, demo data, replay."""

import signal
from typing import Annotated

import typer
import uvicorn

from api.bootstrap import Services, bootstrap
from infra.logging import configure_logging
from infra.settings import Settings

cli = typer.Typer(help="Aftersales Ledger: event-sourced after-sales service.", no_args_is_help=True)


def _services() -> Services:
    settings = Settings()
    configure_logging(settings.log_level)
    return bootstrap(settings)


@cli.command()
def serve(
    port: Annotated[int | None, typer.Option(help="Port (default AFTERSALES_PORT or 8000)")] = None,
) -> None:
    """Serve the API (and, unless AFTERSALES_RUN_PROJECTIONS=false, the projections)."""
    from api.app import create_app

    services = _services()
    app = create_app(services, manage_lifecycle=True)
    settings = services.settings
    uvicorn.run(app, host=settings.host, port=port or settings.port, log_config=None, access_log=False)


@cli.command()
def migrate() -> None:
    """Apply schema migrations (serve and project do this at start-up too)."""
    services = _services()
    services.close()
    typer.echo("schema is current")


def main() -> None:
    # SIGTERM ends the process like Ctrl-C, so that cleanup (stopping embedded PostgreSQL) runs.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    cli()

"""The `aftersales` command line: serving, projections, users, demo data, replay, tamper evidence.

Every command builds the services through the composition root and closes them on every way out
(success, error, Ctrl-C, SIGTERM), so that an embedded PostgreSQL is never left running by accident.
"""

import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer
import uvicorn
from rich.table import Table
from rich.text import Text

from api import console
from api.bootstrap import Services, bootstrap, database_url, evidence_bundles
from api.demo import DEMO_SET, create_first_users, load_demo
from application.erasure import Erasures
from application.errors import ApplicationError, ErasureNotRequested
from application.evidence_bundles import BundleRequest
from application.history import replay_steps
from application.ledger import Caller
from application.ports import BlobStore
from domain.actor import Role
from domain.case_values import ERASED
from domain.erasure import erasure_id
from domain.errors import DomainError, InvalidValue
from domain.kpi import Dimension, Period
from domain.kpi_labels import Language, report_lines
from infra import verification
from infra.blobs import open_blob_store
from infra.database import open_pool
from infra.integrity import CheckpointFile, ProofUnavailable
from infra.logging import configure_logging
from infra.settings import Settings
from infra.signing import KeyFileError, SigningKey, published_key_history
from infra.timestamping import StoredTokenCheck, check_stored_tokens
from infra.users import UnknownUser, UserExists
from infra.verifier import parse_verifier_key
from projections.kpi_queries import kpis

# Locals in a traceback could hold tokens or personal data: never print them.
cli = typer.Typer(
    help="Aftersales Ledger: event-sourced after-sales service.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
users_cli = typer.Typer(help="Users and their bearer tokens.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
proof_cli = typer.Typer(help="Proofs as JSON documents that infra/verifier.py checks.", no_args_is_help=True)
cli.add_typer(proof_cli, name="proof")
report_cli = typer.Typer(help="Reports for management, from the read models.", no_args_is_help=True)
cli.add_typer(report_cli, name="report")


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
    with _services() as services:
        case_id = _case_id(services, case)
        steps = list(replay_steps(services.ledger.replay(case_id, as_of))) if case_id else []
    if not steps:
        raise _fail(f"no case {case}" + (f" recorded by {as_of.isoformat()}" if as_of else ""))
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


def _case_id(services: Services, case: str) -> UUID | None:
    try:
        return UUID(case)
    except ValueError:
        found = services.case_numbers.case_id(case)
        return UUID(found) if found else None


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
    with _services() as services:
        rows = kpis(services.pool, asked, by, services.ledger.clock.now())
    header, *lines = report_lines(rows, by, lang)
    table = Table(title=f"KPIs {asked.label} ({asked.zone})")
    for number, column in enumerate(header):
        table.add_column(column, justify="right" if 0 < number - (by is not None) < 4 else "left")
    for line in lines:
        table.add_row(*(Text(cell) for cell in line))
    console.stdout().print(table)


# -- tamper evidence ------------------------------------------------------------------------------


@cli.command()
def checkpoint() -> None:
    """Bring the Merkle leaves up to date and sign a checkpoint of every event so far, now."""
    with _services() as services:
        services.integrity_runner.catch_up()
        signed = services.integrity.checkpoint()
        # With a TSA configured, it stamps this and any earlier unstamped checkpoint; if it does not
        # answer, that is logged and the checkpoint stands without a token until a later try.
        services.timestamps.stamp_pending()
    if signed is None:
        raise _fail("no events yet: nothing to sign")
    typer.echo(signed.note, nl=False)


@cli.command()
def verify(
    key: Annotated[
        str | None,
        typer.Option(
            help="Verifier key (or @file holding it), the first published or any later one; default: the "
            "first key of the key history beside the signing key"
        ),
    ] = None,
) -> None:
    """Recompute every Merkle leaf from the raw event rows and check all the tamper evidence.

    Checks every checkpoint's signature by the key the key history makes valid for its size (and the
    history's rotation statements), that the recomputed tree has every signed root, the chain of
    consistency between checkpoints, that the database's checkpoints and the checkpoint log file
    agree, and that every attachment's stored bytes still hash to the SHA-256 its event recorded.
    Exits 1 naming the first bad position and what is wrong.
    """
    settings = Settings()
    configure_logging(settings.log_level)
    # Only the database, the key and the blobs: verifying migrates nothing and writes nothing.
    with _database(settings) as url:
        history = _published_key_history(settings)
        verifier_key = _key_text(key) if key else _own_verifier_key(settings, history)
        with console.progress_bar("verifying events") as progress:
            report = verification.verify(
                url, verifier_key, CheckpointFile(settings.checkpoint_log_path), progress, history
            )
        with _blob_store(settings, url) as blobs:
            verification.check_attachments(url, blobs, report)
        stamps_ok = _report_timestamps(check_stored_tokens(url))
    if report.ok and not stamps_ok:
        raise typer.Exit(1)
    if report.ok:
        typer.echo(
            f"OK: {report.events} events and {report.checkpoints} signed checkpoints verify, "
            f"and the bytes of all {report.attachments} attachments"
        )
        return
    findings = report.ordered()
    first = findings[0]
    where = f"position {first.position}" if first.position is not None else "checkpoints"
    console.stderr().print(f"TAMPERING DETECTED: first bad {where}: {first.problem}", markup=False)
    for finding in findings[1:MAX_FINDINGS_SHOWN]:
        console.stderr().print(f"  also: {finding}", markup=False)
    if len(findings) > MAX_FINDINGS_SHOWN:
        console.stderr().print(f"  … and {len(findings) - MAX_FINDINGS_SHOWN} more", markup=False)
    raise typer.Exit(1)


MAX_FINDINGS_SHOWN = 20


def _report_timestamps(checks: list[StoredTokenCheck]) -> bool:
    """Print what the checkpoints' RFC 3161 tokens show; False if any does not verify."""
    bad = [check for check in checks if check.facts is None]
    for check in bad[:MAX_FINDINGS_SHOWN]:
        problem = f"TIMESTAMP INVALID: checkpoint {check.tree_size}: {check.problem}"
        console.stderr().print(problem, markup=False)
    good = [check.facts for check in checks if check.facts is not None]
    if good:
        latest = good[-1]
        typer.echo(
            f"timestamps: {len(good)} checkpoint tokens verify; latest genTime "
            f"{latest.gen_time.isoformat()} by {latest.tsa_subject} "
            f"(certificate SHA-256 {latest.tsa_cert_sha256})"
        )
    return not bad


@contextmanager
def _database(settings: Settings) -> Iterator[str]:
    url, embedded = database_url(settings)
    try:
        yield url
    finally:
        if embedded is not None:
            embedded.stop()


@contextmanager
def _blob_store(settings: Settings, url: str) -> Iterator[BlobStore]:
    pool = open_pool(url, 1, name="verify-blobs")
    try:
        yield open_blob_store(settings.blob_store, settings.blob_path, pool)
    finally:
        pool.close()


def _published_key_history(settings: Settings) -> dict[str, Any] | None:
    try:
        return published_key_history(settings.signing_key_path)
    except KeyFileError as error:
        raise _fail(str(error)) from None


def _own_verifier_key(settings: Settings, history: dict[str, Any] | None) -> str:
    """The first key of the key history (trust flows from it through the rotations), or the key file's."""
    if history is not None:
        try:
            return str(history["keys"][0]["verifier_key"])
        except (KeyError, IndexError, TypeError):
            raise _fail("the key history names no first key; pass the published key with --key") from None
    try:
        return SigningKey.load(settings.signing_key_path).verifier_key(settings.log_origin)
    except KeyFileError as error:
        raise _fail(f"{error}; pass the published key with --key") from None


def _key_text(argument: str) -> str:
    text = Path(argument[1:]).read_text(encoding="utf-8").strip() if argument.startswith("@") else argument
    try:
        parse_verifier_key(text)
    except ValueError as error:
        raise typer.BadParameter(f"not a verifier key: {error}", param_hint="--key") from None
    return text


@cli.command("public-key")
def public_key(
    history: Annotated[
        bool, typer.Option("--history", help="Print the key history (keys.json): which key was valid when")
    ] = False,
) -> None:
    """Print the verifier key of the checkpoint signing key (what `verifier.py --key` takes)."""
    with _services() as services:
        if history:
            typer.echo(json.dumps(services.integrity.key_history_document(), indent=2))
        else:
            typer.echo(services.integrity.verifier_key)


@cli.command("rotate-key")
def rotate_key() -> None:
    """Make a new key sign every checkpoint from now on, introduced by the current key.

    Checkpoints signed so far stay verifiable with the old key; the key history (`public-key --history`)
    says from which tree size the new key is valid. Prints the new verifier key and its fingerprint:
    publish both.
    """
    settings = Settings()
    first_key = settings.signing_key_path
    if not first_key.exists() and _published_key_history(settings) is None:
        raise _fail(f"no signing key at {first_key}: there is no key to rotate yet")
    if not os.access(first_key.parent, os.W_OK | os.X_OK):
        raise _fail(f"the signing key folder {first_key.parent} is not writable: no key was rotated")
    try:
        with _services() as services:
            services.integrity.rotate_key()
            current = services.integrity.key_history_document()["keys"][-1]
    except (KeyFileError, OSError) as error:
        raise _fail(f"no key was rotated: {error}") from None
    typer.echo(current["verifier_key"])
    typer.echo(f"fingerprint {current['fingerprint']}")
    typer.echo(f"first-tree-size {current['first_tree_size']}")


@proof_cli.command("inclusion")
def inclusion_proof(
    position: Annotated[int, typer.Argument(help="The event's position (notification id)")],
    tree_size: Annotated[int | None, typer.Option(help="The checkpoint's size; default the latest")] = None,
) -> None:
    """Print the JSON proof that an event is in a signed checkpoint."""
    with _services() as services:
        _print_proof(services.integrity.inclusion_proof, position, tree_size)


@proof_cli.command("consistency")
def consistency_proof(
    old_size: Annotated[int, typer.Argument(help="The earlier checkpoint's tree size")],
    new_size: Annotated[int | None, typer.Argument(help="The later one's; default the latest")] = None,
) -> None:
    """Print the JSON proof that a later signed checkpoint extends an earlier one."""
    with _services() as services:
        _print_proof(services.integrity.consistency_proof, old_size, new_size)


def _print_proof(make: Callable[..., dict[str, Any]], *args: Any) -> None:
    try:
        document = make(*args)
    except ProofUnavailable as unavailable:
        raise _fail(str(unavailable)) from None
    typer.echo(json.dumps(document, indent=2))


# -- data subjects ----------------------------------------------------------------------------------

SubjectArgument = Annotated[UUID, typer.Argument(help="The data subject's UUID (a case's contact names it)")]
AsUser = Annotated[str, typer.Option("--as", help="The user who acts: an existing user, whose roles decide")]


@cli.command("erase-subject")
def erase_subject(
    subject_id: SubjectArgument,
    as_user: AsUser,
    reason: Annotated[
        str | None,
        typer.Option(help="Request the erasure first, saying why (no personal data); a manager approves it"),
    ] = None,
) -> None:
    """Erase a data subject's personal data by destroying their key, once a manager approved it.

    With --reason and no erasure requested yet, this records the request instead; a manager then runs
    `aftersales approve-erasure ID --as MANAGER_ID`, and this command is run again to carry it out.
    """
    with _services() as services:
        caller = _acting_user(services, as_user)
        erasures = Erasures(services.ledger, services.subject_keys, services.read_access)
        if reason is not None and services.ledger.find(erasure_id(subject_id)) is None:
            _refused_unless(lambda: erasures.request(caller, subject_id, reason))
            typer.echo(
                f"erasure of data subject {subject_id} requested; a manager must approve it: "
                f"aftersales approve-erasure {subject_id} --as MANAGER_ID, then run erase-subject again"
            )
            return
        _refused_unless(lambda: erasures.erase(caller, subject_id))
    typer.echo(
        f"erased: the key of data subject {subject_id} is destroyed; their personal data reads as "
        f"{ERASED!r} everywhere, and every event and proof still verifies"
    )


@cli.command("approve-erasure")
def approve_erasure(subject_id: SubjectArgument, as_user: AsUser) -> None:
    """Approve a requested erasure of a data subject's personal data (a manager other than the requester)."""
    with _services() as services:
        caller = _acting_user(services, as_user)
        erasures = Erasures(services.ledger, services.subject_keys, services.read_access)
        _refused_unless(lambda: erasures.approve(caller, subject_id))
    typer.echo(
        f"erasure of data subject {subject_id} approved; compliance carries it out: "
        f"aftersales erase-subject {subject_id} --as COMPLIANCE_ID"
    )


def _acting_user(services: Services, user_id: str) -> Caller:
    found = [u for u in services.users.list() if u.id == user_id and u.revoked_at is None]
    if not found:
        raise _fail(f"no active user {user_id}")
    return Caller(found[0].id, found[0].roles)


def _refused_unless(command: Callable[[], Any]) -> None:
    """Run the use case; a refusal (a role, a rule, a legal hold) ends the command with its reason."""
    try:
        command()
    except ErasureNotRequested as missing:
        raise _fail(f"{missing}; request it with --reason TEXT") from None
    except (ApplicationError, DomainError) as refused:
        raise _fail(str(refused)) from None


# -- evidence bundles -------------------------------------------------------------------------------


class BundleFormat(Enum):
    ZIP = "zip"
    TAR_GZ = "tar.gz"


@cli.command("export")
def export_bundle(
    case: Annotated[str, typer.Argument(help="The case's UUID or its number, e.g. AS-2026-000001")],
    purpose: Annotated[str, typer.Option(help="Why the case leaves the company, e.g. an arbitration")],
    matter: Annotated[str, typer.Option(help="The legal matter (file reference) it is exported under")],
    as_user: AsUser,
    out: Annotated[Path, typer.Option(help="The archive to write", dir_okay=False)],
    bundle_format: Annotated[BundleFormat, typer.Option("--format", help="The archive's format")] = (
        BundleFormat.ZIP
    ),
) -> None:
    """Export a case's evidence bundle for arbitration or court (docs/evidence-bundle.md), as compliance.

    The export is recorded as the case's last event; `python -m infra.verify_bundle` checks the bundle.
    """
    partial_file = out.with_name(out.name + ".partial")
    with _services() as services:
        case_id = _case_id(services, case)
        if case_id is None:
            raise _fail(f"no case {case}")
        caller = _acting_user(services, as_user)
        asked = BundleRequest(purpose, matter, bundle_format.value)
        try:
            with open(partial_file, "wb") as archive, console.progress_bar("exporting bundle") as progress:
                export = evidence_bundles(services).export(caller, case_id, asked, archive, progress)
        except (ApplicationError, DomainError) as refused:
            partial_file.unlink(missing_ok=True)
            raise _fail(str(refused)) from None
    partial_file.replace(out)
    typer.echo(f"bundle {export.bundle_id} of {export.case_number} (head version {export.head_version})")
    typer.echo(f"written to {out}")


def main() -> None:
    # SIGTERM ends the process like Ctrl-C, so that cleanup (stopping embedded PostgreSQL) runs.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    cli()

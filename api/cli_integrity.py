"""The command line's tamper-evidence commands: sign a checkpoint, verify everything, keys and proofs."""

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from api import console
from api.bootstrap import database_url
from api.command_line import fail, running_services, start_logging
from application.ports import BlobStore
from infra import verification
from infra.blobs import open_blob_store
from infra.database import open_pool
from infra.integrity import CheckpointFile, ProofUnavailable
from infra.settings import Settings
from infra.signing import KeyFileError, SigningKey, published_key_history
from infra.timestamping import StoredTokenCheck, check_stored_tokens
from infra.verifier import parse_verifier_key

integrity_cli = typer.Typer()
proof_cli = typer.Typer(help="Proofs as JSON documents that infra/verifier.py checks.", no_args_is_help=True)
integrity_cli.add_typer(proof_cli, name="proof")


# -- tamper evidence ------------------------------------------------------------------------------


@integrity_cli.command()
def checkpoint() -> None:
    """Bring the Merkle leaves up to date and sign a checkpoint of every event so far, now."""
    with running_services() as services:
        services.integrity_runner.catch_up()
        signed = services.integrity.checkpoint()
        # With a TSA configured, it stamps this and any earlier unstamped checkpoint; if it does not
        # answer, that is logged and the checkpoint stands without a token until a later try.
        services.timestamps.stamp_pending()
    if signed is None:
        raise fail("no events yet: nothing to sign")
    typer.echo(signed.note, nl=False)


@integrity_cli.command()
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
    start_logging(settings)
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
        raise fail(str(error)) from None


def _own_verifier_key(settings: Settings, history: dict[str, Any] | None) -> str:
    """The first key of the key history (trust flows from it through the rotations), or the key file's."""
    if history is not None:
        try:
            return str(history["keys"][0]["verifier_key"])
        except (KeyError, IndexError, TypeError):
            raise fail("the key history names no first key; pass the published key with --key") from None
    try:
        return SigningKey.load(settings.signing_key_path).verifier_key(settings.log_origin)
    except KeyFileError as error:
        raise fail(f"{error}; pass the published key with --key") from None


def _key_text(argument: str) -> str:
    text = Path(argument[1:]).read_text(encoding="utf-8").strip() if argument.startswith("@") else argument
    try:
        parse_verifier_key(text)
    except ValueError as error:
        raise typer.BadParameter(f"not a verifier key: {error}", param_hint="--key") from None
    return text


@integrity_cli.command("public-key")
def public_key(
    history: Annotated[
        bool, typer.Option("--history", help="Print the key history (keys.json): which key was valid when")
    ] = False,
) -> None:
    """Print the verifier key of the checkpoint signing key (what `verifier.py --key` takes)."""
    with running_services() as services:
        if history:
            typer.echo(json.dumps(services.integrity.key_history_document(), indent=2))
        else:
            typer.echo(services.integrity.verifier_key)


@integrity_cli.command("rotate-key")
def rotate_key() -> None:
    """Make a new key sign every checkpoint from now on, introduced by the current key.

    Checkpoints signed so far stay verifiable with the old key; the key history (`public-key --history`)
    says from which tree size the new key is valid. Prints the new verifier key and its fingerprint:
    publish both.
    """
    settings = Settings()
    first_key = settings.signing_key_path
    if not first_key.exists() and _published_key_history(settings) is None:
        raise fail(f"no signing key at {first_key}: there is no key to rotate yet")
    if not os.access(first_key.parent, os.W_OK | os.X_OK):
        raise fail(f"the signing key folder {first_key.parent} is not writable: no key was rotated")
    try:
        with running_services() as services:
            services.integrity.rotate_key()
            current = services.integrity.key_history_document()["keys"][-1]
    except (KeyFileError, OSError) as error:
        raise fail(f"no key was rotated: {error}") from None
    typer.echo(current["verifier_key"])
    typer.echo(f"fingerprint {current['fingerprint']}")
    typer.echo(f"first-tree-size {current['first_tree_size']}")


@proof_cli.command("inclusion")
def inclusion_proof(
    position: Annotated[int, typer.Argument(help="The event's position (notification id)")],
    tree_size: Annotated[int | None, typer.Option(help="The checkpoint's size; default the latest")] = None,
) -> None:
    """Print the JSON proof that an event is in a signed checkpoint."""
    with running_services() as services:
        _print_proof(services.integrity.inclusion_proof, position, tree_size)


@proof_cli.command("consistency")
def consistency_proof(
    old_size: Annotated[int, typer.Argument(help="The earlier checkpoint's tree size")],
    new_size: Annotated[int | None, typer.Argument(help="The later one's; default the latest")] = None,
) -> None:
    """Print the JSON proof that a later signed checkpoint extends an earlier one."""
    with running_services() as services:
        _print_proof(services.integrity.consistency_proof, old_size, new_size)


def _print_proof(make: Callable[..., dict[str, Any]], *args: Any) -> None:
    try:
        document = make(*args)
    except ProofUnavailable as unavailable:
        raise fail(str(unavailable)) from None
    typer.echo(json.dumps(document, indent=2))

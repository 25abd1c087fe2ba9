"""The command line's compliance commands: export a case's evidence bundle, erase a data subject."""

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer

from api import console
from api.bootstrap import evidence_bundles
from api.command_line import AsUser, acting_user, fail, find_case_id, running_services
from application.erasure import Erasures
from application.errors import ApplicationError, ErasureNotRequested
from application.evidence_bundles import BundleRequest
from domain.case_values import ERASED
from domain.erasure import erasure_id
from domain.errors import DomainError

compliance_cli = typer.Typer()


# -- data subjects ----------------------------------------------------------------------------------

SubjectArgument = Annotated[UUID, typer.Argument(help="The data subject's UUID (a case's contact names it)")]


@compliance_cli.command("erase-subject")
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
    with running_services() as services:
        caller = acting_user(services, as_user)
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


@compliance_cli.command("approve-erasure")
def approve_erasure(subject_id: SubjectArgument, as_user: AsUser) -> None:
    """Approve a requested erasure of a data subject's personal data (a manager other than the requester)."""
    with running_services() as services:
        caller = acting_user(services, as_user)
        erasures = Erasures(services.ledger, services.subject_keys, services.read_access)
        _refused_unless(lambda: erasures.approve(caller, subject_id))
    typer.echo(
        f"erasure of data subject {subject_id} approved; compliance carries it out: "
        f"aftersales erase-subject {subject_id} --as COMPLIANCE_ID"
    )


def _refused_unless(command: Callable[[], Any]) -> None:
    """Run the use case; a refusal (a role, a rule, a legal hold) ends the command with its reason."""
    try:
        command()
    except ErasureNotRequested as missing:
        raise fail(f"{missing}; request it with --reason TEXT") from None
    except (ApplicationError, DomainError) as refused:
        raise fail(str(refused)) from None


# -- evidence bundles -------------------------------------------------------------------------------


class BundleFormat(Enum):
    ZIP = "zip"
    TAR_GZ = "tar.gz"


@compliance_cli.command("export")
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
    with running_services() as services:
        case_id = find_case_id(services, case)
        if case_id is None:
            raise fail(f"no case {case}")
        caller = acting_user(services, as_user)
        asked = BundleRequest(purpose, matter, bundle_format.value)
        try:
            with open(partial_file, "wb") as archive, console.progress_bar("exporting bundle") as progress:
                export = evidence_bundles(services).export(caller, case_id, asked, archive, progress)
        except (ApplicationError, DomainError) as refused:
            partial_file.unlink(missing_ok=True)
            raise fail(str(refused)) from None
    partial_file.replace(out)
    typer.echo(f"bundle {export.bundle_id} of {export.case_number} (head version {export.head_version})")
    typer.echo(f"written to {out}")

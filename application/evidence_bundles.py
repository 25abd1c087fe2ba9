"""Exporting a case's evidence bundle for arbitration or court (docs/evidence-bundle.md).

The use case authorises the export, records it as an event of the case (`EvidenceBundleExported`,
which states the case's version before it and the heads of the case's other streams: what the
bundle holds, and that it holds all of it), records the read in the access log, and hands the
assembler (infra) what the bag is built from. The export is a fact even if writing the archive fails
afterwards: a new export is a new bundle.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import takewhile
from typing import Any, BinaryIO, Protocol
from uuid import UUID, uuid4

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.history import ReplayStep, replay_steps
from application.ledger import Caller, CaseLedger
from application.ports import CaseInspections, CaseReturns
from domain.actor import Actor
from domain.case import Case
from domain.errors import InvalidValue
from domain.evidence import Attachment
from domain.followup import follow_up_id
from domain.liability_determination import determination_id
from domain.repair import repair_id
from domain.settlement import settlement_id
from domain.supervision import complaint_review_id

BUNDLE_FORMATS = ("zip", "tar.gz")

# `(done, total)`: how far the assembler has come.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BundleRequest:
    purpose: str
    legal_matter: str
    format: str = "zip"


@dataclass(frozen=True)
class RecordedExport:
    """The export event as recorded: what the bag must hold and what its custody record says."""

    bundle_id: UUID
    case_id: UUID
    case_number: str
    head_version: int  # the case's version before the export event
    stream_heads: dict[UUID, int]  # every other stream of the case, by its head version at export
    exported_by: Actor
    exported_at: datetime
    purpose: str
    legal_matter: str
    format: str

    @property
    def export_version(self) -> int:
        """The export event's own version in the case's stream."""
        return self.head_version + 1


@dataclass(frozen=True)
class CaseFile:
    """What the human-readable reports show, as it stood at the export."""

    export: RecordedExport
    timeline: list[ReplayStep]  # the case's events 1..export_version, each with what it changed
    related: dict[UUID, list[Any]]  # the events of each other stream up to its stated head
    attachments: list[Attachment]  # the case's evidence, superseded pieces included


class CaseCorrectiveActions(Protocol):
    def of_case(self, case_id: UUID) -> list[UUID]:
        """Ids of the case's corrective actions (a read model's answer)."""
        ...


class BundleAssembler(Protocol):
    def write(
        self, export: RecordedExport, reports: dict[str, str], out: BinaryIO, progress: Progress | None
    ) -> None:
        """Build the bag of `export` (with the report files `reports`, by file name) and write it to
        `out` as an archive of `export.format`."""
        ...


class CaseReports(Protocol):
    def __call__(self, case_file: CaseFile) -> dict[str, str]:
        """The human-readable reports, by file name (e.g. `case-report.en.html`), as text."""
        ...


@dataclass(frozen=True)
class CaseStreams:
    """Where the case's other streams are found: by id derived from the case, or in the read models."""

    catch_up: Callable[[], object]  # brings the read models up to every event recorded so far
    inspections: CaseInspections
    returns: CaseReturns
    actions: CaseCorrectiveActions

    def of_case(self, case_id: UUID) -> list[UUID]:
        self.catch_up()
        one_per_case = (determination_id, settlement_id, repair_id, follow_up_id, complaint_review_id)
        return [
            *(make_id(case_id) for make_id in one_per_case),
            *self.inspections.of_case(case_id),
            *self.returns.of_case(case_id),
            *self.actions.of_case(case_id),
        ]


class EvidenceBundles:
    def __init__(
        self,
        ledger: CaseLedger,
        read_access: ReadAccess,
        streams: CaseStreams,
        assembler: BundleAssembler,
        reports: CaseReports,
    ) -> None:
        self.ledger = ledger
        self.read_access = read_access
        self.streams = streams
        self.assembler = assembler
        self.reports = reports

    def export(
        self,
        caller: Caller,
        case_id: UUID,
        request: BundleRequest,
        out: BinaryIO,
        progress: Progress | None = None,
        request_id: str | None = None,
    ) -> RecordedExport:
        """Record the export of the case's bundle and write the bundle to `out`."""
        # Each export is its own fact and its own bundle: no If-Match, no replay of an earlier answer.
        caller = replace(caller, expected_version=None, idempotency=None)
        actor = authorise(Command.EXPORT_EVIDENCE_BUNDLE, caller.user_id, caller.roles)
        if request.format not in BUNDLE_FORMATS:
            raise InvalidValue(f"format must be one of {', '.join(BUNDLE_FORMATS)}", field="format")
        self.ledger.get_case(case_id)  # an unknown case is refused before anything is recorded
        related = self._related(case_id)
        export = self._record(caller, actor, case_id, request, {a.id: a.version for a in related})
        reader = Reader(caller.user_id, caller.roles, request_id)
        self.read_access.open(reader, ReadKind.CASE_HISTORY, [case_id])
        self.assembler.write(export, self.reports(self._case_file(export)), out, progress)
        return export

    def _case_file(self, export: RecordedExport) -> CaseFile:
        """What the reports show: the case and its other streams up to their stated heads."""
        case_id = export.case_id
        related = {i: list(self.ledger.events.get(i, lte=head)) for i, head in export.stream_heads.items()}
        case = self.ledger.get_case(case_id, version=export.export_version)
        attachments = list(case.attachments.values())
        return CaseFile(export, self._timeline(case_id, export.export_version), related, attachments)

    def _related(self, case_id: UUID) -> list[Any]:
        """The aggregate of each other stream of the case that has events, as it is now."""
        found = (self.ledger.find(stream_id) for stream_id in self.streams.of_case(case_id))
        return [aggregate for aggregate in found if aggregate is not None]

    def _record(
        self, caller: Caller, actor: Actor, case_id: UUID, request: BundleRequest, heads: dict[UUID, int]
    ) -> RecordedExport:
        bundle_id = uuid4()
        decided: dict[str, Any] = {}

        def decide(case: Case, now: datetime) -> None:
            # A retry after a concurrent change decides again: the last decision is the one saved.
            decided.update(head_version=case.version, number=case.number, at=now)
            case.record_evidence_export(
                str(bundle_id),
                {str(stream_id): head for stream_id, head in heads.items()},
                request.purpose,
                request.legal_matter,
                request.format,
                actor,
                now,
            )

        self.ledger.run_command(caller, lambda: self.ledger.get_case(case_id), decide)
        return RecordedExport(
            bundle_id=bundle_id,
            case_id=case_id,
            case_number=decided["number"],
            head_version=decided["head_version"],
            stream_heads=heads,
            exported_by=actor,
            exported_at=decided["at"],
            purpose=request.purpose,
            legal_matter=request.legal_matter,
            format=request.format,
        )

    def _timeline(self, case_id: UUID, last_version: int) -> list[ReplayStep]:
        replayed: Iterable[tuple[Any, Case]] = takewhile(
            lambda step: bool(step[0].originator_version <= last_version), self.ledger.replay(case_id)
        )
        return list(replay_steps(replayed))

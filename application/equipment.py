"""Installed-unit use cases: register a unit, import many (all or nothing), record a periodic inspection
visit, and read a unit with its inspection schedule.

A unit lives in the ledger's event store beside cases, a stream of its own whose id is derived from its
serial number (`domain.equipment.installed_unit_id`). An import validates every row before it saves
anything, and then saves every unit in one transaction, or none, as a shipment import does.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import (
    AlreadyRecorded,
    ApplicationError,
    UnitNotFound,
    VersionConflict,
)
from application.imports import ImportResult, RowRejection, import_all
from application.ledger import Caller, CaseLedger, CommandResult
from domain.actor import Actor
from domain.equipment import (
    InspectionSchedule,
    InstalledUnit,
    WarrantyTerms,
    inspection_due_dates,
    installed_unit_id,
)
from domain.errors import DomainError, InvalidValue


@dataclass(frozen=True)
class UnitEntry:
    """A unit as a client sends it."""

    customer_id: str
    model: str
    serial_number: str
    site: str
    region: str
    accepted_at: datetime
    warranty: tuple[WarrantyTerms, ...]
    inspection_interval_months: int | None = None
    service_contract: str | None = None  # the contract number whose service policy applies


@dataclass(frozen=True)
class UnitImportRow:
    """One row of an import: the entry, or what made it unreadable (then `entry` is None)."""

    row: int
    entry: UnitEntry | None
    problems: tuple[RowRejection, ...] = ()


@dataclass(frozen=True)
class UnitView:
    """A unit as read: what it recorded, and its periodic inspections as they stand now."""

    unit: InstalledUnit
    schedule: InspectionSchedule
    read_at: datetime


class InstalledUnits:
    """Installed units, with If-Match and Idempotency-Key as for cases."""

    def __init__(self, ledger: CaseLedger, read_access: ReadAccess) -> None:
        self.ledger = ledger
        self.read_access = read_access

    # -- reading ----------------------------------------------------------------------------------

    def unit(self, unit_uuid: UUID, field: str = "id") -> InstalledUnit:
        found = self.ledger.find(unit_uuid)
        # Cases, shipments, units… share one store: another kind's id is no unit's.
        if not isinstance(found, InstalledUnit):
            raise UnitNotFound(f"no installed unit with id {unit_uuid}", field)
        return found

    def unit_by_serial(self, serial_number: str, field: str = "serial_number") -> InstalledUnit:
        try:
            return self.unit(installed_unit_id(serial_number))
        except UnitNotFound:
            raise UnitNotFound(f"no installed unit with serial number {serial_number}", field) from None

    def read(self, reader: Reader, unit_uuid: UUID) -> UnitView:
        """The unit and its inspection schedule now; the read is recorded (naming no case)."""
        self.read_access.open(reader, ReadKind.INSTALLED_UNIT, [])
        unit = self.unit(unit_uuid)
        now = self.ledger.clock.now()
        return UnitView(unit, inspection_due_dates(unit, unit.inspections_done, now), now)

    # -- commands ---------------------------------------------------------------------------------

    def register(self, caller: Caller, entry: UnitEntry) -> CommandResult:
        actor = authorise(Command.REGISTER_UNIT, caller.user_id, caller.roles)

        def make(now: datetime) -> InstalledUnit:
            self._require_new(entry)
            return _unit(entry, actor, now)

        return self.ledger.create(caller, make)

    def record_inspection(
        self, caller: Caller, unit_uuid: UUID, visited_at: datetime, findings: str
    ) -> CommandResult:
        """A periodic inspection visit was done: it meets the due dates it falls in."""
        actor = authorise(Command.RECORD_UNIT_INSPECTION, caller.user_id, caller.roles)
        return self.ledger.run_command(
            caller,
            lambda: self.unit(unit_uuid),
            lambda unit, now: unit.record_inspection(visited_at, findings, actor, now),
            "unit",
        )

    def import_units(self, caller: Caller, rows: Sequence[UnitImportRow]) -> ImportResult:
        """Register every row's unit in one transaction, or none: `ImportRejected` lists every refusal."""
        actor = authorise(Command.REGISTER_UNIT, caller.user_id, caller.roles)
        raced = VersionConflict(
            "a unit of this import was registered at the same time; nothing was imported, retry",
            field="serial_number",
        )
        return import_all(
            self.ledger,
            caller,
            len(rows),
            lambda: self._validated(rows, actor, self.ledger.clock.now()),
            raced,
        )

    def _validated(
        self, rows: Sequence[UnitImportRow], actor: Actor, now: datetime
    ) -> tuple[list[InstalledUnit], list[RowRejection]]:
        units: list[InstalledUnit] = []
        rejected: list[RowRejection] = []
        first_row_of: dict[UUID, int] = {}
        for row in rows:
            if row.entry is None:
                rejected += row.problems
                continue
            entry = row.entry
            try:
                key = installed_unit_id(entry.serial_number)
                if key in first_row_of:
                    raise InvalidValue(
                        f"unit {entry.serial_number} is in row {first_row_of[key]} already", "serial_number"
                    )
                first_row_of[key] = row.row
                self._require_new(entry)
                units.append(_unit(entry, actor, now))
            except (DomainError, ApplicationError) as refused:
                rejected.append(RowRejection(row.row, refused.field or "row", str(refused)))
        return units, rejected

    def _require_new(self, entry: UnitEntry) -> None:
        key = installed_unit_id(entry.serial_number)
        if key in self.ledger.repository:
            raise AlreadyRecorded(
                f"unit {entry.serial_number} is registered already (id {key})", "serial_number"
            )


def _unit(entry: UnitEntry, actor: Actor, now: datetime) -> InstalledUnit:
    return InstalledUnit.register(
        customer_id=entry.customer_id,
        model=entry.model,
        serial_number=entry.serial_number,
        site=entry.site,
        region=entry.region,
        accepted_at=entry.accepted_at,
        warranty=entry.warranty,
        inspection_interval_months=entry.inspection_interval_months,
        by=actor,
        now=now,
        service_contract=entry.service_contract,
    )

"""Contract and shipment use cases: register a contract, record a shipment or its arrival, import many.

Contracts and shipments live in the ledger's event store beside cases, each a stream of its own whose id
is derived from its business key (`domain.shipment.contract_id`, `shipment_id`). An import validates every
row before it saves anything, and then saves every shipment in one transaction, or none.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

from application.authorization import Command, authorise
from application.errors import (
    AlreadyRecorded,
    ApplicationError,
    ContractNotFound,
    ShipmentNotFound,
    VersionConflict,
)
from application.imports import ImportResult, RowRejection, import_all
from application.ledger import Caller, CaseLedger, CommandResult
from domain.actor import Actor
from domain.deadlines import StepLimits
from domain.errors import DomainError, InvalidValue
from domain.measurement import Measurement
from domain.pricing import PriceRule, UnitPrice
from domain.shipment import (
    CertifiedValue,
    Contract,
    QualityCertificate,
    Shipment,
    TransitLossAllowance,
    TransportMode,
    contract_id,
    shipment_id,
)
from domain.specification import ObjectionWindows, QualitySpecification

_Loaded = TypeVar("_Loaded", Contract, Shipment)


@dataclass(frozen=True)
class ContractTerms:
    number: str
    customer_id: str
    product: str
    grade: str
    specification: QualitySpecification
    objection_windows: ObjectionWindows
    unit_price: UnitPrice
    price_rule: PriceRule
    transit_loss: tuple[TransitLossAllowance, ...] = ()
    step_limits: StepLimits | None = None  # None: the defaults


@dataclass(frozen=True)
class CertifiedEntry:
    """A certified value as sent; without a unit it is in the unit the contract specifies it in."""

    parameter: str
    value: Decimal
    unit: str | None = None


@dataclass(frozen=True)
class ShipmentEntry:
    """A shipment as a client sends it: figures still plain numbers in the units named."""

    reference: str
    contract_id: UUID
    quantity: Decimal
    unit: str
    weighbridge_ticket: str
    dispatch_weight: Decimal
    certificate_issuer: str
    certificate_number: str
    certified: tuple[CertifiedEntry, ...]
    transport_mode: TransportMode
    carrier: str
    dispatched_at: datetime
    arrived_at: datetime | None = None


@dataclass(frozen=True)
class ImportRow:
    """One row of an import: the entry, or what made it unreadable (then `entry` is None)."""

    row: int
    entry: ShipmentEntry | None
    problems: tuple[RowRejection, ...] = ()


class Shipments:
    """Contracts and shipments, with If-Match and Idempotency-Key as for cases."""

    def __init__(self, ledger: CaseLedger) -> None:
        self.ledger = ledger

    # -- reading ----------------------------------------------------------------------------

    def contract(self, contract_uuid: UUID) -> Contract:
        return self._load(contract_uuid, Contract, ContractNotFound("no contract with this id", field="id"))

    def shipment(self, shipment_uuid: UUID) -> Shipment:
        return self._load(shipment_uuid, Shipment, ShipmentNotFound("no shipment with this id", field="id"))

    def _load(self, aggregate_id: UUID, kind: type[_Loaded], missing: ApplicationError) -> _Loaded:
        found = self.ledger.find(aggregate_id)
        # Cases, grants, contracts and shipments share one store: one kind's id is no other kind's.
        if not isinstance(found, kind):
            raise missing
        return found

    # -- commands ---------------------------------------------------------------------------

    def register_contract(self, caller: Caller, terms: ContractTerms) -> CommandResult:
        actor = authorise(Command.REGISTER_CONTRACT, caller.user_id, caller.roles)

        def make(now: datetime) -> Contract:
            _require_new(self.ledger, contract_id(terms.number), f"contract {terms.number}", "number")
            return Contract.register(
                number=terms.number,
                customer_id=terms.customer_id,
                product=terms.product,
                grade=terms.grade,
                specification=terms.specification,
                objection_windows=terms.objection_windows,
                unit_price=terms.unit_price,
                price_rule=terms.price_rule,
                transit_loss=terms.transit_loss,
                by=actor,
                now=now,
                step_limits=terms.step_limits,
            )

        return self.ledger.create(caller, make)

    def record_shipment(self, caller: Caller, entry: ShipmentEntry) -> CommandResult:
        actor = authorise(Command.RECORD_SHIPMENT, caller.user_id, caller.roles)

        def make(now: datetime) -> Shipment:
            under = self._contract_of(entry)
            _require_new(
                self.ledger, shipment_id(entry.reference), f"shipment {entry.reference}", "reference"
            )
            return _shipment(entry, under, actor, now)

        return self.ledger.create(caller, make)

    def record_arrival(self, caller: Caller, shipment_uuid: UUID, arrived_at: datetime) -> CommandResult:
        actor = authorise(Command.RECORD_SHIPMENT, caller.user_id, caller.roles)
        return self.ledger.run_command(
            caller,
            lambda: self.shipment(shipment_uuid),
            lambda shipment, now: shipment.record_arrival(arrived_at, actor, now),
            "shipment",
        )

    def import_shipments(self, caller: Caller, rows: Sequence[ImportRow]) -> ImportResult:
        """Record every row's shipment in one transaction, or none: `ImportRejected` lists every refusal."""
        actor = authorise(Command.RECORD_SHIPMENT, caller.user_id, caller.roles)
        raced = VersionConflict(
            "a shipment of this import was recorded at the same time; nothing was imported, retry",
            field="reference",
        )
        return import_all(
            self.ledger,
            caller,
            len(rows),
            lambda: self._validated(rows, actor, self.ledger.clock.now()),
            raced,
        )

    def _validated(
        self, rows: Sequence[ImportRow], actor: Actor, now: datetime
    ) -> tuple[list[Shipment], list[RowRejection]]:
        shipments: list[Shipment] = []
        rejected: list[RowRejection] = []
        contracts: dict[UUID, Contract] = {}
        first_row_of: dict[UUID, int] = {}
        for row in rows:
            if row.entry is None:
                rejected += row.problems
                continue
            entry = row.entry
            try:
                if entry.contract_id not in contracts:
                    contracts[entry.contract_id] = self._contract_of(entry)
                key = shipment_id(entry.reference)
                if key in first_row_of:
                    raise InvalidValue(
                        f"shipment {entry.reference} is in row {first_row_of[key]} already", field="reference"
                    )
                first_row_of[key] = row.row
                _require_new(self.ledger, key, f"shipment {entry.reference}", "reference")
                shipments.append(_shipment(entry, contracts[entry.contract_id], actor, now))
            except (DomainError, ApplicationError) as refused:
                rejected.append(RowRejection(row.row, refused.field or "row", str(refused)))
        return shipments, rejected

    def _contract_of(self, entry: ShipmentEntry) -> Contract:
        try:
            return self.contract(entry.contract_id)
        except ContractNotFound:
            raise ContractNotFound(f"no contract with id {entry.contract_id}", field="contract_id") from None


def _require_new(ledger: CaseLedger, aggregate_id: UUID, what: str, field: str) -> None:
    if aggregate_id in ledger.repository:
        raise AlreadyRecorded(f"{what} is recorded already (id {aggregate_id})", field=field)


def _shipment(entry: ShipmentEntry, under: Contract, actor: Actor, now: datetime) -> Shipment:
    return Shipment.record(
        reference=entry.reference,
        contract=under,
        quantity=_measured(entry.quantity, entry.unit, "quantity"),
        weighbridge_ticket=entry.weighbridge_ticket,
        dispatch_weight=_measured(entry.dispatch_weight, entry.unit, "dispatch_weight"),
        certificate=_certificate(entry, under.specification),
        transport_mode=entry.transport_mode,
        carrier=entry.carrier,
        dispatched_at=entry.dispatched_at,
        arrived_at=entry.arrived_at,
        by=actor,
        now=now,
    )


def _certificate(entry: ShipmentEntry, spec: QualitySpecification) -> QualityCertificate:
    values = []
    for certified in entry.certified:
        field = f"certificate.values.{certified.parameter}"
        unit = certified.unit
        if unit is None:
            if certified.parameter not in spec.names:
                raise InvalidValue(
                    f"the contract does not specify {certified.parameter}: give its unit",
                    field=f"{field}.unit",
                )
            unit = spec.parameter(certified.parameter).unit
        values.append(CertifiedValue(certified.parameter, _measured(certified.value, unit, field)))
    return QualityCertificate(entry.certificate_issuer, entry.certificate_number, tuple(values))


def _measured(value: Decimal, unit: str, field: str) -> Measurement:
    try:
        return Measurement(value, unit)
    except InvalidValue as invalid:
        raise InvalidValue(str(invalid), field=field if invalid.field == "value" else "unit") from None

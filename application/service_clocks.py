"""Service commitments as use cases: register a contract's service policy and read it; compute a case's
service clocks from its events; and the `ClockWatch`, which raises `ClockAtRisk` / `ClockBreached` once per
clock per case, each escalated to the manager.

A case's clocks are a pure function (domain/clock_marks.py) of the case's and its repair's events, the
unit's region and service contract, and that contract's policy (the defaults without one). The read model
(projections/service_clocks.py) stores them; `CaseClocks` here is the fresh recomputation it must equal.

Two processes may watch at once: each loads the case's `ClockAlerts` stream, raises what is not raised yet
and saves at the next version; the event store's unique (originator_id, version) lets only one of two
concurrent saves in, and the loser's next round finds the alerts raised (docs/decisions.md).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import CaseNotFound, ServicePolicyNotFound
from application.ledger import Caller, CaseLedger, CommandResult
from application.watch import Watch
from domain.case import CaseType
from domain.clock_marks import (
    CaseFacts,
    RepairFacts,
    case_clocks,
    case_facts_after,
    facts_as_of,
    repair_facts_after,
)
from domain.commitments import (
    DEFAULT_POLICY,
    Clock,
    ClockAlerts,
    CommitmentPolicy,
    ServicePolicy,
    clock_alerts_id,
    service_policy_id,
)
from domain.equipment import InstalledUnit
from domain.repair import repair_id
from domain.service_clock import ClockReading

log = structlog.get_logger(__name__)

STEP = "service policy"
# How often the watch looks for clocks at risk or breached; the lead of a warning is hours, not seconds.
WATCH_SECONDS = 60.0


@dataclass(frozen=True)
class CaseClocks:
    """What a case's clocks are computed from, and the clocks at a moment."""

    case_id: UUID
    case: CaseFacts
    repair: RepairFacts | None
    unit_region: str | None
    service_contract: str | None
    policy: CommitmentPolicy
    last_alert_at: datetime | None

    @property
    def as_of(self) -> datetime:
        """The latest moment recorded about the case: the read model keeps the clocks as they stood then."""
        return facts_as_of(self.case, self.repair, [self.last_alert_at] if self.last_alert_at else [])

    def at(self, now: datetime) -> dict[Clock, ClockReading]:
        return case_clocks(self.policy, self.unit_region, self.case, self.repair, now)


def case_clocks_from_events(ledger: CaseLedger, case_id: UUID) -> CaseClocks | None:
    """The case's clock facts from the event store; None unless it is an equipment-fault case."""
    case_facts: CaseFacts | None = None
    is_equipment_fault = False
    for event in ledger.events.get(case_id):
        if type(event).__qualname__ == "Case.Registered":
            is_equipment_fault = getattr(event, "case_type", None) is CaseType.EQUIPMENT_FAULT
        case_facts = case_facts_after(case_facts, event)
    if case_facts is None or not is_equipment_fault:
        return None
    repair: RepairFacts | None = None
    for event in ledger.events.get(repair_id(case_id)):
        repair = repair_facts_after(repair, event)
    unit = ledger.find(repair.unit_id) if repair else None
    region = unit.region if isinstance(unit, InstalledUnit) else None
    contract = getattr(unit, "service_contract", None) if isinstance(unit, InstalledUnit) else None
    policy = ledger.find(service_policy_id(contract)) if contract else None
    alerts = ledger.find(clock_alerts_id(case_id))
    return CaseClocks(
        case_id=case_id,
        case=case_facts,
        repair=repair,
        unit_region=region,
        service_contract=contract,
        policy=policy.policy if isinstance(policy, ServicePolicy) else DEFAULT_POLICY,
        last_alert_at=alerts.last_raised_at if isinstance(alerts, ClockAlerts) else None,
    )


class ServicePolicies:
    """The service policy of each contract number: register or revise it, read it."""

    def __init__(self, ledger: CaseLedger, read_access: ReadAccess) -> None:
        self.ledger = ledger
        self.read_access = read_access

    def register(self, caller: Caller, contract_number: str, policy: CommitmentPolicy) -> CommandResult:
        """Register the contract's policy, or revise it if the contract has one (If-Match: its version)."""
        actor = authorise(Command.REGISTER_SERVICE_POLICY, caller.user_id, caller.roles)
        key = service_policy_id(contract_number)
        if key not in self.ledger.repository:
            return self.ledger.create(
                caller, lambda now: ServicePolicy.register(contract_number, policy, actor, now)
            )

        def revise(found: ServicePolicy, now: datetime) -> None:
            found.revise(policy, actor, now)

        return self.ledger.run_command(caller, lambda: self.policy(contract_number), revise, STEP)

    def read(self, reader: Reader, contract_number: str) -> ServicePolicy:
        self.read_access.open(reader, ReadKind.SERVICE_POLICY, [])
        return self.policy(contract_number)

    def policy(self, contract_number: str) -> ServicePolicy:
        found = self.ledger.find(service_policy_id(contract_number))
        if not isinstance(found, ServicePolicy):
            raise ServicePolicyNotFound(
                f"no service policy for contract {contract_number}: the default commitments apply",
                "contract_number",
            )
        return found


class ServiceClocks:
    """A case's service clocks, read through the case's gate."""

    def __init__(self, ledger: CaseLedger, read_access: ReadAccess) -> None:
        self.ledger = ledger
        self.read_access = read_access

    def open(self, reader: Reader, case_id: UUID) -> None:
        """Record the read of the case's clocks (refused without the right to read the case)."""
        self.ledger.get_case(case_id, field="case_id")  # an unknown case is 404 before the gate
        self.read_access.open(reader, ReadKind.SERVICE_CLOCKS, [case_id])

    def open_alerts(self, reader: Reader) -> None:
        self.read_access.open(reader, ReadKind.SERVICE_CLOCK_ALERTS, [])

    def now_of(self, case_id: UUID) -> dict[Clock, ClockReading]:
        """The case's clocks now, computed afresh from the events."""
        clocks = case_clocks_from_events(self.ledger, case_id)
        if clocks is None:
            raise CaseNotFound(f"case {case_id} is no equipment-fault case: it has no service clocks", "id")
        return clocks.at(self.ledger.clock.now())


class ClockWatch(Watch):
    """Raises the at-risk and breach alerts of the clocks the read model names as candidates.

    `candidates(now)` lists the cases whose stored clocks may be at risk or breached at `now` and were not
    alerted yet; each is computed afresh before anything is raised. Runs in a background thread every
    `every_seconds`, or once with `run_once` (tests, the CLI)."""

    name = "service_clocks"

    def __init__(
        self,
        ledger: CaseLedger,
        candidates: Callable[[datetime], Iterable[UUID]],
        every_seconds: float = WATCH_SECONDS,
    ) -> None:
        super().__init__(every_seconds)
        self.ledger = ledger
        self.candidates = candidates

    def run_once(self) -> int:
        """Raise what is due now; returns how many alerts were raised."""
        now = self.ledger.clock.now()
        raised = 0
        for case_id in self.candidates(now):
            raised += self._raise_for(case_id, now)
        return raised

    def _raise_for(self, case_id: UUID, now: datetime) -> int:
        clocks = case_clocks_from_events(self.ledger, case_id)
        if clocks is None:
            return 0
        found = self.ledger.find(clock_alerts_id(case_id))
        alerts = found if isinstance(found, ClockAlerts) else ClockAlerts.open(case_id, now)
        raised = alerts.raise_due(clocks.at(now), now)
        if not raised:
            return 0
        try:
            self.ledger.save(alerts)
        except IntegrityError:
            # Another watch saved this version first: its alerts stand, and the next round sees them.
            log.info("service_clocks.alert_raced", case_id=str(case_id))
            return 0
        log.info("service_clocks.alerted", case_id=str(case_id), raised=raised)
        return len(raised)

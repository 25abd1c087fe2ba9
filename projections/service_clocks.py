"""The service clocks read model (`service_clocks`, `service_clock_alerts`) and its queries.

Every event of an equipment-fault case, of its repair, of its clock alerts, of an installed unit or of a
service policy updates what the clocks are computed from (`service_clock_facts`, `service_clock_units`,
`service_clock_policies`, folded with the same domain functions the application uses); then the clocks of
every case it touched are computed again with `case_clocks` at the latest moment recorded about the case,
and its four rows written. A fresh recomputation from the event store must give the same rows
(tests/integration/test_service_clocks_read_model.py).
"""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from psycopg import Connection
from psycopg.types.json import Jsonb

from domain.case import CaseType
from domain.clock_marks import (
    CaseFacts,
    Closing,
    RepairFacts,
    case_clocks,
    case_facts_after,
    facts_as_of,
    repair_facts_after,
)
from domain.commitments import (
    COMMITMENT_NAMES,
    DEFAULT_POLICY,
    Commitment,
    CommitmentPolicy,
    OfficeCalendar,
    clock_alerts_id,
    paused_total,
)
from domain.repair import SitePause, repair_id
from domain.service_clock import ClockReading

NAME = "service_clocks"

_CASE_EVENTS = {
    "Case.Acknowledged",
    "Case.Closed",
    "Case.Withdrawn",
    "Case.Reopened",
    "Case.SatisfactionDeclared",
}
_REPAIR_EVENTS = {
    "Repair.Opened",
    "Repair.EngineerArrived",
    "Repair.WorkRecorded",
    "Repair.ServiceRecordSigned",
    "Repair.ClocksPaused",
    "Repair.ClocksResumed",
}


class ServiceClockProjection:
    name = NAME

    def apply(self, conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> None:
        """Apply (notification id, domain event) pairs inside the caller's transaction."""
        # Most cases are no equipment fault: one query per batch finds the few whose events matter,
        # instead of one per acknowledgement or closure (what keeps a rebuild fast).
        clocked = _clocked_cases(conn, events)
        touched: list[UUID] = []
        for _, event in events:
            if type(event).__qualname__ in _CASE_EVENTS and event.originator_id not in clocked:
                continue
            touched += self._record(conn, event)
        for case_id in dict.fromkeys(touched):
            _recompute(conn, case_id)

    def clear(self, conn: Connection[Any]) -> None:
        conn.execute(
            "TRUNCATE service_clock_facts, service_clock_units, service_clock_policies, service_clocks,"
            " service_clock_alerts"
        )

    def _record(self, conn: Connection[Any], event: Any) -> list[UUID]:
        """Update the facts the event changes; returns the cases whose clocks it may move."""
        kind = type(event).__qualname__
        if kind == "Case.Registered":
            return _case_registered(conn, event)
        if kind in _CASE_EVENTS:
            return _case_changed(conn, event)
        if kind in _REPAIR_EVENTS:
            return _repair_changed(conn, event)
        if kind == "InstalledUnit.Registered":
            return _unit_registered(conn, event)
        if kind in ("ServicePolicy.Registered", "ServicePolicy.Revised"):
            return _policy_recorded(conn, event)
        if kind in ("ClockAlerts.ClockAtRisk", "ClockAlerts.ClockBreached"):
            return _alert_raised(conn, event)
        return []


def _clocked_cases(conn: Connection[Any], events: Sequence[tuple[int, Any]]) -> set[UUID]:
    """The cases of the batch's case events that run clocks: equipment faults, known or registered now."""
    changed = {e.originator_id for _, e in events if type(e).__qualname__ in _CASE_EVENTS}
    registered = {
        e.originator_id
        for _, e in events
        if type(e).__qualname__ == "Case.Registered" and e.case_type is CaseType.EQUIPMENT_FAULT
    }
    if not changed - registered:
        return registered
    rows = conn.execute(
        "SELECT case_id FROM service_clock_facts WHERE case_id = ANY(%s)", (list(changed - registered),)
    ).fetchall()
    return registered | {row[0] for row in rows}


# -- the facts ----------------------------------------------------------------------------------------


def _case_registered(conn: Connection[Any], event: Any) -> list[UUID]:
    if event.case_type is not CaseType.EQUIPMENT_FAULT:
        return []
    case_id = event.originator_id
    facts = case_facts_after(None, event)
    assert facts is not None
    conn.execute(
        "INSERT INTO service_clock_facts (case_id, repair_id, alerts_id, case_facts)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (case_id) DO NOTHING",
        (case_id, repair_id(case_id), clock_alerts_id(case_id), Jsonb(_case_json(facts))),
    )
    return [case_id]


def _case_changed(conn: Connection[Any], event: Any) -> list[UUID]:
    row = conn.execute(
        "SELECT case_facts FROM service_clock_facts WHERE case_id = %s FOR UPDATE", (event.originator_id,)
    ).fetchone()
    if row is None:
        return []  # not an equipment-fault case
    facts = case_facts_after(_case_facts(row[0]), event)
    assert facts is not None
    conn.execute(
        "UPDATE service_clock_facts SET case_facts = %s WHERE case_id = %s",
        (Jsonb(_case_json(facts)), event.originator_id),
    )
    return [event.originator_id]


def _repair_changed(conn: Connection[Any], event: Any) -> list[UUID]:
    row = conn.execute(
        "SELECT case_id, repair_facts FROM service_clock_facts WHERE repair_id = %s FOR UPDATE",
        (event.originator_id,),
    ).fetchone()
    if row is None:
        return []
    case_id, stored = row
    facts = repair_facts_after(_repair_facts(stored) if stored else None, event)
    conn.execute(
        "UPDATE service_clock_facts SET repair_facts = %s WHERE case_id = %s",
        (Jsonb(_repair_json(facts)) if facts else None, case_id),
    )
    return [case_id]


def _unit_registered(conn: Connection[Any], event: Any) -> list[UUID]:
    conn.execute(
        "INSERT INTO service_clock_units (unit_id, region, service_contract) VALUES (%s, %s, %s)"
        " ON CONFLICT (unit_id) DO UPDATE SET region = EXCLUDED.region,"
        " service_contract = EXCLUDED.service_contract",
        (event.originator_id, event.region, getattr(event, "service_contract", None)),
    )
    rows = conn.execute(
        "SELECT case_id FROM service_clock_facts WHERE repair_facts->>'unit_id' = %s",
        (str(event.originator_id),),
    ).fetchall()
    return [row[0] for row in rows]


def _policy_recorded(conn: Connection[Any], event: Any) -> list[UUID]:
    key = _contract_key(event.contract_number) if hasattr(event, "contract_number") else None
    if key is None:
        row = conn.execute(
            "SELECT contract_key FROM service_clock_policies WHERE policy->>'stream_id' = %s",
            (str(event.originator_id),),
        ).fetchone()
        if row is None:
            return []
        key = row[0]
    stored = {**_policy_json(event.policy), "stream_id": str(event.originator_id)}
    conn.execute(
        "INSERT INTO service_clock_policies (contract_key, policy) VALUES (%s, %s)"
        " ON CONFLICT (contract_key) DO UPDATE SET policy = EXCLUDED.policy",
        (key, Jsonb(stored)),
    )
    rows = conn.execute(
        "SELECT DISTINCT case_id FROM service_clocks WHERE upper(btrim(service_contract)) = %s", (key,)
    ).fetchall()
    return [row[0] for row in rows]


def _alert_raised(conn: Connection[Any], event: Any) -> list[UUID]:
    row = conn.execute(
        "SELECT case_id FROM service_clock_facts WHERE alerts_id = %s", (event.originator_id,)
    ).fetchone()
    if row is None:
        return []
    case_id = row[0]
    is_breach = type(event).__qualname__ == "ClockAlerts.ClockBreached"
    breached_by = event.breached_by.total_seconds() if is_breach else None
    conn.execute(
        "INSERT INTO service_clock_alerts"
        " (case_id, clock, kind, due_at, breached_by_seconds, escalated_to, raised_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (case_id, clock, kind) DO NOTHING",
        (
            case_id,
            event.clock,
            "breached" if is_breach else "at_risk",
            event.due_at,
            breached_by,
            event.escalated_to,
            event.occurred_at,
        ),
    )
    conn.execute(
        "UPDATE service_clock_facts SET last_alert_at = greatest(last_alert_at, %s) WHERE case_id = %s",
        (event.occurred_at, case_id),
    )
    return [case_id]


# -- the clocks ---------------------------------------------------------------------------------------


def _recompute(conn: Connection[Any], case_id: UUID) -> None:
    row = conn.execute(
        "SELECT f.case_facts, f.repair_facts, f.last_alert_at, u.region, u.service_contract, p.policy"
        " FROM service_clock_facts f"
        " LEFT JOIN service_clock_units u ON u.unit_id = (f.repair_facts->>'unit_id')::uuid"
        " LEFT JOIN service_clock_policies p ON p.contract_key = upper(btrim(u.service_contract))"
        " WHERE f.case_id = %s",
        (case_id,),
    ).fetchone()
    if row is None:
        return
    stored_case, stored_repair, last_alert_at, region, contract, stored_policy = row
    case = _case_facts(stored_case)
    repair = _repair_facts(stored_repair) if stored_repair else None
    policy = _policy(stored_policy) if stored_policy else DEFAULT_POLICY
    as_of = facts_as_of(case, repair, [last_alert_at] if last_alert_at else [])
    for clock, reading in case_clocks(policy, region, case, repair, as_of).items():
        conn.execute(_UPSERT_CLOCK, (case_id, clock.value, *clock_row(reading, as_of), contract, as_of))


_UPSERT_CLOCK = """
INSERT INTO service_clocks (case_id, clock, state, started_at, due_at, at_risk_at, stopped_at, met,
    breached_by_seconds, working_seconds, paused_seconds, is_at_risk, pauses, service_contract, as_of)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (case_id, clock) DO UPDATE SET state = EXCLUDED.state, started_at = EXCLUDED.started_at,
    due_at = EXCLUDED.due_at, at_risk_at = EXCLUDED.at_risk_at, stopped_at = EXCLUDED.stopped_at,
    met = EXCLUDED.met, breached_by_seconds = EXCLUDED.breached_by_seconds,
    working_seconds = EXCLUDED.working_seconds, paused_seconds = EXCLUDED.paused_seconds,
    is_at_risk = EXCLUDED.is_at_risk, pauses = EXCLUDED.pauses,
    service_contract = EXCLUDED.service_contract, as_of = EXCLUDED.as_of
"""


def clock_row(reading: ClockReading, as_of: datetime) -> tuple[Any, ...]:
    """The stored columns of one reading, state to pauses (the test compares a recomputation with them)."""
    pauses = [
        {
            "started_at": p.started_at.isoformat(),
            "ended_at": p.ended_at.isoformat() if p.ended_at else None,
            "reason": p.reason,
        }
        for p in reading.pauses
    ]
    return (
        reading.state.value,
        reading.started_at,
        reading.due_at,
        reading.at_risk_at,
        reading.stopped_at,
        reading.met,
        reading.breached_by.total_seconds() if reading.breached_by is not None else None,
        reading.working_time.total_seconds(),
        paused_total(reading, as_of).total_seconds(),
        reading.is_at_risk,
        Jsonb(pauses),
    )


# -- the facts as JSON --------------------------------------------------------------------------------


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _case_json(facts: CaseFacts) -> dict[str, Any]:
    return {
        "opened_at": _iso(facts.opened_at),
        "acknowledged_at": _iso(facts.acknowledged_at),
        "closings": [[_iso(c.closed_at), _iso(c.reopened_at)] for c in facts.closings],
    }


def _case_facts(stored: dict[str, Any]) -> CaseFacts:
    opened_at = moment(stored["opened_at"])
    assert opened_at is not None
    return CaseFacts(
        opened_at=opened_at,
        acknowledged_at=moment(stored["acknowledged_at"]),
        closings=tuple(Closing(datetime.fromisoformat(c), moment(r)) for c, r in stored["closings"]),
    )


def _repair_json(facts: RepairFacts) -> dict[str, Any]:
    return {
        "unit_id": str(facts.unit_id),
        "arrived_at": _iso(facts.arrived_at),
        "work_started_at": _iso(facts.work_started_at),
        "fixed_at": _iso(facts.fixed_at),
        "fixing_visit": facts.fixing_visit,
        "signed_at": _iso(facts.signed_at),
        "pauses": [[_iso(p.paused_at), p.reason, _iso(p.resumed_at)] for p in facts.pauses],
    }


def _repair_facts(stored: dict[str, Any]) -> RepairFacts:
    return RepairFacts(
        unit_id=UUID(stored["unit_id"]),
        arrived_at=moment(stored["arrived_at"]),
        work_started_at=moment(stored["work_started_at"]),
        fixed_at=moment(stored["fixed_at"]),
        fixing_visit=stored["fixing_visit"],
        signed_at=moment(stored["signed_at"]),
        pauses=tuple(
            SitePause(datetime.fromisoformat(at), reason, moment(resumed))
            for at, reason, resumed in stored["pauses"]
        ),
    )


def _contract_key(contract_number: str) -> str:
    return contract_number.strip().upper()


def _policy_json(policy: CommitmentPolicy) -> dict[str, Any]:
    office = policy.office
    return {
        "home_regions": list(policy.home_regions),
        "is_local_service_contract": policy.is_local_service_contract,
        **{
            name: {
                "target": commitment.target.total_seconds(),
                "business_hours": commitment.business_hours,
                "at_risk_lead": commitment.at_risk_lead.total_seconds(),
            }
            for name, commitment in policy.commitments()
        },
        "office": {
            "time_zone": office.time_zone,
            "hours": list(office.hours),
            "weekdays": list(office.weekdays),
            "holidays": [d.isoformat() for d in office.holidays],
            "working_days": [d.isoformat() for d in office.working_days],
        }
        if office
        else None,
    }


def _policy(stored: dict[str, Any]) -> CommitmentPolicy:
    office = stored["office"]
    return CommitmentPolicy(
        home_regions=tuple(stored["home_regions"]),
        is_local_service_contract=stored["is_local_service_contract"],
        office=OfficeCalendar(
            office["time_zone"],
            tuple(office["hours"]),
            tuple(office["weekdays"]),
            tuple(date.fromisoformat(d) for d in office["holidays"]),
            tuple(date.fromisoformat(d) for d in office["working_days"]),
        )
        if office
        else None,
        **{
            name: Commitment(
                timedelta(seconds=stored[name]["target"]),
                stored[name]["business_hours"],
                timedelta(seconds=stored[name]["at_risk_lead"]),
            )
            for name in COMMITMENT_NAMES
        },
    )

"""Service commitments: the policy per contract and region, the marks of each clock from the case's and the
repair's facts, the repair's pauses, the alerts raised once per clock."""

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.actor import Actor, Role
from domain.clock_marks import CaseFacts, Closing, RepairFacts, case_clocks, clock_marks, facts_as_of
from domain.commitments import (
    DEFAULT_POLICY,
    Clock,
    ClockAlerts,
    Commitment,
    CommitmentPolicy,
    OfficeCalendar,
    ServicePolicy,
    clock_policies,
    service_policy_id,
)
from domain.errors import InvalidValue
from domain.repair import RepairRuleViolation, SitePause
from domain.service_clock import ClockMark, ClockState
from tests.unit.round_trips import MAPPER, fields, replayed, round_trip
from tests.unit.test_business_calendar import cst
from tests.unit.test_repair import opened, unit

MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)
SITE_ACCESS = "waiting for the customer's site access"
T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
UNIT = uuid4()
ENGINEER = Actor("engineer-1", Role.ENGINEER)
MANAGER = Actor("manager-1", Role.MANAGER)

start, pause, resume, stop, reopen = (
    ClockMark.start,
    ClockMark.pause,
    ClockMark.resume,
    ClockMark.stop,
    ClockMark.reopen,
)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


HOME = CommitmentPolicy(home_regions=("Jiangsu", "Zhejiang", "Shanghai", "Anhui"))
LOCAL = replace(HOME, is_local_service_contract=True)


@pytest.mark.parametrize(
    ("policy", "region", "on_site"),
    [
        (DEFAULT_POLICY, "Jiangsu", 48 * HOUR),  # no home region: elsewhere
        (DEFAULT_POLICY, None, 48 * HOUR),
        (HOME, "Jiangsu", 24 * HOUR),
        (HOME, " jiangsu ", 24 * HOUR),  # a region is named as people type it
        (HOME, "Shanxi", 48 * HOUR),
        (HOME, None, 48 * HOUR),  # no unit known yet
        (LOCAL, "Shanxi", 8 * HOUR),  # a local service contract wherever the unit stands
        (LOCAL, "Jiangsu", 8 * HOUR),
    ],
)
def test_the_on_site_target_follows_region_and_local_contract(
    policy: CommitmentPolicy, region: str | None, on_site: timedelta
) -> None:
    policies = clock_policies(policy, region)
    assert policies[Clock.ON_SITE].target == on_site
    assert policies[Clock.RESPOND].target == 30 * MINUTE
    assert policies[Clock.FIX].target == policies[Clock.SIGNED_RECORD].target == 24 * HOUR


def test_a_commitment_in_business_hours_counts_in_the_office_calendar() -> None:
    office = OfficeCalendar("Asia/Shanghai", ("08:30-12:00", "13:30-17:30"), holidays=(date(2026, 10, 1),))
    policy = replace(HOME, office=office, fix=Commitment(8 * HOUR, business_hours=True))
    policies = clock_policies(policy, "Jiangsu")
    assert policies[Clock.FIX].calendar == office.calendar()
    assert policies[Clock.ON_SITE].calendar != office.calendar()  # calendar hours


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Commitment(timedelta(0)), "target"),
        (lambda: Commitment(HOUR, at_risk_lead=HOUR), "at_risk_lead"),
        (lambda: CommitmentPolicy(fix=Commitment(HOUR, business_hours=True)), "office"),
        (lambda: CommitmentPolicy(home_regions=(" ",)), "home_regions"),
        (lambda: OfficeCalendar("Mars/Olympus", ("08:30-12:00",)), "time_zone"),
        (lambda: OfficeCalendar("Asia/Shanghai", ("8h to noon",)), "hours"),
    ],
)
def test_a_policy_out_of_shape_is_refused(build: object, field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        build()  # type: ignore[operator]
    assert refused.value.field == field


FIRST_VISIT_FIXED = (
    CaseFacts(opened_at=at(0), acknowledged_at=at(0.25)),
    RepairFacts(
        UNIT, arrived_at=at(6), work_started_at=at(6.5), fixed_at=at(8), fixing_visit=1, signed_at=at(9)
    ),
)


@pytest.mark.parametrize(
    ("case", "repair", "expected"),
    [
        pytest.param(
            CaseFacts(opened_at=at(0)),
            None,
            {
                Clock.RESPOND: [start(at(0))],
                Clock.ON_SITE: [start(at(0))],
                Clock.FIX: [],
                Clock.SIGNED_RECORD: [start(at(0))],
            },
            id="registered: three clocks run, fix waits for work",
        ),
        pytest.param(
            *FIRST_VISIT_FIXED,
            {
                Clock.RESPOND: [start(at(0)), stop(at(0.25))],
                Clock.ON_SITE: [start(at(0)), stop(at(6))],
                Clock.FIX: [start(at(6.5)), stop(at(8))],
                Clock.SIGNED_RECORD: [start(at(0)), stop(at(9))],
            },
            id="fixed on the first visit: each clock stops at its own fact",
        ),
        pytest.param(
            CaseFacts(opened_at=at(0), acknowledged_at=at(0.25)),
            RepairFacts(UNIT, pauses=(SitePause(at(2), SITE_ACCESS, at(5)),), arrived_at=at(7)),
            {
                Clock.RESPOND: [start(at(0)), stop(at(0.25))],
                Clock.ON_SITE: [start(at(0)), pause(at(2), SITE_ACCESS), resume(at(5)), stop(at(7))],
                Clock.FIX: [],
                Clock.SIGNED_RECORD: [start(at(0)), pause(at(2), SITE_ACCESS), resume(at(5))],
            },
            id="a pause for site access pauses the running clocks only",
        ),
        pytest.param(
            CaseFacts(opened_at=at(0), acknowledged_at=at(0.25)),
            RepairFacts(
                UNIT, arrived_at=at(3), work_started_at=at(4), pauses=(SitePause(at(3.5), SITE_ACCESS),)
            ),
            {
                Clock.RESPOND: [start(at(0)), stop(at(0.25))],
                Clock.ON_SITE: [start(at(0)), stop(at(3))],
                Clock.FIX: [start(at(4)), pause(at(4), SITE_ACCESS)],
                Clock.SIGNED_RECORD: [start(at(0)), pause(at(3.5), SITE_ACCESS)],
            },
            id="a clock starting during a pause waits too",
        ),
        pytest.param(
            CaseFacts(opened_at=at(0), acknowledged_at=at(0.25), closings=(Closing(at(10), at(30)),)),
            RepairFacts(UNIT, arrived_at=at(6), work_started_at=at(6.5), fixed_at=at(8), fixing_visit=1),
            {
                Clock.RESPOND: [start(at(0)), stop(at(0.25))],
                Clock.ON_SITE: [start(at(0)), stop(at(6))],
                Clock.FIX: [start(at(6.5)), stop(at(8))],
                Clock.SIGNED_RECORD: [start(at(0)), stop(at(10)), reopen(at(30))],
            },
            id="closed and reopened: the running clock continues, the stopped ones stay stopped",
        ),
        pytest.param(
            CaseFacts(opened_at=at(0), closings=(Closing(at(1)),)),
            None,
            {
                Clock.RESPOND: [start(at(0)), stop(at(1))],
                Clock.ON_SITE: [start(at(0)), stop(at(1))],
                Clock.FIX: [],
                Clock.SIGNED_RECORD: [start(at(0)), stop(at(1))],
            },
            id="withdrawn before anyone answered: every running clock stops",
        ),
        pytest.param(
            CaseFacts(opened_at=at(0), acknowledged_at=at(0.25), closings=(Closing(at(2), at(4)),)),
            RepairFacts(UNIT, pauses=(SitePause(at(1), SITE_ACCESS),)),
            {
                Clock.RESPOND: [start(at(0)), stop(at(0.25))],
                Clock.ON_SITE: [start(at(0)), pause(at(1), SITE_ACCESS), stop(at(2)), reopen(at(4)),
                                pause(at(4), SITE_ACCESS)],
                Clock.FIX: [],
                Clock.SIGNED_RECORD: [start(at(0)), pause(at(1), SITE_ACCESS), stop(at(2)), reopen(at(4)),
                                      pause(at(4), SITE_ACCESS)],
            },
            id="reopened while the repair still waits: the clocks wait again",
        ),
    ],
)  # fmt: skip
def test_the_marks_of_each_clock(
    case: CaseFacts, repair: RepairFacts | None, expected: dict[Clock, list[ClockMark]]
) -> None:
    assert clock_marks(case, repair) == expected


def test_fixed_on_the_first_visit_within_every_commitment() -> None:
    clocks = case_clocks(HOME, "Jiangsu", *FIRST_VISIT_FIXED, now=at(48))
    assert {clock: reading.met for clock, reading in clocks.items()} == dict.fromkeys(Clock, True)
    assert clocks[Clock.ON_SITE].due_at == at(24)


def test_elsewhere_the_on_site_clock_has_48_hours_and_breaches_after_them() -> None:
    case = CaseFacts(opened_at=at(0), acknowledged_at=at(0.25))
    late = RepairFacts(UNIT, arrived_at=at(50))
    on_site = case_clocks(HOME, "Shanxi", case, late, now=at(60))[Clock.ON_SITE]
    assert (on_site.due_at, on_site.met, on_site.breached_by) == (at(48), False, 2 * HOUR)


def test_a_pause_for_site_access_pushes_the_due_time_out() -> None:
    case = CaseFacts(opened_at=at(0), acknowledged_at=at(0.25))
    waiting = RepairFacts(UNIT, pauses=(SitePause(at(2), SITE_ACCESS, at(12)),))
    on_site = case_clocks(HOME, "Jiangsu", case, waiting, now=at(13))[Clock.ON_SITE]
    assert on_site.due_at == at(34)
    assert [(p.reason, p.started_at, p.ended_at) for p in on_site.pauses] == [(SITE_ACCESS, at(2), at(12))]


def test_the_facts_are_as_of_their_latest_moment() -> None:
    assert facts_as_of(*FIRST_VISIT_FIXED) == at(9)
    assert facts_as_of(CaseFacts(opened_at=at(0)), None, [at(3)]) == at(3)


# -- alerts: once per clock -------------------------------------------------------------------------


def test_alerts_are_raised_once_per_clock_and_kind() -> None:
    case = CaseFacts(opened_at=at(0))
    alerts = ClockAlerts.open(uuid4(), at(0))
    at_risk = case_clocks(HOME, "Jiangsu", case, None, now=at(0) + 25 * MINUTE)
    assert alerts.raise_due(at_risk, at(0) + 25 * MINUTE) == ["ClockAtRisk"]
    assert alerts.raise_due(at_risk, at(0) + 26 * MINUTE) == []
    breached = case_clocks(HOME, "Jiangsu", case, None, now=at(25))
    assert alerts.raise_due(breached, at(25)) == ["ClockBreached"] * 3  # respond, on site, signed record
    assert alerts.raise_due(case_clocks(HOME, "Jiangsu", case, None, now=at(26)), at(26)) == []
    assert alerts.breached == {"respond", "on_site", "signed_record"}
    assert breached[Clock.RESPOND].state is ClockState.RUNNING


# -- the repair's pauses ----------------------------------------------------------------------------


def test_pause_and_resume_are_recorded_and_guarded() -> None:
    repair = opened()
    now = repair.reported_at + timedelta(hours=2)
    with pytest.raises(RepairRuleViolation):
        repair.resume_clocks(now, ENGINEER, now)
    with pytest.raises(InvalidValue):
        repair.pause_clocks(" ", now, ENGINEER, now)
    with pytest.raises(InvalidValue):
        repair.pause_clocks(SITE_ACCESS, repair.reported_at - HOUR, ENGINEER, now)
    repair.pause_clocks(SITE_ACCESS, now - HOUR, ENGINEER, now)
    with pytest.raises(RepairRuleViolation):
        repair.pause_clocks(SITE_ACCESS, now, ENGINEER, now)
    with pytest.raises(InvalidValue):
        repair.resume_clocks(now - 2 * HOUR, ENGINEER, now)
    repair.resume_clocks(now, ENGINEER, now)
    assert repair.clock_pauses == [SitePause(now - HOUR, SITE_ACCESS, now)]
    assert [type(e).__name__ for e in repair.collect_events()][-2:] == ["ClocksPaused", "ClocksResumed"]


def test_the_office_calendar_is_read_in_its_zone() -> None:
    office = OfficeCalendar("Asia/Shanghai", ("08:30-12:00", "13:30-17:30"))
    assert office.calendar().add(cst(4, 1, 17, 0), HOUR) == cst(4, 2, 9, 0)


# -- stored and read back ---------------------------------------------------------------------------


def test_a_service_policy_and_alerts_survive_the_event_store_exactly() -> None:
    office = OfficeCalendar(
        "Asia/Shanghai",
        ("08:30-12:00", "13:30-17:30"),
        holidays=(date(2026, 10, 1), date(2026, 10, 2)),
        working_days=(date(2026, 9, 27),),
    )
    terms = replace(LOCAL, office=office, fix=Commitment(8 * HOUR, business_hours=True, at_risk_lead=HOUR))
    policy = ServicePolicy.register(" SC-2026-0042 ", terms, MANAGER, at(0))
    policy.revise(replace(terms, home_regions=("Jiangsu",)), MANAGER, at(1))
    events = policy.collect_events()

    assert [fields(round_trip(e)) for e in events] == [fields(e) for e in events]
    assert replayed(events).policy == replace(terms, home_regions=("Jiangsu",))
    assert policy.id == service_policy_id("sc-2026-0042")

    alerts = ClockAlerts.open(uuid4(), at(0))
    alerts.raise_due(case_clocks(HOME, "Jiangsu", CaseFacts(opened_at=at(0)), None, now=at(25)), at(25))
    raised = alerts.collect_events()
    assert [fields(round_trip(e)) for e in raised] == [fields(e) for e in raised]


def test_a_unit_registered_before_service_contracts_reads_with_none() -> None:
    registered = unit().collect_events()[0]
    stored = MAPPER.to_stored_event(registered)
    state = json.loads(stored.state)
    del state["service_contract"]
    state["class_version"] = 1
    old = replace(stored, state=json.dumps(state).encode())

    assert MAPPER.to_domain_event(old).service_contract is None  # type: ignore[attr-defined]

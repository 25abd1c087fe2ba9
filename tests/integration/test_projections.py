"""The case projection on real PostgreSQL: what it writes, and that it writes each event exactly once."""

import time
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from application.ledger import Caller, CaseLedger, CommandResult
from domain.actor import Role
from domain.case import Contact, Outcome, ResolutionKind
from domain.case_values import ERASED
from domain.money import Money
from projections.runner import ProjectionRunner
from tests.conftest import coal_objection

ADMIN = Caller("admin-1", frozenset({Role.ADMIN}))
CONTACT = Contact("Wang Lei", "+86 138 0000 0042", "wang.lei@example.com")


def register(ledger: CaseLedger, customer_id: str = "CUST-0042") -> CommandResult:
    return ledger.register_case(ADMIN, coal_objection(customer_id, CONTACT))


def work_through(ledger: CaseLedger, case_id: UUID) -> None:
    """Every event type but withdrawal, ending reopened and reassigned (ten events after registration)."""
    ledger.acknowledge(ADMIN, case_id, None)
    ledger.assign(ADMIN, case_id, "QC", "qc-1", "", None)
    ledger.add_note(ADMIN, case_id, "Called Wang Lei on +86 138 0000 0042", None)
    ledger.propose_resolution(
        ADMIN, case_id, ResolutionKind.PRICE_REDUCTION, Money(Decimal("18.50"), "CNY"), "Discount", None
    )
    ledger.reject_resolution(ADMIN, case_id, 1, "Wang Lei says too little", None)
    ledger.propose_resolution(ADMIN, case_id, ResolutionKind.REPLACEMENT, None, "Replace the lot", None)
    ledger.accept_resolution(ADMIN, case_id, 2, None)
    ledger.mark_resolution_executed(ADMIN, case_id, "Shipped SHP-2026-0901", None)
    ledger.close_case(ADMIN, case_id, Outcome.RESOLVED, "", None)
    ledger.reopen(ADMIN, case_id, "Wang Lei reports the replacement is short", None)
    ledger.assign(ADMIN, case_id, "Logistics", "log-7", "A quantity question now", None)


def read_models(services: Any) -> dict[str, list[tuple]]:
    with services.pool.connection() as conn:
        return {
            "summaries": conn.execute("SELECT * FROM case_summaries ORDER BY id").fetchall(),
            "timeline": conn.execute("SELECT * FROM case_timeline ORDER BY notification_id").fetchall(),
        }


def assert_every_event_applied_once(services: Any) -> None:
    """Each notification 1..N has exactly one timeline row, and each summary matches a replay."""
    last = services.ledger.recorder.max_notification_id() or 0
    with services.pool.connection() as conn:
        applied = [r[0] for r in conn.execute("SELECT notification_id FROM case_timeline ORDER BY 1")]
        summaries = conn.execute(
            "SELECT id, version, status, assignee, outcome FROM case_summaries"
        ).fetchall()
    assert applied == list(range(1, last + 1))
    assert services.projection_runner.position() == last
    for case_id, version, status, assignee, outcome in summaries:
        case = services.ledger.get_case(case_id)
        state = case.state()
        assert (version, status, assignee, outcome) == (
            case.version,
            state["status"],
            state["assignee"],
            state["outcome"],
        )
    assert len(summaries) == len({n[1] for n in _registrations(services)})


def _registrations(services: Any) -> list[tuple[int, UUID]]:
    with services.pool.connection() as conn:
        return conn.execute(
            "SELECT notification_id, originator_id FROM ledger_events WHERE originator_version = 1"
        ).fetchall()


def test_the_read_models_follow_a_case_through_every_event(services):
    created = register(services.ledger)
    work_through(services.ledger, created.id)
    assert services.projection_runner.catch_up() == 12

    with services.pool.connection() as conn:
        row = conn.execute(
            "SELECT number, status, assignee, department, latest_proposal, accepted_proposal, outcome,"
            " closed_at, acknowledged_at IS NOT NULL, version FROM case_summaries WHERE id = %s",
            (created.id,),
        ).fetchone()
    assert row == (created.number, "in_progress", "log-7", "Logistics", 2, None, None, None, True, 12)
    summaries = [r[-1] for r in read_models(services)["timeline"]]
    assert summaries == [
        "Registered a high-severity quality objection from customer CUST-0042 via hotline",
        "Acknowledged the case to the customer",
        "Assigned to qc-1 in QC",
        "Added a note",
        "Proposed resolution 1: price reduction of 18.50 CNY",
        "Customer rejected proposal 1",
        "Proposed resolution 2: replacement",
        "Customer accepted proposal 2",
        "Carried out the accepted resolution (proposal 2)",
        "Closed as resolved",
        "Reopened the case",
        "Reassigned from qc-1 to log-7 in Logistics",
    ]
    assert_every_event_applied_once(services)


def test_no_personal_data_reaches_the_read_models(services):
    created = register(services.ledger)
    work_through(services.ledger, created.id)
    services.projection_runner.catch_up()
    everything = repr(read_models(services))
    for personal in ("Wang Lei", "138 0000", "wang.lei@"):
        assert personal not in everything


def test_the_projections_decode_events_without_opening_personal_data(services):
    created = register(services.ledger)
    [stored] = services.ledger.recorder.select_events(created.id, lte=1)
    as_projected = services.projection_runner.decode(stored)
    as_ledger_reads = services.ledger.mapper.to_domain_event(stored)
    assert as_ledger_reads.contact.name == "Wang Lei"
    assert (as_projected.contact.name, as_projected.contact.phone) == (ERASED, ERASED)
    assert as_projected.contact.subject_id == as_ledger_reads.contact.subject_id


def test_catching_up_twice_applies_nothing_more(services):
    register(services.ledger)
    assert services.projection_runner.catch_up() == 1
    assert services.projection_runner.catch_up() == 0
    assert services.projection_runner.position() == 1


class CrashingProjection:
    """The case projection, but the process dies after writing half of the `crash_on`-th batch."""

    def __init__(self, inner: Any, crash_on: int) -> None:
        self.inner, self.name, self.crash_on, self.batches = inner, inner.name, crash_on, 0

    def apply(self, conn: Any, events: Any) -> None:
        self.batches += 1
        if self.batches == self.crash_on:
            self.inner.apply(conn, events[: len(events) // 2])
            raise SystemExit("crashed mid-batch")
        self.inner.apply(conn, events)

    def clear(self, conn: Any) -> None:
        self.inner.clear(conn)


def _runner(services: Any, **options: Any) -> ProjectionRunner:
    ledger = services.ledger
    return ProjectionRunner(services.pool, ledger.recorder, ledger.mapper.to_domain_event, **options)


def _crash_mid_batch(services: Any) -> ProjectionRunner:
    first = _runner(services, batch_size=5)
    first.projection = CrashingProjection(first.projection, crash_on=3)
    return first


def _crash_after_rows_before_position(services: Any) -> ProjectionRunner:
    first = _runner(services, batch_size=5)
    advance, calls = first.tracking.advance, []

    def crash_on_third(conn: Any, position: int) -> None:
        calls.append(position)
        if len(calls) == 3:
            raise SystemExit("crashed after writing the rows, before the position")
        advance(conn, position)

    first.tracking.advance = crash_on_third  # type: ignore[method-assign]
    return first


@pytest.mark.parametrize("crashing_runner", [_crash_mid_batch, _crash_after_rows_before_position])
def test_a_runner_restarted_after_a_crash_applies_every_event_exactly_once(services, crashing_runner):
    for _ in range(3):
        work_through(services.ledger, register(services.ledger).id)
    first = crashing_runner(services)

    with pytest.raises(SystemExit):
        first.catch_up()
    assert first.position() == 10  # two whole batches of five survived; the third left nothing

    restarted = _runner(services, batch_size=5)
    assert restarted.catch_up() == 36 - 10
    assert_every_event_applied_once(services)


def test_rebuilding_gives_the_same_read_models_as_following(services):
    for customer in ("CUST-1", "CUST-2", "CUST-3"):
        work_through(services.ledger, register(services.ledger, customer).id)
    services.ledger.withdraw(ADMIN, register(services.ledger).id, "The customer found the fault", None)
    services.projection_runner.catch_up()
    followed = read_models(services)
    reported: list[tuple[int, int]] = []

    assert (
        _runner(services, rebuild_batch_size=7).rebuild(lambda done, total: reported.append((done, total)))
        == 38
    )

    assert read_models(services) == followed
    assert reported[0] == (0, 38) and reported[-1] == (38, 38)
    assert_every_event_applied_once(services)


def test_an_event_type_this_code_does_not_know_is_skipped(services):
    register(services.ledger)
    future = StoredEvent(uuid4(), 1, "domain.case:Case.InspectionScheduled", b"{}")
    services.ledger.recorder.insert_events([future])
    register(services.ledger)

    assert services.projection_runner.catch_up() == 3
    assert services.projection_runner.position() == 3
    with services.pool.connection() as conn:
        applied = [r[0] for r in conn.execute("SELECT notification_id FROM case_timeline ORDER BY 1")]
    assert applied == [1, 3]


def test_a_running_follower_beats_and_stops_cleanly(services):
    runner = services.projection_runner
    assert not runner.is_alive(max_silence_seconds=10)
    runner.start()
    runner.start()  # a second start does not start a second thread
    created = register(services.ledger)
    assert runner.wait_until(1, timeout=5)
    # The follower beats right after each catch-up, so the beat may trail the position a little.
    deadline = time.monotonic() + 5
    while not runner.is_alive(max_silence_seconds=10):
        assert time.monotonic() < deadline, "no heartbeat within 5 s of following"
        time.sleep(0.01)
    runner.stop()
    runner.stop()
    assert runner._thread is None
    assert created.version == 1
    assert not runner.wait_until(2, timeout=0.05)

"""Followers never skip an event, however many writers commit at once.

If a notification id became visible after a higher one, a follower that had read past it would
never apply it: the timeline would miss that id. Two followers run at once, as when the API
and a worker both follow, to show they also never apply an event twice.
"""

import threading

from projections.runner import ProjectionRunner
from tests.integration.test_projections import assert_every_event_applied_once, register, work_through

WRITERS = 16
CASES_PER_WRITER = 3
EVENTS_PER_CASE = 12


def test_sixteen_concurrent_writers_and_two_followers_skip_nothing_and_repeat_nothing(services):
    ledger = services.ledger
    second = ProjectionRunner(services.pool, ledger.recorder, ledger.mapper.to_domain_event, batch_size=50)
    failures: list[BaseException] = []
    gate = threading.Barrier(WRITERS)

    def write() -> None:
        try:
            gate.wait()
            for _ in range(CASES_PER_WRITER):
                case_id = register(ledger).id
                work_through(ledger, case_id)
        except BaseException as error:
            failures.append(error)

    services.projection_runner.start()
    second.start()
    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    try:
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        assert not failures, failures
        total = WRITERS * CASES_PER_WRITER * EVENTS_PER_CASE
        assert ledger.recorder.max_notification_id() == total
        assert services.projection_runner.wait_until(total, timeout=30)
    finally:
        second.stop()
        services.projection_runner.stop()

    assert_every_event_applied_once(services)

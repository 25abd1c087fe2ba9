"""Group commit: concurrent appends share saves, each returns only once its record is saved, and a failed
save fails every append of its batch."""

import threading
from typing import Any

import pytest

from application.group_commit import GroupCommit


class SlowStore:
    """Holds the first save until told to go on, so that appends queue behind it."""

    def __init__(self, fail_on: Any = None) -> None:
        self.saves: list[tuple[Any, ...]] = []
        self.first_save_started = threading.Event()
        self.go_on = threading.Event()
        self.fail_on = fail_on

    def save(self, *records: Any) -> None:
        if not self.saves:
            self.first_save_started.set()
            self.go_on.wait(5)
        self.saves.append(records)
        if self.fail_on in records:
            raise RuntimeError("the database went away")


def run(appends: GroupCommit, record: Any, outcomes: dict[Any, Any]) -> threading.Thread:
    def append() -> None:
        try:
            appends.append(record)
            outcomes[record] = "saved"
        except RuntimeError as error:
            outcomes[record] = str(error)

    thread = threading.Thread(target=append)
    thread.start()
    return thread


def test_a_lone_append_is_saved_at_once_on_its_own():
    store = SlowStore()
    store.go_on.set()

    GroupCommit(store.save).append("r1")

    assert store.saves == [("r1",)]


def test_appends_queued_behind_a_save_share_the_next_one():
    store = SlowStore()
    appends = GroupCommit(store.save)
    outcomes: dict[Any, Any] = {}
    first = run(appends, "r1", outcomes)
    assert store.first_save_started.wait(5)
    queued = [run(appends, f"q{i}", outcomes) for i in range(5)]
    while appends.queued < 5:  # all five wait behind the first save
        threading.Event().wait(0.001)

    store.go_on.set()
    for thread in (first, *queued):
        thread.join(5)

    assert store.saves[0] == ("r1",)
    assert sorted(store.saves[1]) == [f"q{i}" for i in range(5)] and len(store.saves) == 2
    assert set(outcomes.values()) == {"saved"} and len(outcomes) == 6


def test_a_failed_save_fails_every_append_of_its_batch_and_no_other():
    store = SlowStore(fail_on="q2")
    appends = GroupCommit(store.save)
    outcomes: dict[Any, Any] = {}
    first = run(appends, "r1", outcomes)
    assert store.first_save_started.wait(5)
    queued = [run(appends, f"q{i}", outcomes) for i in range(3)]
    while appends.queued < 3:
        threading.Event().wait(0.001)

    store.go_on.set()
    for thread in (first, *queued):
        thread.join(5)

    assert outcomes == {"r1": "saved", "q0": "the database went away", "q1": "the database went away",
                        "q2": "the database went away"}  # fmt: skip
    with pytest.raises(RuntimeError):
        appends.append("q2")
    appends.append("after")
    assert store.saves[-1] == ("after",)

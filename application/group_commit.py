"""Group commit: appends that arrive together share one transaction, and each caller still waits for its own.

Every read writes an access record before the data is shown. One transaction per record costs a commit
(and its flush to disk) per read, under the event table's lock that orders every append. Here the first
caller to find no append under way becomes the leader: it saves every record queued so far in one
`save` and wakes the others; whoever queued meanwhile is saved by the next leader. Nothing waits for a
timer, so a lone read is saved at once, and under load the batches grow by themselves.

The rule "recorded before shown" holds: `append` returns only once its record is committed, and raises
the batch's error if the batch failed (then none of its records was written: one transaction).
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class _Ticket:
    record: Any
    done: bool = False
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, save: Callable[..., Any]) -> None:
        self._save = save
        self._changed = threading.Condition()
        self._queued: list[_Ticket] = []
        self._saving = False

    @property
    def queued(self) -> int:
        """How many records wait for the next save."""
        with self._changed:
            return len(self._queued)

    def append(self, record: Any) -> None:
        """Save `record`, with whatever else is queued; return once it is committed, or raise why not."""
        ticket = _Ticket(record)
        with self._changed:
            self._queued.append(ticket)
            while not ticket.done and self._saving:
                self._changed.wait()
            if ticket.done:
                return self._outcome(ticket)
            self._saving = True
            batch, self._queued = self._queued, []
        error = self._save_all(batch)
        with self._changed:
            for queued in batch:
                queued.done, queued.error = True, error
            self._saving = False
            self._changed.notify_all()
        return self._outcome(ticket)

    def _save_all(self, batch: list[_Ticket]) -> BaseException | None:
        try:
            self._save(*(t.record for t in batch))
        except BaseException as error:  # every caller of the batch gets it, the leader too
            return error
        return None

    @staticmethod
    def _outcome(ticket: _Ticket) -> None:
        if ticket.error is not None:
            raise ticket.error

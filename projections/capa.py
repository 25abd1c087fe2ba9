"""The corrective-action projection: each action's latest state into `corrective_actions`.

Writes are idempotent: the raising inserts once by id, every later event updates only a row at an
older version.
"""

from typing import Any

from domain.capa import ActionStatus, CorrectiveAction
from projections.rows import RowProjection, Write, WriteOf, newer_update

NAME = "corrective_actions"


def _raised(e: Any) -> Write:
    return (
        "INSERT INTO corrective_actions (id, case_id, root_cause, kind, status, owner, due, raised_at,"
        " version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
        (
            e.originator_id,
            e.case_id,
            e.root_cause.value,
            e.kind.value,
            ActionStatus.OPEN.value,
            e.owner,
            e.due,
            e.occurred_at,
            e.originator_version,
        ),
    )


_update = newer_update("corrective_actions")


def _verified_status(e: Any) -> str:
    # Not effective: the action reopens for its owner (see domain/capa.py).
    return (ActionStatus.EFFECTIVE if e.effective else ActionStatus.OPEN).value


_WRITES: dict[type, WriteOf] = {
    CorrectiveAction.ActionRaised: _raised,
    CorrectiveAction.ActionReassigned: _update("owner = %s", lambda e: (e.owner,)),
    CorrectiveAction.ActionDueDateChanged: _update("due = %s", lambda e: (e.due,)),
    CorrectiveAction.ActionCompleted: _update(
        "status = %s, completed_at = %s", lambda e: (ActionStatus.COMPLETED.value, e.occurred_at)
    ),
    CorrectiveAction.EffectivenessVerified: _update(
        "status = %s, verified_at = %s, completed_at = CASE WHEN %s THEN completed_at END",
        lambda e: (_verified_status(e), e.occurred_at, e.effective),
    ),
    CorrectiveAction.ActionCancelled: _update(
        "status = %s, cancelled_at = %s", lambda e: (ActionStatus.CANCELLED.value, e.occurred_at)
    ),
}


class CorrectiveActionProjection(RowProjection):
    def __init__(self) -> None:
        super().__init__(NAME, ("corrective_actions",), _WRITES)

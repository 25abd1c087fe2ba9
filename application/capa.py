"""Corrective and preventive action use cases: raise one from a case's root cause, reassign it, move its
due date, complete it, verify its effectiveness, cancel it, and read it.

An action is a stream of its own beside its case, created with `CaseLedger.create` and changed with
`run_command`, so If-Match and Idempotency-Key work as for cases.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.access import ReadAccess, Reader, ReadKind
from application.authorization import Command, authorise
from application.errors import CorrectiveActionNotFound
from application.inspections import INSPECTED_CASE_TYPES
from application.ledger import Caller, CaseLedger, CommandResult
from domain.capa import ActionKind, CorrectiveAction
from domain.case import Case
from domain.errors import CaseRuleViolation
from domain.liability import RootCause

# A command body: given the action and the time now, change the action.
ActionChange = Callable[[CorrectiveAction, datetime], None]


@dataclass(frozen=True)
class ActionRequest:
    case_id: UUID
    root_cause: RootCause
    kind: ActionKind
    description: str
    owner: str
    due: datetime


@dataclass(frozen=True)
class ActionReport:
    """An action as read, with what depends on the time of reading."""

    action: CorrectiveAction
    is_overdue: bool


class CorrectiveActions:
    def __init__(self, ledger: CaseLedger, read_access: ReadAccess) -> None:
        self.ledger = ledger
        self.read_access = read_access

    # -- commands ---------------------------------------------------------------------------------

    def raise_action(self, caller: Caller, request: ActionRequest) -> CommandResult:
        actor = authorise(Command.PLAN_CORRECTIVE_ACTION, caller.user_id, caller.roles)

        def make(now: datetime) -> CorrectiveAction:
            case = self._case(request.case_id)
            # The root causes (mining, washing, transport, sampling, customer usage) are those of an
            # objection about the goods; a closed case is fine: root cause analysis often comes last.
            if case.case_type not in INSPECTED_CASE_TYPES:
                raise CaseRuleViolation(
                    f"a {case.case_type.value} case has no root cause of the goods to act on; quality and "
                    "quantity objections do",
                    "case_id",
                )
            return CorrectiveAction.raise_action(
                case_id=case.id,
                root_cause=request.root_cause,
                kind=request.kind,
                description=request.description,
                owner=request.owner,
                due=request.due,
                by=actor,
                now=now,
            )

        return self.ledger.create(caller, make)

    def reassign(self, caller: Caller, action_id: UUID, owner: str, reason: str) -> CommandResult:
        actor = authorise(Command.PLAN_CORRECTIVE_ACTION, caller.user_id, caller.roles)
        return self._change(caller, action_id, lambda action, now: action.reassign(owner, reason, actor, now))

    def change_due_date(self, caller: Caller, action_id: UUID, due: datetime, reason: str) -> CommandResult:
        actor = authorise(Command.PLAN_CORRECTIVE_ACTION, caller.user_id, caller.roles)
        return self._change(
            caller, action_id, lambda action, now: action.change_due_date(due, reason, actor, now)
        )

    def complete(self, caller: Caller, action_id: UUID, what_was_done: str) -> CommandResult:
        def complete(action: CorrectiveAction, now: datetime) -> None:
            # Whose action it is decides whether a non-manager may report it done: known once loaded.
            actor = authorise(
                Command.COMPLETE_CORRECTIVE_ACTION, caller.user_id, caller.roles, owner=action.owner
            )
            action.complete(what_was_done, actor, now)

        return self._change(caller, action_id, complete)

    def verify_effectiveness(
        self, caller: Caller, action_id: UUID, effective: bool, evidence: str
    ) -> CommandResult:
        actor = authorise(Command.VERIFY_CORRECTIVE_ACTION, caller.user_id, caller.roles)
        return self._change(
            caller,
            action_id,
            lambda action, now: action.verify_effectiveness(effective, evidence, actor, now),
        )

    def cancel(self, caller: Caller, action_id: UUID, reason: str) -> CommandResult:
        actor = authorise(Command.PLAN_CORRECTIVE_ACTION, caller.user_id, caller.roles)
        return self._change(caller, action_id, lambda action, now: action.cancel(reason, actor, now))

    # -- reading ----------------------------------------------------------------------------------

    def read(self, reader: Reader, action_id: UUID) -> ActionReport:
        """The action as the event store has it; the read is recorded under its case."""
        action = self.action(action_id)
        self.read_access.open(reader, ReadKind.CORRECTIVE_ACTION, [action.case_id])
        return ActionReport(action, action.is_overdue(self.ledger.clock.now()))

    def action(self, action_id: UUID) -> CorrectiveAction:
        found = self.ledger.find(action_id)
        if not isinstance(found, CorrectiveAction):
            raise CorrectiveActionNotFound(f"no corrective action with id {action_id}", field="id")
        return found

    # -- the parts ----------------------------------------------------------------------------------

    def _change(self, caller: Caller, action_id: UUID, decide: ActionChange) -> CommandResult:
        return self.ledger.run_command(caller, lambda: self.action(action_id), decide, "corrective action")

    def _case(self, case_id: UUID) -> Case:
        return self.ledger.get_case(case_id, field="case_id")

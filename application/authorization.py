"""Which roles may run which command. Auditors and compliance officers never change a case."""

from enum import Enum

from application.errors import NotAllowed
from domain.actor import Actor, Role


class Command(Enum):
    REGISTER = "register"
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    ADD_NOTE = "add_note"
    PROPOSE_RESOLUTION = "propose_resolution"
    RECORD_CUSTOMER_ANSWER = "record_customer_answer"
    MARK_RESOLUTION_EXECUTED = "mark_resolution_executed"
    CLOSE = "close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"


_AGENT, _ENGINEER, _QC, _MANAGER, _ADMIN = (
    Role.SERVICE_AGENT,
    Role.ENGINEER,
    Role.QC_INSPECTOR,
    Role.MANAGER,
    Role.ADMIN,
)

ALLOWED: dict[Command, frozenset[Role]] = {
    Command.REGISTER: frozenset({_AGENT, _ENGINEER, _MANAGER, _ADMIN}),
    Command.ACKNOWLEDGE: frozenset({_AGENT, _ENGINEER, _MANAGER, _ADMIN}),
    Command.ASSIGN: frozenset({_AGENT, _MANAGER, _ADMIN}),
    Command.ADD_NOTE: frozenset({_AGENT, _ENGINEER, _QC, _MANAGER, _ADMIN}),
    Command.PROPOSE_RESOLUTION: frozenset({_AGENT, _ENGINEER, _MANAGER, _ADMIN}),
    Command.RECORD_CUSTOMER_ANSWER: frozenset({_AGENT, _MANAGER, _ADMIN}),
    Command.MARK_RESOLUTION_EXECUTED: frozenset({_AGENT, _MANAGER, _ADMIN}),
    Command.CLOSE: frozenset({_AGENT, _MANAGER, _ADMIN}),
    # Reopening undoes a closure that a customer was told about: a manager decides.
    Command.REOPEN: frozenset({_MANAGER, _ADMIN}),
    Command.WITHDRAW: frozenset({_AGENT, _MANAGER, _ADMIN}),
}


def authorise(command: Command, user_id: str, roles: frozenset[Role]) -> Actor:
    """The actor that runs the command: the user in the first of their roles that allows it."""
    allowed = ALLOWED[command]
    for role in sorted(roles, key=lambda r: r.value):
        if role in allowed:
            return Actor(user_id=user_id, role=role)
    needed = ", ".join(sorted(r.value for r in allowed))
    raise NotAllowed(f"{command.value} needs one of the roles: {needed}")

"""Who may do what: one permission matrix over every command and every read, for every role.

The README's permission table and the route-by-route tests are checked against `PERMISSIONS`.
Auditors and compliance officers read everything and change nothing; staff of other departments
read a case only under an approved access grant.
"""

from enum import Enum

from application.errors import NotAllowed
from domain.access import ReadKind
from domain.actor import Actor, Role
from domain.case import KINDS_NEEDING_AMOUNT, ResolutionKind
from domain.money import Money


class Command(Enum):
    REGISTER = "register"
    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    ADD_NOTE = "add_note"
    PROPOSE_RESOLUTION = "propose_resolution"
    # A proposal that pays the customer money (compensation, price reduction, refund, or any amount).
    PROPOSE_PAYMENT = "propose_payment"
    RECORD_CUSTOMER_ANSWER = "record_customer_answer"
    MARK_RESOLUTION_EXECUTED = "mark_resolution_executed"
    CLOSE = "close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    # The customer's word once the resolution was carried out, as staff record it (e.g. a follow-up call).
    DECLARE_SATISFACTION = "declare_satisfaction"
    # Letting an objection raised after the contract's window go on.
    OVERRIDE_LATE_OBJECTION = "override_late_objection"
    ATTACH_EVIDENCE = "attach_evidence"
    SUPERSEDE_EVIDENCE = "supersede_evidence"
    # Liability determination: propose who bears which share; approve or reject a proposal.
    PROPOSE_LIABILITY = "propose_liability"
    DECIDE_LIABILITY = "decide_liability"
    REQUEST_ACCESS_GRANT = "request_access_grant"
    DECIDE_ACCESS_GRANT = "decide_access_grant"
    REVOKE_ACCESS_GRANT = "revoke_access_grant"
    REGISTER_CONTRACT = "register_contract"
    # Recording a shipment, its arrival, or many shipments in one import.
    RECORD_SHIPMENT = "record_shipment"
    # Inspections: open one with its sampling record; record or correct a lab result; ask for a
    # third-party re-inspection; appoint the agency both parties agreed to.
    RECORD_SAMPLING = "record_sampling"
    RECORD_LAB_RESULT = "record_lab_result"
    REQUEST_REINSPECTION = "request_reinspection"
    APPOINT_AGENCY = "appoint_agency"
    # Corrective and preventive actions: raise one, reassign it, move its due date or cancel it (plan);
    # report it done (complete); judge whether it worked (verify).
    # Settlement: propose an offer; approve one above the threshold; record the customer's signature or
    # rejection; record its execution; take a rejected settlement to arbitration.
    PROPOSE_SETTLEMENT = "propose_settlement"
    APPROVE_SETTLEMENT = "approve_settlement"
    RECORD_SETTLEMENT_ANSWER = "record_settlement_answer"
    EXECUTE_SETTLEMENT = "execute_settlement"
    ESCALATE_SETTLEMENT = "escalate_settlement"
    PLAN_CORRECTIVE_ACTION = "plan_corrective_action"
    COMPLETE_CORRECTIVE_ACTION = "complete_corrective_action"
    VERIFY_CORRECTIVE_ACTION = "verify_corrective_action"


class Allowance(Enum):
    """How far a role's permission reaches."""

    ALWAYS = "always"
    # Only what the user asked for themselves (their own access grants).
    OWN = "own"
    # Only a case the user holds an approved, current access grant for.
    GRANT = "grant"


Subject = Command | ReadKind

_AGENT, _ENGINEER, _QC, _MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN, _STAFF = (
    Role.SERVICE_AGENT,
    Role.ENGINEER,
    Role.QC_INSPECTOR,
    Role.MANAGER,
    Role.AUDITOR,
    Role.COMPLIANCE,
    Role.ADMIN,
    Role.STAFF,
)
# Everyone of the after-sales department and its overseers: they read any case without a grant.
_INSIDERS = (_AGENT, _ENGINEER, _QC, _MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN)


def _always(*roles: Role) -> dict[Role, Allowance]:
    return dict.fromkeys(roles, Allowance.ALWAYS)


PERMISSIONS: dict[Subject, dict[Role, Allowance]] = {
    Command.REGISTER: _always(_AGENT, _ENGINEER, _MANAGER, _ADMIN),
    Command.ACKNOWLEDGE: _always(_AGENT, _ENGINEER, _MANAGER, _ADMIN),
    Command.ASSIGN: _always(_AGENT, _MANAGER, _ADMIN),
    Command.ADD_NOTE: _always(_AGENT, _ENGINEER, _QC, _MANAGER, _ADMIN),
    Command.PROPOSE_RESOLUTION: _always(_AGENT, _ENGINEER, _MANAGER, _ADMIN),
    # Money leaves the company: a manager decides what is offered.
    Command.PROPOSE_PAYMENT: _always(_MANAGER, _ADMIN),
    Command.RECORD_CUSTOMER_ANSWER: _always(_AGENT, _MANAGER, _ADMIN),
    Command.MARK_RESOLUTION_EXECUTED: _always(_AGENT, _MANAGER, _ADMIN),
    Command.CLOSE: _always(_AGENT, _MANAGER, _ADMIN),
    # Reopening undoes a closure that a customer was told about: a manager decides.
    Command.REOPEN: _always(_MANAGER, _ADMIN),
    Command.WITHDRAW: _always(_AGENT, _MANAGER, _ADMIN),
    Command.DECLARE_SATISFACTION: _always(_AGENT, _MANAGER, _ADMIN),
    # The contract's window protects the supplier; only a manager waives it.
    Command.OVERRIDE_LATE_OBJECTION: _always(_MANAGER, _ADMIN),
    # Whoever works the case brings in evidence: the agent from the customer, the engineer from site, the
    # QC inspector from the lab. Superseding removes nothing and records a reason, so the same people may.
    Command.ATTACH_EVIDENCE: _always(_AGENT, _ENGINEER, _QC, _MANAGER, _ADMIN),
    Command.SUPERSEDE_EVIDENCE: _always(_AGENT, _ENGINEER, _QC, _MANAGER, _ADMIN),
    Command.REQUEST_ACCESS_GRANT: _always(_STAFF, _ADMIN),
    Command.DECIDE_ACCESS_GRANT: _always(_MANAGER, _ADMIN),
    # The requester may withdraw their own grant; taking someone's away is a manager's decision.
    Command.REVOKE_ACCESS_GRANT: {**_always(_MANAGER, _ADMIN), _STAFF: Allowance.OWN},
    ReadKind.CASE: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    ReadKind.CASE_AS_OF: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    ReadKind.CASE_HISTORY: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    ReadKind.ATTACHMENT: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    # A list shows cases nobody granted: staff never list.
    ReadKind.CASE_LIST: _always(*_INSIDERS),
    ReadKind.ACCESS_LOG: _always(_AUDITOR, _ADMIN),
    ReadKind.ACCESS_GRANTS: {**_always(_MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN), _STAFF: Allowance.OWN},
    ReadKind.CHECKPOINTS: _always(*_INSIDERS, _STAFF),
    # Proofs carry the raw events, personal data included: for those who read every case file anyway.
    ReadKind.PROOFS: _always(_MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN),
    # A contract fixes what every objection is measured against: registering one is a manager's decision.
    Command.REGISTER_CONTRACT: _always(_MANAGER, _ADMIN),
    # Shipments are the facts objections refer to; the agents who take the objections record them.
    Command.RECORD_SHIPMENT: _always(_AGENT, _MANAGER, _ADMIN),
    # Commercial terms and delivery papers are not a case file: no grant reaches them, staff never read them.
    ReadKind.CONTRACT: _always(*_INSIDERS),
    ReadKind.SHIPMENT: _always(*_INSIDERS),
    # Sampling and lab work is the QC inspector's and the engineer's; the domain, not the role, decides
    # whether the labs disagree enough for a re-inspection. Appointing the agency commits the company to
    # its result and its fee: a manager's decision.
    Command.RECORD_SAMPLING: _always(_ENGINEER, _QC, _MANAGER, _ADMIN),
    Command.RECORD_LAB_RESULT: _always(_ENGINEER, _QC, _MANAGER, _ADMIN),
    Command.REQUEST_REINSPECTION: _always(_ENGINEER, _QC, _MANAGER, _ADMIN),
    Command.APPOINT_AGENCY: _always(_MANAGER, _ADMIN),
    # An inspection is part of the case file: read as the case is, staff under a grant of the case.
    ReadKind.INSPECTION: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    # Liability rests on the lab work and the site visit: QC inspectors and engineers propose it (as do
    # managers); a manager other than the proposer decides it (the domain refuses the proposer).
    Command.PROPOSE_LIABILITY: _always(_ENGINEER, _QC, _MANAGER, _ADMIN),
    Command.DECIDE_LIABILITY: _always(_MANAGER, _ADMIN),
    # The determination is part of the case file: read as the case is.
    ReadKind.LIABILITY: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    # The agents who deal with the customer propose, record the answer and the execution; an offer above
    # the approval threshold waits for a manager (the domain refuses the proposer), and only a manager
    # takes a dispute to arbitration, which puts the case under legal hold.
    Command.PROPOSE_SETTLEMENT: _always(_AGENT, _MANAGER, _ADMIN),
    Command.APPROVE_SETTLEMENT: _always(_MANAGER, _ADMIN),
    Command.RECORD_SETTLEMENT_ANSWER: _always(_AGENT, _MANAGER, _ADMIN),
    Command.EXECUTE_SETTLEMENT: _always(_AGENT, _MANAGER, _ADMIN),
    Command.ESCALATE_SETTLEMENT: _always(_MANAGER, _ADMIN),
    # The settlement is part of the case file: read as the case is.
    ReadKind.SETTLEMENT: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    # A list of objections shows cases nobody granted: staff never list, as for the case list.
    ReadKind.OBJECTION_LIST: _always(*_INSIDERS),
    # The step deadlines are published to the customer, but they are the case's dates: read as the case is.
    ReadKind.DEADLINES: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    # An action commits someone's time and budget: a manager raises, reassigns, reschedules or cancels it.
    # Its owner reports it done, whatever their role or department (staff of production own most); a
    # manager may report it for them. QC judges effectiveness by the next results, as may a manager; the
    # domain refuses whoever completed it.
    Command.PLAN_CORRECTIVE_ACTION: _always(_MANAGER, _ADMIN),
    Command.COMPLETE_CORRECTIVE_ACTION: {
        **_always(_MANAGER, _ADMIN),
        **dict.fromkeys((_AGENT, _ENGINEER, _QC, _STAFF), Allowance.OWN),
    },
    Command.VERIFY_CORRECTIVE_ACTION: _always(_QC, _MANAGER, _ADMIN),
    # An action is part of its case's file: read as the case is.
    ReadKind.CORRECTIVE_ACTION: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    # Counts per root cause name no case and no customer, but they are the department's KPIs: insiders.
    ReadKind.ROOT_CAUSE_PARETO: _always(*_INSIDERS),
}

# The widest reach first: a user with several roles acts in the one that reaches furthest.
_REACH = (Allowance.ALWAYS, Allowance.OWN, Allowance.GRANT)


def allowance(subject: Subject, roles: frozenset[Role]) -> tuple[Role, Allowance] | None:
    """The role a user acts in for `subject` and how far it lets them; None if no role of theirs may."""
    permitted = PERMISSIONS[subject]
    found = [(_REACH.index(permitted[r]), r.value, r) for r in roles if r in permitted]
    if not found:
        return None
    _, _, role = min(found)
    return role, permitted[role]


def needed_roles(subject: Subject) -> str:
    return ", ".join(sorted(r.value for r in PERMISSIONS[subject]))


def authorise(command: Command, user_id: str, roles: frozenset[Role], owner: str | None = None) -> Actor:
    """The actor that runs the command: the user in the role of theirs that allows it.

    `owner` is the user whose thing the command acts on; a role allowed only its own needs it to match.
    """
    found = allowance(command, roles)
    if found is None:
        raise NotAllowed(f"{command.value} needs one of the roles: {needed_roles(command)}")
    role, reach = found
    if reach is Allowance.OWN and owner != user_id:
        raise NotAllowed(f"{command.value}: as {role.value} you may act only on your own")
    if reach is Allowance.GRANT:
        raise AssertionError(f"{command.value} is a command; grants allow reads only")
    return Actor(user_id=user_id, role=role)


def proposal_command(kind: ResolutionKind, amount: Money | None) -> Command:
    """The permission a resolution proposal needs: one that pays money needs a manager."""
    pays = amount is not None or kind in KINDS_NEEDING_AMOUNT
    return Command.PROPOSE_PAYMENT if pays else Command.PROPOSE_RESOLUTION

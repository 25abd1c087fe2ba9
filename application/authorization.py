"""Who may do what: one permission matrix over every command and every read, for every role.

The README's permission table and the route-by-route tests are checked against `PERMISSIONS`.
Auditors and compliance officers read everything and change nothing (but compliance carries out the
erasure of a data subject's personal data); staff of other departments
read a case only under an approved access grant.
"""

from enum import Enum

from application.errors import NotAllowed
from domain.access import ReadKind
from domain.actor import Actor, Role
from domain.case import KINDS_NEEDING_AMOUNT, ResolutionKind
from domain.money import Money
from domain.return_values import Eligibility


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
    # Returns and exchanges: apply for the customer; decide eligibility (free, negotiated or refused), or
    # allow a return on another lawful ground; record QC's inspection and re-inspection; record the receipt
    # check and the warehouse entry; refund; ship the exchange; record the customer's feedback; cancel.
    APPLY_RETURN = "apply_return"
    DECIDE_RETURN_ELIGIBILITY = "decide_return_eligibility"
    ALLOW_RETURN_ON_LAWFUL_GROUND = "allow_return_on_lawful_ground"
    RECORD_RETURN_INSPECTION = "record_return_inspection"
    RECORD_RETURN_RECEIPT = "record_return_receipt"
    REFUND_RETURN = "refund_return"
    SHIP_RETURN_EXCHANGE = "ship_return_exchange"
    RECORD_RETURN_FEEDBACK = "record_return_feedback"
    CANCEL_RETURN = "cancel_return"
    # Installed equipment: register units (one or an import), record a periodic inspection visit.
    REGISTER_UNIT = "register_unit"
    RECORD_UNIT_INSPECTION = "record_unit_inspection"
    # Repairs of equipment-fault cases: open one; decide the warranty; issue a quote outside warranty;
    # record the customer's answer to it; dispatch an engineer; record a visit's arrival, work and
    # signed service record.
    OPEN_REPAIR = "open_repair"
    DECIDE_WARRANTY = "decide_warranty"
    ISSUE_REPAIR_QUOTE = "issue_repair_quote"
    RECORD_QUOTE_ANSWER = "record_quote_answer"
    DISPATCH_ENGINEER = "dispatch_engineer"
    RECORD_REPAIR_VISIT = "record_repair_visit"
    # Service commitments: register (or revise) a contract's service policy; pause the repair's service
    # clocks (e.g. waiting for the customer's site access) and resume them.
    REGISTER_SERVICE_POLICY = "register_service_policy"
    PAUSE_SERVICE_CLOCKS = "pause_service_clocks"
    # Follow-ups of closed cases: record a contact attempt, the customer's rating, the outcome; send the
    # customer a single-use link to rate the service themselves.
    RECORD_FOLLOW_UP = "record_follow_up"
    ISSUE_FEEDBACK_LINK = "issue_feedback_link"
    # The supervision's review of a service complaint: verify it, record accountability and the apology,
    # close the review.
    REVIEW_COMPLAINT = "review_complaint"
    # An evidence bundle of a case for arbitration or court (docs/evidence-bundle.md); itself an event.
    EXPORT_EVIDENCE_BUNDLE = "export_evidence_bundle"
    # Erasure of a data subject's personal data by destroying their key: compliance requests it and
    # carries it out, a manager approves it in between.
    REQUEST_ERASURE = "request_erasure"
    APPROVE_ERASURE = "approve_erasure"
    ERASE_SUBJECT = "erase_subject"


class Allowance(Enum):
    """How far a role's permission reaches."""

    ALWAYS = "always"
    # Only what the user asked for themselves (their own access grants).
    OWN = "own"
    # Only a case the user holds an approved, current access grant for.
    GRANT = "grant"


Subject = Command | ReadKind

_AGENT, _ENGINEER, _QC, _MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN, _STAFF, _SUPERVISOR = (
    Role.SERVICE_AGENT,
    Role.ENGINEER,
    Role.QC_INSPECTOR,
    Role.MANAGER,
    Role.AUDITOR,
    Role.COMPLIANCE,
    Role.ADMIN,
    Role.STAFF,
    Role.SUPERVISOR,
)
# Everyone of the after-sales department and its overseers: they read any case without a grant. The
# supervision oversees the department's conduct, so it reads as the department does.
_INSIDERS = (_AGENT, _ENGINEER, _QC, _MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN, _SUPERVISOR)


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
    ReadKind.PROOFS: _always(_MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN, _SUPERVISOR),
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
    # The agents who deal with the customer apply, record the feedback and cancel for them. Free and
    # negotiated returns follow the rules (QC's confirmation; the goods unused and resalable), and so does a
    # refusal: agents, QC inspectors and managers review them. Another lawful ground is a judgement that
    # commits the company beyond its rules: a manager's. QC's inspection and re-inspection are QC's finding.
    # There is no warehouse role: the receipt check and the warehouse entry are recorded from the
    # warehouse's papers by the agents (as they record shipments) or by QC, who checks the goods anyway.
    # A refund pays money: a manager, as for a proposal that pays; the exchange ships goods: agents.
    Command.APPLY_RETURN: _always(_AGENT, _MANAGER, _ADMIN),
    Command.DECIDE_RETURN_ELIGIBILITY: _always(_AGENT, _QC, _MANAGER, _ADMIN),
    Command.ALLOW_RETURN_ON_LAWFUL_GROUND: _always(_MANAGER, _ADMIN),
    Command.RECORD_RETURN_INSPECTION: _always(_QC, _ADMIN),
    Command.RECORD_RETURN_RECEIPT: _always(_AGENT, _QC, _MANAGER, _ADMIN),
    Command.REFUND_RETURN: _always(_MANAGER, _ADMIN),
    Command.SHIP_RETURN_EXCHANGE: _always(_AGENT, _MANAGER, _ADMIN),
    Command.RECORD_RETURN_FEEDBACK: _always(_AGENT, _MANAGER, _ADMIN),
    Command.CANCEL_RETURN: _always(_AGENT, _MANAGER, _ADMIN),
    # A return is part of its case's file: read, and listed per case, as the case is.
    ReadKind.RETURN: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    # Installed units come with the contracts the agents already record shipments of; the engineers who
    # do the periodic inspections record them. A unit is no case file: insiders read it, no grant reaches it.
    Command.REGISTER_UNIT: _always(_AGENT, _MANAGER, _ADMIN),
    Command.RECORD_UNIT_INSPECTION: _always(_ENGINEER, _MANAGER, _ADMIN),
    ReadKind.INSTALLED_UNIT: _always(*_INSIDERS),
    # Whoever registers the repair request opens the repair. The engineer judges the warranty from the
    # unit and the evidence, prices parts and travel outside it, and records the visits; the agents who
    # deal with the customer record the answer to a quote and send the engineer.
    Command.OPEN_REPAIR: _always(_AGENT, _ENGINEER, _MANAGER, _ADMIN),
    Command.DECIDE_WARRANTY: _always(_ENGINEER, _MANAGER, _ADMIN),
    Command.ISSUE_REPAIR_QUOTE: _always(_ENGINEER, _MANAGER, _ADMIN),
    Command.RECORD_QUOTE_ANSWER: _always(_AGENT, _MANAGER, _ADMIN),
    Command.DISPATCH_ENGINEER: _always(_AGENT, _MANAGER, _ADMIN),
    Command.RECORD_REPAIR_VISIT: _always(_ENGINEER, _MANAGER, _ADMIN),
    # The repair is part of the case file: read as the case is.
    ReadKind.REPAIR: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    # A service policy is a contract's terms: registered by a manager, as a contract is, read by insiders.
    # The clocks wait on the customer's word (no site access): whoever deals with the customer or is on
    # site records the pause and the resumption. The clocks are the case's: read as the case is. The
    # alerts are the escalations to the manager, across cases: managers and those who oversee them.
    Command.REGISTER_SERVICE_POLICY: _always(_MANAGER, _ADMIN),
    Command.PAUSE_SERVICE_CLOCKS: _always(_AGENT, _ENGINEER, _MANAGER, _ADMIN),
    ReadKind.SERVICE_POLICY: _always(*_INSIDERS),
    ReadKind.SERVICE_CLOCKS: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    ReadKind.SERVICE_CLOCK_ALERTS: _always(_MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN, _SUPERVISOR),
    # Lists of units and of returns, and a customer's user file, show what nobody granted (the cases of
    # every customer, or every case of one): the department and its overseers; staff never list.
    ReadKind.UNIT_LIST: _always(*_INSIDERS),
    ReadKind.RETURN_LIST: _always(*_INSIDERS),
    ReadKind.USER_FILE: _always(*_INSIDERS),
    # The agents who deal with the customer follow up the closed cases, as a manager may; a customer who
    # rates through a link needs no role (the link is the permission). The follow-up is part of the case
    # file: read as the case is. The list of those due names cases nobody granted: insiders only.
    Command.RECORD_FOLLOW_UP: _always(_AGENT, _MANAGER, _ADMIN),
    Command.ISSUE_FEEDBACK_LINK: _always(_AGENT, _MANAGER, _ADMIN),
    ReadKind.FOLLOW_UP: {**_always(*_INSIDERS), _STAFF: Allowance.GRANT},
    ReadKind.FOLLOW_UPS_DUE: _always(*_INSIDERS),
    # A complaint about staff is verified by the supervision, not by the department complained about:
    # neither agents nor managers review one. Its findings name staff members and measures: no grant
    # reaches it; the supervision, the department's manager, auditors and compliance read it and the report.
    Command.REVIEW_COMPLAINT: _always(_SUPERVISOR, _ADMIN),
    ReadKind.COMPLAINT_REVIEW: _always(_SUPERVISOR, _MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN),
    ReadKind.COMPLAINT_REPORT: _always(_SUPERVISOR, _MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN),
    # The KPIs name no case, but they are the periodic feedback to management on how the department does:
    # management and those who oversee it, not the agents and engineers measured by them.
    ReadKind.KPI: _always(_MANAGER, _AUDITOR, _COMPLIANCE, _SUPERVISOR, _ADMIN),
    # What leaves the company for a court or an arbitrator, under a legal matter, is compliance's call.
    Command.EXPORT_EVIDENCE_BUNDLE: _always(_COMPLIANCE),
    # Erasure is the one change compliance makes: it answers for the data subjects' rights. Destroying a
    # key cannot be undone, so a manager approves it (the domain refuses the requester). Where an erasure
    # stands is read by those who take part in it and by the auditors.
    Command.REQUEST_ERASURE: _always(_COMPLIANCE, _ADMIN),
    Command.APPROVE_ERASURE: _always(_MANAGER, _ADMIN),
    Command.ERASE_SUBJECT: _always(_COMPLIANCE, _ADMIN),
    ReadKind.ERASURE: _always(_MANAGER, _AUDITOR, _COMPLIANCE, _ADMIN),
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


def eligibility_command(eligibility: Eligibility) -> Command:
    """The permission a return's eligibility decision needs: another lawful ground needs a manager."""
    if eligibility is Eligibility.LAWFUL_GROUND:
        return Command.ALLOW_RETURN_ON_LAWFUL_GROUND
    return Command.DECIDE_RETURN_ELIGIBILITY

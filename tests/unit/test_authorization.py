"""Who may run which command: the table, written out here as the business states it."""

from decimal import Decimal

import pytest

from application.authorization import (
    Allowance,
    Command,
    allowance,
    authorise,
    eligibility_command,
    proposal_command,
)
from application.errors import NotAllowed
from domain.access import ReadKind
from domain.actor import Actor, Role
from domain.case import ResolutionKind
from domain.money import Money
from domain.returns import Eligibility

AGENT, ENGINEER, QC, MANAGER, AUDITOR, COMPLIANCE, ADMIN, STAFF, SUPERVISOR = (
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

# Auditors and compliance officers read and export; they never change a case.
# Reopening undoes a closure the customer was told about, so only a manager (or admin) decides it.
MAY_RUN: dict[Command, set[Role]] = {
    Command.REGISTER: {AGENT, ENGINEER, MANAGER, ADMIN},
    Command.ACKNOWLEDGE: {AGENT, ENGINEER, MANAGER, ADMIN},
    Command.ASSIGN: {AGENT, MANAGER, ADMIN},
    Command.ADD_NOTE: {AGENT, ENGINEER, QC, MANAGER, ADMIN},
    Command.PROPOSE_RESOLUTION: {AGENT, ENGINEER, MANAGER, ADMIN},
    # Money leaves the company: only a manager offers it.
    Command.PROPOSE_PAYMENT: {MANAGER, ADMIN},
    Command.RECORD_CUSTOMER_ANSWER: {AGENT, MANAGER, ADMIN},
    Command.MARK_RESOLUTION_EXECUTED: {AGENT, MANAGER, ADMIN},
    Command.CLOSE: {AGENT, MANAGER, ADMIN},
    Command.REOPEN: {MANAGER, ADMIN},
    Command.WITHDRAW: {AGENT, MANAGER, ADMIN},
    Command.DECLARE_SATISFACTION: {AGENT, MANAGER, ADMIN},
    Command.OVERRIDE_LATE_OBJECTION: {MANAGER, ADMIN},
    # Evidence comes from the customer (agent), from site (engineer) and from the lab (QC inspector).
    Command.ATTACH_EVIDENCE: {AGENT, ENGINEER, QC, MANAGER, ADMIN},
    Command.SUPERSEDE_EVIDENCE: {AGENT, ENGINEER, QC, MANAGER, ADMIN},
    Command.REQUEST_ACCESS_GRANT: {STAFF, ADMIN},
    Command.DECIDE_ACCESS_GRANT: {MANAGER, ADMIN},
    # Staff withdraw only their own grants (see the last test).
    Command.REVOKE_ACCESS_GRANT: {MANAGER, ADMIN, STAFF},
    # A contract is what every objection is measured against: a manager registers it.
    Command.REGISTER_CONTRACT: {MANAGER, ADMIN},
    Command.RECORD_SHIPMENT: {AGENT, MANAGER, ADMIN},
    # Sampling and lab work is the QC inspector's and the engineer's; appointing the agency a manager's.
    Command.RECORD_SAMPLING: {ENGINEER, QC, MANAGER, ADMIN},
    Command.RECORD_LAB_RESULT: {ENGINEER, QC, MANAGER, ADMIN},
    Command.REQUEST_REINSPECTION: {ENGINEER, QC, MANAGER, ADMIN},
    Command.APPOINT_AGENCY: {MANAGER, ADMIN},
    # Liability: QC and engineers propose from the lab work and the site visit; a manager decides.
    Command.PROPOSE_LIABILITY: {ENGINEER, QC, MANAGER, ADMIN},
    Command.DECIDE_LIABILITY: {MANAGER, ADMIN},
    Command.PROPOSE_SETTLEMENT: {AGENT, MANAGER, ADMIN},
    Command.APPROVE_SETTLEMENT: {MANAGER, ADMIN},
    Command.RECORD_SETTLEMENT_ANSWER: {AGENT, MANAGER, ADMIN},
    Command.EXECUTE_SETTLEMENT: {AGENT, MANAGER, ADMIN},
    Command.ESCALATE_SETTLEMENT: {MANAGER, ADMIN},
    # Corrective actions: a manager plans them; the owner (any role of the department, or staff) or a
    # manager completes one (see the owner test); QC or a manager verifies it worked.
    Command.PLAN_CORRECTIVE_ACTION: {MANAGER, ADMIN},
    Command.COMPLETE_CORRECTIVE_ACTION: {AGENT, ENGINEER, QC, MANAGER, ADMIN, STAFF},
    Command.VERIFY_CORRECTIVE_ACTION: {QC, MANAGER, ADMIN},
    # Returns: agents apply, record the feedback and cancel for the customer; the rules' decisions (free,
    # negotiated, refused) by agents, QC or managers, another lawful ground by a manager; QC's inspections
    # by QC; the receipt and warehouse entry (no warehouse role) by agents or QC; a refund by a manager.
    Command.APPLY_RETURN: {AGENT, MANAGER, ADMIN},
    Command.DECIDE_RETURN_ELIGIBILITY: {AGENT, QC, MANAGER, ADMIN},
    Command.ALLOW_RETURN_ON_LAWFUL_GROUND: {MANAGER, ADMIN},
    Command.RECORD_RETURN_INSPECTION: {QC, ADMIN},
    Command.RECORD_RETURN_RECEIPT: {AGENT, QC, MANAGER, ADMIN},
    Command.REFUND_RETURN: {MANAGER, ADMIN},
    Command.SHIP_RETURN_EXCHANGE: {AGENT, MANAGER, ADMIN},
    Command.RECORD_RETURN_FEEDBACK: {AGENT, MANAGER, ADMIN},
    Command.CANCEL_RETURN: {AGENT, MANAGER, ADMIN},
    # Installed units: agents register them as they record shipments; engineers record inspection visits.
    Command.REGISTER_UNIT: {AGENT, MANAGER, ADMIN},
    Command.RECORD_UNIT_INSPECTION: {ENGINEER, MANAGER, ADMIN},
    # Repairs: engineers decide the warranty, quote and record the visits; agents record the customer's
    # answer to a quote and dispatch; whoever registers the repair request opens the repair.
    Command.OPEN_REPAIR: {AGENT, ENGINEER, MANAGER, ADMIN},
    Command.DECIDE_WARRANTY: {ENGINEER, MANAGER, ADMIN},
    Command.ISSUE_REPAIR_QUOTE: {ENGINEER, MANAGER, ADMIN},
    Command.RECORD_QUOTE_ANSWER: {AGENT, MANAGER, ADMIN},
    Command.DISPATCH_ENGINEER: {AGENT, MANAGER, ADMIN},
    Command.RECORD_REPAIR_VISIT: {ENGINEER, MANAGER, ADMIN},
    # Service commitments: a manager registers a contract's service policy; whoever deals with the customer
    # or is on site pauses and resumes the clocks.
    Command.REGISTER_SERVICE_POLICY: {MANAGER, ADMIN},
    Command.PAUSE_SERVICE_CLOCKS: {AGENT, ENGINEER, MANAGER, ADMIN},
    # Follow-ups: the agents who deal with the customer record them and send the feedback link.
    Command.RECORD_FOLLOW_UP: {AGENT, MANAGER, ADMIN},
    Command.ISSUE_FEEDBACK_LINK: {AGENT, MANAGER, ADMIN},
    # A complaint about staff is reviewed by the supervision, not by the department complained about.
    Command.REVIEW_COMPLAINT: {SUPERVISOR, ADMIN},
    # Erasure of a data subject: compliance requests it and carries it out once a manager approved it.
    Command.REQUEST_ERASURE: {COMPLIANCE, ADMIN},
    Command.APPROVE_ERASURE: {MANAGER, ADMIN},
    Command.ERASE_SUBJECT: {COMPLIANCE, ADMIN},
    Command.EXPORT_EVIDENCE_BUNDLE: {COMPLIANCE},
}
# The one change compliance makes: a data subject's erasure; it changes no case.
ERASURE_COMMANDS = {Command.REQUEST_ERASURE, Command.ERASE_SUBJECT}

CNY = Money(Decimal("100"), "CNY")

EVERY_PAIR = [(command, role) for command in Command for role in Role]


def test_the_table_covers_every_command() -> None:
    assert set(MAY_RUN) == set(Command)


@pytest.mark.parametrize(("command", "role"), EVERY_PAIR, ids=[f"{c.value}-{r.value}" for c, r in EVERY_PAIR])
def test_a_single_role_user_may_run_exactly_the_commands_of_their_role(command: Command, role: Role) -> None:
    if role in MAY_RUN[command]:
        assert authorise(command, "user-1", frozenset({role}), owner="user-1") == Actor("user-1", role)
    else:
        with pytest.raises(NotAllowed, match=f"^{command.value} needs one of the roles: "):
            authorise(command, "user-1", frozenset({role}))


# Compliance's export of an evidence bundle is recorded on the case, but changes nothing of it.
CASE_COMMANDS = [c for c in Command if c not in ERASURE_COMMANDS | {Command.EXPORT_EVIDENCE_BUNDLE}]


@pytest.mark.parametrize("command", CASE_COMMANDS, ids=[c.value for c in CASE_COMMANDS])
def test_auditors_and_compliance_officers_never_change_a_case(command: Command) -> None:
    with pytest.raises(NotAllowed):
        authorise(command, "watcher-1", frozenset({AUDITOR, COMPLIANCE}))


@pytest.mark.parametrize(
    ("command", "roles", "acting_role"),
    [
        (Command.CLOSE, {AUDITOR, AGENT}, AGENT),
        (Command.REOPEN, {AGENT, MANAGER}, MANAGER),
        (Command.REOPEN, {COMPLIANCE, ENGINEER, ADMIN}, ADMIN),
        (Command.ADD_NOTE, {QC, AUDITOR}, QC),
        (Command.PROPOSE_RESOLUTION, {ENGINEER, QC}, ENGINEER),
    ],
    ids=[
        "auditor+agent closes",
        "agent+manager reopens",
        "admin among others",
        "qc notes",
        "engineer proposes",
    ],
)
def test_a_user_with_several_roles_acts_in_one_that_allows_the_command(
    command: Command, roles: set[Role], acting_role: Role
) -> None:
    actor = authorise(command, "multi-1", frozenset(roles))

    assert actor == Actor("multi-1", acting_role)


@pytest.mark.parametrize(
    ("command", "roles", "needed"),
    [
        (Command.REOPEN, {AGENT, ENGINEER, QC}, "admin, manager"),
        (Command.ASSIGN, {ENGINEER}, "admin, manager, service_agent"),
        (Command.ADD_NOTE, set(), "admin, engineer, manager, qc_inspector, service_agent"),
    ],
    ids=["reopen", "assign", "no roles at all"],
)
def test_a_refusal_names_the_roles_that_would_be_allowed(
    command: Command, roles: set[Role], needed: str
) -> None:
    with pytest.raises(NotAllowed) as refused:
        authorise(command, "user-1", frozenset(roles))

    assert str(refused.value) == f"{command.value} needs one of the roles: {needed}"


def test_staff_withdraw_their_own_grants_and_nobody_else_s() -> None:
    roles = frozenset({STAFF})

    assert authorise(Command.REVOKE_ACCESS_GRANT, "staff-1", roles, owner="staff-1") == Actor(
        "staff-1", STAFF
    )
    with pytest.raises(NotAllowed, match=r"^revoke_access_grant: as staff you may act only on your own$"):
        authorise(Command.REVOKE_ACCESS_GRANT, "staff-1", roles, owner="staff-2")
    assert authorise(Command.REVOKE_ACCESS_GRANT, "boss-1", frozenset({STAFF, MANAGER}), owner="staff-2") == (
        Actor("boss-1", MANAGER)
    )


@pytest.mark.parametrize(
    ("kind", "amount", "command"),
    [
        (ResolutionKind.COMPENSATION, CNY, Command.PROPOSE_PAYMENT),
        (ResolutionKind.PRICE_REDUCTION, CNY, Command.PROPOSE_PAYMENT),
        (ResolutionKind.RETURN_REFUND, None, Command.PROPOSE_PAYMENT),
        (ResolutionKind.REPAIR, CNY, Command.PROPOSE_PAYMENT),
        (ResolutionKind.REPAIR, None, Command.PROPOSE_RESOLUTION),
        (ResolutionKind.ADVICE_ONLY, None, Command.PROPOSE_RESOLUTION),
    ],
    ids=["compensation", "price reduction", "refund without amount", "paid repair", "repair", "advice"],
)
def test_a_proposal_that_pays_money_needs_a_manager(
    kind: ResolutionKind, amount: Money | None, command: Command
) -> None:
    assert proposal_command(kind, amount) is command


@pytest.mark.parametrize("role", [AGENT, ENGINEER, QC, STAFF], ids=lambda r: r.value)
def test_only_its_owner_or_a_manager_completes_a_corrective_action(role: Role) -> None:
    command = Command.COMPLETE_CORRECTIVE_ACTION

    assert authorise(command, "owner-1", frozenset({role}), owner="owner-1") == Actor("owner-1", role)
    with pytest.raises(NotAllowed, match=f"^complete_corrective_action: as {role.value} you may act only"):
        authorise(command, "other-1", frozenset({role}), owner="owner-1")
    boss = authorise(command, "boss-1", frozenset({role, MANAGER}), owner="owner-1")
    assert boss == Actor("boss-1", MANAGER)


@pytest.mark.parametrize(
    ("eligibility", "command"),
    [
        (Eligibility.FREE, Command.DECIDE_RETURN_ELIGIBILITY),
        (Eligibility.NEGOTIATED, Command.DECIDE_RETURN_ELIGIBILITY),
        (Eligibility.NOT_ELIGIBLE, Command.DECIDE_RETURN_ELIGIBILITY),
        (Eligibility.LAWFUL_GROUND, Command.ALLOW_RETURN_ON_LAWFUL_GROUND),
    ],
    ids=lambda value: value.value,
)
def test_a_return_on_another_lawful_ground_needs_a_manager(
    eligibility: Eligibility, command: Command
) -> None:
    assert eligibility_command(eligibility) is command


# Lists of units and returns, and a customer's user file, show what nobody granted: never staff.
LISTS = [ReadKind.UNIT_LIST, ReadKind.RETURN_LIST, ReadKind.USER_FILE]


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
@pytest.mark.parametrize("what", LISTS, ids=[w.value for w in LISTS])
def test_the_department_lists_units_and_returns_and_reads_user_files_and_staff_never(
    what: ReadKind, role: Role
) -> None:
    expected = None if role is STAFF else (role, Allowance.ALWAYS)

    assert allowance(what, frozenset({role})) == expected


# The KPIs are management's feedback report: management and its overseers, not the people measured.
KPI_READERS = {MANAGER, AUDITOR, COMPLIANCE, SUPERVISOR, ADMIN}


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_management_and_its_overseers_read_the_kpis(role: Role) -> None:
    expected = (role, Allowance.ALWAYS) if role in KPI_READERS else None

    assert allowance(ReadKind.KPI, frozenset({role})) == expected

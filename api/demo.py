"""A fresh installation's users, and demo cases loaded through the same use cases a user calls.

Company names are invented but typical of the trade; every person is fictitious.
"""

import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import structlog

from application.ledger import Caller, CaseLedger, Registration
from application.ports import IdempotentRequest
from domain.actor import Actor, Role
from domain.case import CaseType, Channel, Contact, Customer, Outcome, ResolutionKind, Severity
from domain.equipment import InstalledUnit, WarrantyTerms, installed_unit_id
from domain.followup import FollowUp, follow_up_reason
from domain.measurement import Measurement
from domain.money import Money
from domain.repair import Repair, repair_id
from domain.returns import ReturnReason, ReturnRequest
from infra.users import UserStore

log = structlog.get_logger(__name__)

ADMIN_ID = "admin"
TOKENS_FILE = "tokens.json"

# One demo user per working role; the demo cases are recorded as their work.
DEMO_USERS: dict[Role, tuple[str, str]] = {
    Role.SERVICE_AGENT: ("demo-service-agent", "Li Na"),
    Role.ENGINEER: ("demo-engineer", "Zhao Gang"),
    Role.QC_INSPECTOR: ("demo-qc-inspector", "Sun Yan"),
    Role.MANAGER: ("demo-manager", "Chen Jie"),
    Role.AUDITOR: ("demo-auditor", "Guo Min"),
    Role.COMPLIANCE: ("demo-compliance", "He Ping"),
    Role.STAFF: ("demo-staff", "Wu Tao"),
    Role.SUPERVISOR: ("demo-supervisor", "Xu Qing"),
}

# Part of every demo command's idempotency key: a second `demo` replays the first run's results.
DEMO_SET = "aftersales-demo-v1"

# Within the published promise of a response in 30 minutes.
ACKNOWLEDGED_AFTER = timedelta(minutes=20)
ASSIGNED_AFTER = timedelta(minutes=30)


# -- first run ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstRun:
    admin_token: str
    tokens_file: Path


def create_first_users(users: UserStore, data_dir: Path) -> FirstRun | None:
    """On a database without users: an admin, whose token the caller shows once, and one demo user
    per role, whose tokens go to `data_dir/tokens.json` (readable by the owner only).

    Returns None when users exist already, so a restart never issues new tokens.
    """
    if not users.is_empty():
        return None
    admin_token = users.add(ADMIN_ID, "Administrator", frozenset({Role.ADMIN}))
    issued = {
        role.value: {"user_id": user_id, "token": users.add(user_id, name, frozenset({role}))}
        for role, (user_id, name) in DEMO_USERS.items()
    }
    tokens_file = _write_private(data_dir / TOKENS_FILE, json.dumps(issued, indent=2) + "\n")
    log.info("users.first_run", admin=ADMIN_ID, demo_users=[u["user_id"] for u in issued.values()])
    return FirstRun(admin_token, tokens_file)


def _write_private(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    # O_CREAT's mode applies only to a new file; an old file keeps its mode unless we set it.
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return path


# -- demo cases ---------------------------------------------------------------------------------


class DemoScript:
    """Sends the demo's commands as the demo users, each under a fixed idempotency key."""

    def __init__(self, ledger: CaseLedger) -> None:
        self.ledger = ledger
        self.now = ledger.clock.now()

    def as_(self, role: Role, step: str) -> Caller:
        user_id = DEMO_USERS[role][0]
        key = f"{user_id}:{DEMO_SET}/{step}"
        request_hash = hashlib.sha256(key.encode()).hexdigest()
        return Caller(user_id, frozenset({role}), idempotency=IdempotentRequest(key, request_hash))

    def ago(self, days: int = 0, hours: int = 0, minutes: int = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours, minutes=minutes)

    def register(self, step: str, registration: Registration, at: datetime) -> UUID:
        caller = self.as_(Role.SERVICE_AGENT, f"{step}/register")
        return self.ledger.register_case(caller, replace(registration, occurred_at=at)).id

    def take_on(self, step: str, case: UUID, department: str, assignee: str, registered: datetime) -> None:
        """What the service agent does first with every case: acknowledge it, then route it."""
        acknowledge = self.as_(Role.SERVICE_AGENT, f"{step}/acknowledge")
        self.ledger.acknowledge(acknowledge, case, registered + ACKNOWLEDGED_AFTER)
        assign = self.as_(Role.SERVICE_AGENT, f"{step}/assign")
        self.ledger.assign(assign, case, department, assignee, "", registered + ASSIGNED_AFTER)

    def note(self, step: str, role: Role, case: UUID, text: str, at: datetime) -> None:
        self.ledger.add_note(self.as_(role, step), case, text, at)


def load_demo(ledger: CaseLedger) -> list[UUID]:
    """Load the four demo cases; a second run appends nothing and returns the same cases."""
    script = DemoScript(ledger)
    cases = [
        _coal_short_weight(script),
        _cement_strength(script),
        _soda_ash_return(script),
        _monitoring_substation_fault(script),
    ]
    log.info("demo.loaded", cases=len(cases))
    return cases


AGENT, ENGINEER, QC, MANAGER = Role.SERVICE_AGENT, Role.ENGINEER, Role.QC_INSPECTOR, Role.MANAGER

# The first demo case's contact person, as a data subject with a fixed id: what an erasure demo (and its
# test, which looks for these bytes everywhere) erases. Every demo person has a fixed subject id.
DEMO_CONTACT_NAME = "Zhou Ming"
DEMO_CONTACT_PHONE = "+86 138 0013 8000"
DEMO_CONTACT_SUBJECT_ID = UUID("5b1ec7d0-0000-4000-8000-000000000107")

COAL_SHORT_WEIGHT = Registration(
    customer=Customer("CUST-JS-0107", "Taizhou Jiangyuan Thermal Power Co., Ltd."),
    contact=Contact(DEMO_CONTACT_NAME, DEMO_CONTACT_PHONE, subject_id=DEMO_CONTACT_SUBJECT_ID),
    channel=Channel.HOTLINE,
    case_type=CaseType.QUANTITY_OBJECTION,
    severity=Severity.NORMAL,
    product="Thermal coal Q5500 (Qnet,ar >= 5,500 kcal/kg)",
    shipment_refs=["RAIL-2026-0412-07", "WB-DT-58812"],
    batch_refs=["Q55-2026-0412"],
    description=(
        "Short weight on rail delivery. Dispatch weighbridge ticket WB-DT-58812: 58.2 t; arrival "
        "weighbridge at the plant siding: 56.9 t; shortfall 1.3 t (2.23 %). Contract allows 1.2 % "
        "transit loss by rail (0.70 t); customer claims 0.60 t beyond the allowance."
    ),
)


def _coal_short_weight(s: DemoScript) -> UUID:
    """Quantity objection settled by compensation in CNY and closed."""
    registered = s.ago(days=20)
    case = s.register("coal", COAL_SHORT_WEIGHT, registered)
    s.take_on("coal", case, "Quality control (metrology)", "demo-qc-inspector", registered)
    s.note("coal/note-weighbridge", QC, case, COAL_WEIGHBRIDGE_CHECK, s.ago(days=18))
    compensation = Money(Decimal("517.38"), "CNY")
    proposal = s.ledger.propose_resolution(
        s.as_(MANAGER, "coal/propose"), case, ResolutionKind.COMPENSATION, compensation,
        "Compensate 0.6016 t beyond the 1.2 % rail allowance at the contract price of CNY 860/t.",
        s.ago(days=12),
    ).extra["proposal"]  # fmt: skip
    s.ledger.accept_resolution(s.as_(AGENT, "coal/accept"), case, proposal, s.ago(days=9))
    credit_note = "Credit note CN-2026-0173 for CNY 517.38 issued by finance."
    s.ledger.mark_resolution_executed(s.as_(AGENT, "coal/execute"), case, credit_note, s.ago(days=6))
    s.ledger.close_case(s.as_(AGENT, "coal/close"), case, Outcome.RESOLVED, "", s.ago(days=5))
    _coal_follow_up(s, case)
    return case


def _coal_follow_up(s: DemoScript, case: UUID) -> None:
    """The follow-up of the closed coal case: the customer, new to us, rates the handling 5 of 5."""
    agent = Actor(DEMO_USERS[AGENT][0], AGENT)
    reason = follow_up_reason(COAL_SHORT_WEIGHT.case_type, is_new_customer=True)

    def make(now: datetime) -> FollowUp:
        follow_up = FollowUp.open(case_id=case, reason=reason, by=agent, now=s.ago(days=4))
        follow_up.rate(5, "Settled fast and fairly.", agent, s.ago(days=4))
        follow_up.record_outcome("Credit note received; deliveries normal.", True, agent, s.ago(days=4))
        return follow_up

    s.ledger.create(s.as_(AGENT, "coal/follow-up"), make)


COAL_WEIGHBRIDGE_CHECK = (
    "Dispatch weighbridge calibrated 3 months ago, certificate valid; wagon seals intact on arrival. "
    "Total moisture Mt 9.8 % at loading vs 9.5 % at arrival explains about 0.2 t; the rest is not "
    "explained. Excess over allowance: 1.3 t - 58.2 t x 1.2 % = 0.6016 t."
)


CEMENT_STRENGTH = Registration(
    customer=Customer("CUST-AH-0233", "Hefei Chengjian Ready-Mixed Concrete Co., Ltd."),
    contact=Contact("Xu Fang", "+86 137 0000 0233", subject_id=UUID("5b1ec7d0-0000-4000-8000-000000000233")),
    channel=Channel.EMAIL,
    case_type=CaseType.QUALITY_OBJECTION,
    severity=Severity.HIGH,
    product="Cement P·O 42.5 (GB 175)",
    shipment_refs=["TRK-2026-0301-22"],
    batch_refs=["PO425-2026-0301"],
    description=(
        "Customer lab reports 28-day compressive strength 39.8 MPa on the sample jointly taken and "
        "sealed at delivery (seal S-0301-114); GB 175 requires >= 42.5 MPa. 3-day strength 22.1 MPa "
        "met the standard. Test report and photos attached to the e-mail."
    ),
)


def _cement_strength(s: DemoScript) -> UUID:
    """Quality objection still in progress: lab results disagree, arbitration testing is being arranged."""
    registered = s.ago(days=6)
    case = s.register("cement", CEMENT_STRENGTH, registered)
    s.take_on("cement", case, "Quality control laboratory", "demo-qc-inspector", registered)
    for number, (role, days_ago, text) in enumerate(CEMENT_NOTES, start=1):
        s.note(f"cement/note-{number}", role, case, text, s.ago(days=days_ago))
    return case


# (who, days ago, what they wrote)
CEMENT_NOTES: list[tuple[Role, int, str]] = [
    (
        QC, 5,
        "Our lab's 28-day result for lot PO425-2026-0301: 45.6 MPa (GB/T 17671). The jointly sealed "
        "retained sample is kept for 90 days.",
    ),
    (
        ENGINEER, 3,
        "Site visit: the customer's curing tank was at 14 °C; GB/T 17671 requires 20 ± 1 °C. Asked for "
        "the curing records of the test specimens.",
    ),
    (
        QC, 1,
        "Proposed arbitration testing of the retained sample at the provincial cement quality inspection "
        "centre; awaiting the customer's consent.",
    ),
]  # fmt: skip


SODA_ASH_RETURN = Registration(
    customer=Customer("CUST-SD-0418", "Weifang Lüyuan Glass Products Co., Ltd."),
    contact=Contact("Ma Qiang", "+86 135 0000 0418", subject_id=UUID("5b1ec7d0-0000-4000-8000-000000000418")),
    channel=Channel.ONLINE,
    case_type=CaseType.RETURN_REQUEST,
    severity=Severity.NORMAL,
    product="Industrial sodium carbonate, dense (GB/T 210 class I, total alkali >= 99.2 %)",
    shipment_refs=["TRK-2026-0520-03"],
    batch_refs=["SA-2026-0517"],
    description=(
        "Return request for 12 t of 40 t delivered: customer's assay gives total alkali 98.6 % against "
        "99.4 % on our certificate of analysis, and the 1 t bags are caked. Bags unused."
    ),
)


def _soda_ash_return(s: DemoScript) -> UUID:
    """Return request with a refund proposal awaiting the customer's answer."""
    registered = s.ago(days=4)
    case = s.register("soda-ash", SODA_ASH_RETURN, registered)
    s.take_on("soda-ash", case, "Quality control laboratory", "demo-qc-inspector", registered)
    s.note("soda-ash/note-assay", QC, case, SODA_ASH_ASSAY, s.ago(days=3))
    refund = Money(Decimal("22200.00"), "CNY")
    s.ledger.propose_resolution(
        s.as_(MANAGER, "soda-ash/propose"), case, ResolutionKind.RETURN_REFUND, refund,
        "Take back the 12 t of caked bags, freight at our cost, and refund CNY 1,850/t after the receipt "
        "check.",
        s.ago(days=1),
    )  # fmt: skip
    _soda_ash_return_application(s, case)
    return case


def _soda_ash_return_application(s: DemoScript, case: UUID) -> None:
    """The customer's application to return the 12 t of caked bags."""
    agent = Actor(DEMO_USERS[AGENT][0], AGENT)

    def make(now: datetime) -> ReturnRequest:
        return ReturnRequest.apply(
            case_id=case,
            reason=ReturnReason.QUALITY_PROBLEM,
            description="12 t of 1 t bags caked; total alkali 98.6 % by the customer's assay.",
            product=SODA_ASH_RETURN.product,
            spec="GB/T 210 class I, dense",
            quantity=Measurement(Decimal("12"), "t"),
            shipment_reference=None,
            order_reference="PO-WF-2026-0517",
            purchased_at=s.ago(days=10),
            by=agent,
            now=s.ago(days=3),
        )

    s.ledger.create(s.as_(AGENT, "soda-ash/return"), make)


SODA_ASH_ASSAY = (
    "Retained sample of batch SA-2026-0517 assays 99.3 %. Photos show torn inner liners on the caked "
    "bags: moisture ingress in transit, not an off-spec batch. The return is eligible."
)


SUBSTATION_FAULT = Registration(
    customer=Customer("CUST-SX-0051", "Shanxi Jinfeng Coal Industry Co., Ltd. (Xinyuan Mine)"),
    contact=Contact("Yang Bo", "+86 136 0000 0051", subject_id=UUID("5b1ec7d0-0000-4000-8000-000000000051")),
    channel=Channel.HOTLINE,
    case_type=CaseType.EQUIPMENT_FAULT,
    severity=Severity.CRITICAL,
    product="KJ-F8 mine safety monitoring substation",
    shipment_refs=["EQ-2025-0917-02"],
    batch_refs=["SN KJF8-25-03318"],
    description=(
        "Substation No. 3 at working face 2105 drops methane sensor channels 5-8 and loses its link to "
        "the surface monitoring centre about every 40 minutes. Accepted 8 months ago: under the "
        "18-month warranty for electrical parts."
    ),
)


def _monitoring_substation_fault(s: DemoScript) -> UUID:
    """Equipment fault under warranty: acknowledged within the 30-minute promise, engineer assigned."""
    registered = s.ago(hours=3)
    case = s.register("substation", SUBSTATION_FAULT, registered)
    s.take_on("substation", case, "Field service (Shanxi)", "demo-engineer", registered)
    _substation_repair(s, case, registered)
    return case


SUBSTATION_SERIAL = "KJF8-25-03318"
SITE_ACCESS = "Waiting for the customer's site access: underground permit for working face 2105"


def _substation_repair(s: DemoScript, case: UUID, registered: datetime) -> None:
    """The unit and its repair: in warranty, engineer dispatched, clocks paused for the underground
    permit, then on site; the fix is under way (the fix and signed-record clocks still run)."""
    if repair_id(case) in s.ledger.repository:
        return
    agent = Actor(DEMO_USERS[AGENT][0], AGENT)
    engineer = Actor(DEMO_USERS[ENGINEER][0], ENGINEER)
    unit = s.ledger.find(installed_unit_id(SUBSTATION_SERIAL))
    if not isinstance(unit, InstalledUnit):
        unit = InstalledUnit.register(
            customer_id=SUBSTATION_FAULT.customer.id,
            model="KJ-F8",
            serial_number=SUBSTATION_SERIAL,
            site="Xinyuan Mine, working face 2105, substation No. 3",
            region="Shanxi",
            accepted_at=s.ago(days=240),
            warranty=[WarrantyTerms("electrical", 18, 15), WarrantyTerms("steel_structure", 36)],
            inspection_interval_months=6,
            by=agent,
            now=s.ago(days=240),
        )
    step = timedelta(minutes=30)
    repair = Repair.open(
        case_id=case,
        unit=unit,
        component_class="electrical",
        fault_code="E-LINK-LOSS",
        reported_at=registered,
        by=engineer,
        now=registered + step,
    )
    unit.record_repair(repair.id, repair.fault_code, True, engineer, registered + step)
    repair.decide_warranty(
        unit, True, None, [], "Electrical parts, 18 months from acceptance", engineer, registered + step
    )
    repair.dispatch("demo-engineer", registered + 4 * step, agent, registered + step)
    repair.pause_clocks(SITE_ACCESS, registered + 2 * step, agent, registered + 2 * step)
    repair.resume_clocks(registered + 3 * step, agent, registered + 3 * step)
    repair.arrive(1, registered + 4 * step, "Working face 2105", engineer, registered + 4 * step)
    s.ledger.save(unit, repair)

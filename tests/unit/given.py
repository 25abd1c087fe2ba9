"""Given/when/then for the Case aggregate: given these past events, when this command, then these events.

`given(acknowledged(), proposed())` registers a case and runs the steps one minute apart; the events
they record are the past. `when(case, command)` runs one command and returns only the new events.
"""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from eventsourcing.domain import DomainEvent

from domain.actor import Actor, Role
from domain.case import (
    Case,
    CaseType,
    Channel,
    Contact,
    Customer,
    Outcome,
    ResolutionKind,
    Severity,
)
from domain.evidence import EvidenceKind, StoredFile
from domain.money import Money

CHINA = timezone(timedelta(hours=8))
REGISTERED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
# Every given step happens within the first hour; the command under test happens after them.
LATER = REGISTERED_AT + timedelta(hours=2)
NOW = REGISTERED_AT + timedelta(days=1)

AGENT = Actor("agent-1", Role.SERVICE_AGENT)
MANAGER = Actor("manager-1", Role.MANAGER)
COMPLIANCE = Actor("compliance-1", Role.COMPLIANCE)
CNY_1200 = Money(Decimal("1200.5000"), "CNY")
LAB_REPORT = StoredFile("ab" * 32, 52_000, "application/pdf", "CCIC report 0815.pdf")

Step = Callable[[Case, datetime], Any]
Command = Callable[[Case], Any]


def register(**overrides: Any) -> Case:
    """A valid registration of a coal calorific-value objection, with any argument overridden."""
    arguments: dict[str, Any] = {
        "number": "AS-2026-000042",
        "customer": Customer("CUST-0042", "Jiangsu Huadian Power"),
        "contact": Contact("Wang Lei", phone="+86 138 0000 0042"),
        "channel": Channel.HOTLINE,
        "case_type": CaseType.QUALITY_OBJECTION,
        "severity": Severity.HIGH,
        "product": "Thermal coal Q5500",
        "shipment_refs": ["SHP-2026-0815"],
        "batch_refs": ["B-0815-01"],
        "description": "Qnet,ar measured 5,120 kcal/kg against 5,500 contracted.",
        "by": AGENT,
        "at": REGISTERED_AT,
        "now": NOW,
    }
    arguments.update(overrides)
    return Case.register(**arguments)


def history(*steps: Step) -> Case:
    """A registered case after the steps, one minute apart; its events are still pending."""
    case = register()
    for minute, step in enumerate(steps, start=1):
        step(case, REGISTERED_AT + timedelta(minutes=minute))
    return case


def given(*steps: Step) -> Case:
    """A registered case after the steps, with every event so far already recorded (the past)."""
    case = history(*steps)
    case.collect_events()
    return case


def when(case: Case, command: Command) -> list[DomainEvent]:
    """The events that the command records, and only those."""
    command(case)
    return list(case.collect_events())


def replay(events: list[DomainEvent]) -> Case:
    """The case rebuilt from its recorded events alone, as the repository does."""
    case: Case | None = None
    for recorded in events:
        case = recorded.mutate(case)
    assert case is not None, "a history starts with a registration"
    return case


def names(events: list[DomainEvent]) -> list[str]:
    return [type(event).__name__ for event in events]


# -- past events, as steps -----------------------------------------------------------------------


def acknowledged() -> Step:
    return lambda case, at: case.acknowledge(AGENT, at, NOW)


def assigned(department: str = "QC lab", assignee: str = "li.qc", reason: str = "") -> Step:
    return lambda case, at: case.assign(department, assignee, reason, MANAGER, at, NOW)


def noted(text: str = "Customer sent the lab report by e-mail.") -> Step:
    return lambda case, at: case.add_note(text, AGENT, at, NOW)


def proposed(kind: ResolutionKind = ResolutionKind.PRICE_REDUCTION, amount: Money | None = CNY_1200) -> Step:
    return lambda case, at: case.propose_resolution(kind, amount, "Price cut per contract", AGENT, at, NOW)


def accepted() -> Step:
    return lambda case, at: case.accept_resolution(case.proposals[-1].number, AGENT, at, NOW)


def rejected() -> Step:
    return lambda case, at: case.reject_resolution(case.proposals[-1].number, "Too little", AGENT, at, NOW)


def executed() -> Step:
    return lambda case, at: case.mark_resolution_executed("Credit note CN-7 issued", AGENT, at, NOW)


def closed(outcome: Outcome = Outcome.RESOLVED, reason: str = "") -> Step:
    return lambda case, at: case.close(outcome, reason, AGENT, at, NOW)


def withdrawn() -> Step:
    return lambda case, at: case.withdraw("Customer found a dosing error", AGENT, at, NOW)


def attached(file: StoredFile = LAB_REPORT, kind: EvidenceKind = EvidenceKind.LAB_REPORT) -> Step:
    return lambda case, at: case.attach_evidence(file, kind, "CCIC lab report", AGENT, at, NOW)


def superseded(reason: str = "Report of another shipment") -> Step:
    """The oldest current attachment superseded, with no replacement."""
    return lambda case, at: case.supersede_evidence(
        case.current_attachments()[0].id, None, reason, AGENT, at, NOW
    )


def flagged_late(shipment_ref: str = "SHP-2026-0815") -> Step:
    """Registration found the contract's window for the shipment closed a day before the objection."""
    return lambda case, at: case.flag_late_objection(
        shipment_ref, REGISTERED_AT - timedelta(days=1), REGISTERED_AT, AGENT, at
    )


def overridden(reason: str = "Rail delay; goodwill for a key account") -> Step:
    return lambda case, at: case.override_late_objection(reason, MANAGER, at, NOW)


def reopened() -> Step:
    return lambda case, at: case.reopen("Customer disputes the credit", MANAGER, at, NOW)


RESOLVED = (acknowledged(), proposed(), accepted(), executed(), closed())


def settlement_agreed(proposal: int = 1) -> Step:
    return lambda case, at: case.record_settlement_agreed(proposal, AGENT, at)


def settlement_executed() -> Step:
    return lambda case, at: case.record_settlement_executed("credit_note", "CN-2026-0042", AGENT, at)


def satisfied(yes: bool = True) -> Step:
    comment = "" if yes else "The credit note is short of the agreed sum"
    return lambda case, at: case.declare_satisfaction(yes, comment, AGENT, at, NOW)


def held() -> Step:
    return lambda case, at: case.place_under_legal_hold("Settlement taken to arbitration", MANAGER, at)


def exported(
    purpose: str = "Arbitration of the Q5500 dispute", legal_matter: str = "CIETAC 2026-0815"
) -> Step:
    """An evidence bundle exported, stating one other stream (an inspection) at version 3."""
    heads = {"8e2a9a0d-82d2-4435-aab9-fc8de5b015cf": 3}
    bundle = "5a5f2dd5-a90f-486a-bddc-b4f4b946e548"
    return lambda case, at: case.record_evidence_export(
        bundle, heads, purpose, legal_matter, "zip", COMPLIANCE, at
    )

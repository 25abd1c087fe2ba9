"""Repairs of installed units: given what a repair recorded, when a command, then these events (or this
refusal); the warranty decision against the unit's terms, the quote outside warranty, the field visits,
and the times the service clocks read."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain.actor import Actor, Role
from domain.equipment import Exclusion, InstalledUnit, WarrantyTerms
from domain.errors import DomainError, InvalidValue
from domain.money import Money
from domain.repair import (
    PartUsed,
    Quote,
    QuoteLine,
    QuoteStatus,
    Repair,
    RepairRuleViolation,
    ServiceRecordSignature,
    VisitNotFound,
    VisitResult,
    repair_id,
)

CHINA = timezone(timedelta(hours=8))
ACCEPTED_AT = datetime(2025, 1, 15, 10, 0, tzinfo=CHINA)
# Electrical parts (18 months) are in warranty until the end of 15 July 2026; steel (36) until 2028.
REPORTED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=CHINA)
NOW = REPORTED_AT + timedelta(minutes=10)
LATER = REPORTED_AT + timedelta(hours=1)

AGENT = Actor("agent-1", Role.SERVICE_AGENT)
ENGINEER = Actor("engineer-1", Role.ENGINEER)
CASE_ID = uuid4()
PHOTO = uuid4()
SIGNED_PDF = uuid4()
SHA = "ab" * 32


def unit(**overrides: Any) -> InstalledUnit:
    arguments: dict[str, Any] = {
        "customer_id": "CUST-0042",
        "model": "KBZ-630 flameproof switch",
        "serial_number": "SN-2025-0001",
        "site": "Datong No. 2 mine",
        "region": "Shanxi",
        "accepted_at": ACCEPTED_AT,
        "warranty": (WarrantyTerms("electrical", 18), WarrantyTerms("steel_structure", 36)),
        "inspection_interval_months": 6,
        "by": AGENT,
        "now": ACCEPTED_AT,
    }
    arguments.update(overrides)
    return InstalledUnit.register(**arguments)


UNIT = unit()


def opened(component_class: str = "electrical", reported_at: datetime = REPORTED_AT) -> Repair:
    return Repair.open(
        case_id=CASE_ID,
        unit=UNIT,
        component_class=component_class,
        fault_code="E-17",
        reported_at=reported_at,
        by=AGENT,
        now=NOW,
    )


def decided(in_warranty: bool = True, **overrides: Any) -> Repair:
    repair = opened(**overrides)
    if in_warranty:
        repair.decide_warranty(UNIT, True, None, [], "Contactor coil burnt out", ENGINEER, NOW)
    else:
        repair.decide_warranty(UNIT, False, Exclusion.MISUSE, [PHOTO], "Overloaded", ENGINEER, NOW)
    return repair


QUOTE = Quote(
    lines=(QuoteLine("KBZ-C-630", "Vacuum contactor", Decimal("1"), Money(Decimal("2350.00"), "CNY")),),
    travel=Money(Decimal("800.00"), "CNY"),
)


def dispatched(repair: Repair | None = None) -> Repair:
    repair = repair or decided()
    repair.dispatch("engineer-1", NOW + timedelta(hours=4), AGENT, NOW)
    return repair


def arrived(repair: Repair | None = None) -> Repair:
    repair = repair or dispatched()
    number = len(repair.visits)
    repair.arrive(
        number, NOW + timedelta(hours=5), "Face 8103 switch room", ENGINEER, LATER + timedelta(hours=5)
    )
    return repair


def worked(result: VisitResult = VisitResult.FIXED, repair: Repair | None = None) -> Repair:
    repair = repair or arrived()
    number = len(repair.visits)
    visit = repair.visit(number)
    assert visit.arrived_at is not None
    repair.record_work(
        number,
        started_at=visit.arrived_at + timedelta(minutes=20),
        finished_at=visit.arrived_at + timedelta(hours=3),
        work_done="Replaced the contactor, tested under load",
        parts_used=[PartUsed("KBZ-C-630", Decimal("1"))],
        result=result,
        by=ENGINEER,
        now=visit.arrived_at + timedelta(hours=4),
    )
    return repair


def signature(signed_at: datetime) -> ServiceRecordSignature:
    return ServiceRecordSignature("Zhang Wei", signed_at, SIGNED_PDF, SHA)


def new_events(repair: Repair) -> list[Any]:
    return list(repair.collect_events())


# -- opening ---------------------------------------------------------------------------------------


def test_a_repair_opens_for_its_case_and_names_the_unit_and_fault():
    repair = opened()

    [event] = new_events(repair)
    assert type(event) is Repair.Opened
    assert (event.unit_id, event.component_class, event.fault_code, event.reported_at) == (
        UNIT.id,
        "electrical",
        "E-17",
        REPORTED_AT,
    )
    assert (event.actor, event.occurred_at) == (AGENT, NOW)
    assert repair.id == repair_id(CASE_ID)
    assert repair.in_warranty is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"component_class": " "}, "component_class"),
        ({"fault_code": ""}, "fault_code"),
        ({"reported_at": datetime(2026, 3, 2, 9, 0)}, "reported_at"),
    ],
)
def test_a_repair_does_not_open_with(overrides: dict[str, Any], field: str):
    arguments: dict[str, Any] = {
        "case_id": CASE_ID,
        "unit": UNIT,
        "component_class": "electrical",
        "fault_code": "E-17",
        "reported_at": REPORTED_AT,
        "by": AGENT,
        "now": NOW,
    }
    with pytest.raises(InvalidValue) as refused:
        Repair.open(**{**arguments, **overrides})

    assert refused.value.field == field


# -- the warranty decision -------------------------------------------------------------------------

LAST_ELECTRICAL_MOMENT = datetime(2026, 7, 15, 23, 59, 59, tzinfo=CHINA)
FIRST_UNCOVERED = datetime(2026, 7, 16, 0, 0, tzinfo=CHINA)


@pytest.mark.parametrize(
    ("component_class", "reported_at", "in_warranty", "exclusion", "evidence", "field"),
    [
        ("electrical", FIRST_UNCOVERED, True, None, [], "in_warranty"),
        ("hydraulics", REPORTED_AT, True, None, [], "in_warranty"),
        ("electrical", REPORTED_AT, False, None, [], "exclusion"),
        ("electrical", LAST_ELECTRICAL_MOMENT, False, None, [], "exclusion"),
        ("electrical", REPORTED_AT, False, Exclusion.MISUSE, [], "evidence_attachment_ids"),
        ("electrical", REPORTED_AT, True, Exclusion.MISUSE, [PHOTO], "exclusion"),
    ],
    ids=[
        "in-warranty-the-day-after-it-ended",
        "in-warranty-for-a-class-not-covered",
        "outside-without-exclusion-while-covered",
        "outside-without-exclusion-on-the-last-day",
        "exclusion-without-evidence",
        "in-warranty-with-an-exclusion",
    ],
)
def test_a_warranty_decision_is_refused(
    component_class: str,
    reported_at: datetime,
    in_warranty: bool,
    exclusion: Exclusion | None,
    evidence: list[Any],
    field: str,
):
    repair = opened(component_class, reported_at)

    with pytest.raises(DomainError) as refused:
        repair.decide_warranty(UNIT, in_warranty, exclusion, evidence, "Looked at it", ENGINEER, LATER)

    assert refused.value.field == field


@pytest.mark.parametrize(
    ("component_class", "reported_at", "in_warranty", "exclusion"),
    [
        ("electrical", LAST_ELECTRICAL_MOMENT, True, None),
        ("electrical", FIRST_UNCOVERED, False, None),
        ("steel_structure", FIRST_UNCOVERED, True, None),
        ("hydraulics", REPORTED_AT, False, None),
        ("electrical", REPORTED_AT, False, Exclusion.UNAUTHORISED_REPAIR),
        ("electrical", FIRST_UNCOVERED, False, Exclusion.FORCE_MAJEURE),
    ],
    ids=[
        "in-on-the-last-day",
        "expired-the-day-after",
        "steel-still-covered",
        "class-not-covered",
        "excluded-while-covered",
        "excluded-after-expiry",
    ],
)
def test_a_warranty_decision_is_recorded(
    component_class: str, reported_at: datetime, in_warranty: bool, exclusion: Exclusion | None
):
    repair = opened(component_class, reported_at)
    repair.collect_events()
    evidence = [PHOTO] if exclusion else []

    repair.decide_warranty(UNIT, in_warranty, exclusion, evidence, "Seen on site", ENGINEER, LATER)

    [event] = new_events(repair)
    assert type(event) is Repair.WarrantyDecided
    assert (event.in_warranty, event.exclusion, event.evidence_attachment_ids, event.reason) == (
        in_warranty,
        exclusion,
        evidence,
        "Seen on site",
    )
    assert (event.actor, event.occurred_at) == (ENGINEER, LATER)
    assert repair.in_warranty is in_warranty


def test_the_warranty_is_decided_once_for_the_repairs_own_unit():
    repair = decided()
    other_unit = unit(serial_number="SN-2025-0002")

    with pytest.raises(RepairRuleViolation) as twice:
        repair.decide_warranty(UNIT, True, None, [], "Again", ENGINEER, LATER)
    with pytest.raises(InvalidValue) as other:
        opened().decide_warranty(other_unit, True, None, [], "Wrong unit", ENGINEER, LATER)

    assert (twice.value.field, other.value.field) == ("in_warranty", "unit")


def test_a_decision_needs_a_reason():
    with pytest.raises(InvalidValue) as refused:
        opened().decide_warranty(UNIT, True, None, [], " ", ENGINEER, LATER)

    assert refused.value.field == "reason"


# -- the quote outside warranty --------------------------------------------------------------------


def test_a_quote_totals_parts_and_travel():
    quote = Quote(
        lines=(
            QuoteLine("KBZ-C-630", "Vacuum contactor", Decimal("2"), Money(Decimal("2350.00"), "CNY")),
            QuoteLine("CBL-35", "Cable, metres", Decimal("12.5"), Money(Decimal("48.20"), "CNY")),
        ),
        travel=Money(Decimal("800.00"), "CNY"),
    )

    assert quote.total == Money(Decimal("6102.5000"), "CNY")


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Quote((), Money(Decimal("-1"), "CNY")), "travel"),
        (
            lambda: Quote((QuoteLine("P", "Part", Decimal(1), Money(Decimal(1), "EUR")),), QUOTE.travel),
            "lines",
        ),
        (lambda: QuoteLine("P", "Part", Decimal(0), Money(Decimal(1), "CNY")), "quantity"),
        (lambda: QuoteLine(" ", "Part", Decimal(1), Money(Decimal(1), "CNY")), "part_number"),
        (lambda: PartUsed("P", Decimal("-1")), "quantity"),
    ],
    ids=["negative-travel", "two-currencies", "zero-quantity", "no-part-number", "negative-part-used"],
)
def test_a_quote_refuses(build: Any, field: str):
    with pytest.raises(InvalidValue) as refused:
        build()

    assert refused.value.field == field


def test_outside_warranty_the_quote_is_accepted_before_the_engineer_is_dispatched():
    repair = decided(in_warranty=False)
    with pytest.raises(RepairRuleViolation) as unquoted:
        dispatched(repair)
    number = repair.issue_quote(QUOTE, AGENT, LATER)
    with pytest.raises(RepairRuleViolation) as unanswered:
        dispatched(repair)
    repair.collect_events()

    repair.accept_quote(number, AGENT, LATER)
    dispatched(repair)

    assert (unquoted.value.field, unanswered.value.field) == ("quote", "quote")
    assert [type(e) for e in new_events(repair)] == [Repair.QuoteAccepted, Repair.EngineerDispatched]
    assert repair.quotes[1].status is QuoteStatus.ACCEPTED


def test_a_rejected_quote_may_be_followed_by_a_revised_one():
    repair = decided(in_warranty=False)
    repair.issue_quote(QUOTE, AGENT, LATER)
    with pytest.raises(RepairRuleViolation):
        repair.issue_quote(QUOTE, AGENT, LATER)

    repair.reject_quote(1, "Too dear", AGENT, LATER)
    number = repair.issue_quote(QUOTE, AGENT, LATER)

    assert number == 2
    assert (repair.quotes[1].status, repair.quotes[1].rejection_reason) == (QuoteStatus.REJECTED, "Too dear")
    with pytest.raises(RepairRuleViolation):
        repair.accept_quote(1, AGENT, LATER)


def test_a_repair_in_warranty_is_not_quoted():
    with pytest.raises(RepairRuleViolation) as refused:
        decided().issue_quote(QUOTE, AGENT, LATER)

    assert refused.value.field == "quote"


# -- field visits ----------------------------------------------------------------------------------


def test_no_dispatch_before_the_warranty_decision():
    with pytest.raises(RepairRuleViolation) as refused:
        dispatched(opened())

    assert refused.value.field == "visit"


def test_a_visit_is_dispatched_arrives_works_and_its_record_is_signed():
    repair = decided()
    repair.collect_events()

    worked(repair=arrived(dispatched(repair)))
    visit = repair.visit(1)
    assert visit.finished_at is not None
    repair.sign_service_record(
        1, signature(visit.finished_at + timedelta(minutes=5)), AGENT, LATER + timedelta(days=1)
    )

    events = new_events(repair)
    assert [type(e) for e in events] == [
        Repair.EngineerDispatched,
        Repair.EngineerArrived,
        Repair.WorkRecorded,
        Repair.ServiceRecordSigned,
    ]
    assert all(e.actor in (AGENT, ENGINEER) and e.occurred_at.tzinfo for e in events)
    visit = repair.visit(1)
    assert (visit.engineer, visit.where, visit.result) == (
        "engineer-1",
        "Face 8103 switch room",
        VisitResult.FIXED,
    )
    assert visit.parts_used == (PartUsed("KBZ-C-630", Decimal("1")),)
    assert repair.is_fixed


def test_the_service_clocks_read_dispatch_arrival_start_fix_and_signature():
    repair = worked(VisitResult.NEEDS_PARTS)
    first = repair.visit(1)
    worked(repair=arrived(dispatched(repair)))
    second = repair.visit(2)
    assert second.finished_at is not None
    signed_at = second.finished_at + timedelta(minutes=10)
    repair.sign_service_record(2, signature(signed_at), AGENT, signed_at)

    assert (repair.dispatched_at, repair.arrived_at, repair.work_started_at) == (
        first.dispatched_at,
        first.arrived_at,
        first.started_at,
    )
    assert (repair.fixed_at, repair.signed_at) == (second.finished_at, signed_at)


def test_before_anything_happened_the_clocks_read_nothing():
    repair = decided()

    assert (
        repair.dispatched_at,
        repair.arrived_at,
        repair.work_started_at,
        repair.fixed_at,
        repair.signed_at,
    ) == (
        None,
        None,
        None,
        None,
        None,
    )


def test_a_further_visit_follows_a_visit_that_did_not_fix_the_fault():
    open_visit = dispatched()
    with pytest.raises(RepairRuleViolation) as still_open:
        dispatched(open_visit)
    fixed = worked()
    with pytest.raises(RepairRuleViolation) as after_fix:
        dispatched(fixed)

    assert len(dispatched(worked(VisitResult.NOT_FIXED)).visits) == 2
    assert (still_open.value.field, after_fix.value.field) == ("visit", "visit")


@pytest.mark.parametrize(
    ("arrival", "where", "field"),
    [
        (NOW - timedelta(minutes=1), "Switch room", "arrived_at"),
        (NOW, "Switch room", "arrived_at"),
        (NOW + timedelta(days=2), "Switch room", "arrived_at"),
        (datetime(2026, 3, 2, 15, 0), "Switch room", "arrived_at"),
        (NOW + timedelta(minutes=30), " ", "where"),
    ],
    ids=["before-dispatch", "at-dispatch", "in-the-future", "naive", "nowhere"],
)
def test_an_arrival_is_refused(arrival: datetime, where: str, field: str):
    repair = dispatched()

    with pytest.raises(DomainError) as refused:
        repair.arrive(1, arrival, where, ENGINEER, LATER)

    assert refused.value.field == field


def test_a_visit_arrives_once_and_only_a_dispatched_visit_arrives():
    repair = arrived()

    with pytest.raises(RepairRuleViolation):
        repair.arrive(1, LATER + timedelta(hours=6), "Switch room", ENGINEER, LATER + timedelta(hours=6))
    with pytest.raises(VisitNotFound) as unknown:
        repair.arrive(2, LATER, "Switch room", ENGINEER, LATER)

    assert unknown.value.field == "visit"


@pytest.mark.parametrize(
    ("start", "finish", "work_done", "field"),
    [
        (timedelta(minutes=-1), timedelta(hours=1), "Replaced it", "started_at"),
        (timedelta(hours=2), timedelta(hours=1), "Replaced it", "finished_at"),
        (timedelta(hours=1), timedelta(days=3), "Replaced it", "finished_at"),
        (timedelta(hours=1), timedelta(hours=2), " ", "work_done"),
    ],
    ids=["before-arrival", "finished-before-started", "finished-in-the-future", "nothing-done"],
)
def test_work_is_refused(start: timedelta, finish: timedelta, work_done: str, field: str):
    repair = arrived()
    arrived_at = repair.visit(1).arrived_at
    assert arrived_at is not None

    with pytest.raises(DomainError) as refused:
        repair.record_work(
            1,
            arrived_at + start,
            arrived_at + finish,
            work_done,
            [],
            VisitResult.FIXED,
            ENGINEER,
            arrived_at + timedelta(hours=3),
        )

    assert refused.value.field == field


def test_work_needs_the_arrival_and_is_recorded_once():
    repair = dispatched()
    with pytest.raises(RepairRuleViolation) as not_arrived:
        repair.record_work(1, LATER, LATER, "Looked", [], VisitResult.FIXED, ENGINEER, LATER)
    worked(repair=arrived(repair))
    with pytest.raises(RepairRuleViolation) as twice:
        worked(repair=repair)

    assert (not_arrived.value.field, twice.value.field) == ("started_at", "result")


def test_the_service_record_is_signed_after_the_work_once():
    repair = arrived()
    with pytest.raises(RepairRuleViolation) as before_work:
        repair.sign_service_record(1, signature(LATER + timedelta(hours=6)), AGENT, LATER + timedelta(days=1))
    worked(repair=repair)
    finished_at = repair.visit(1).finished_at
    assert finished_at is not None
    with pytest.raises(RepairRuleViolation) as before_finish:
        repair.sign_service_record(1, signature(finished_at - timedelta(minutes=1)), AGENT, finished_at)
    with pytest.raises(InvalidValue) as in_future:
        repair.sign_service_record(1, signature(finished_at + timedelta(hours=1)), AGENT, finished_at)
    repair.sign_service_record(1, signature(finished_at), AGENT, finished_at)
    with pytest.raises(RepairRuleViolation) as twice:
        repair.sign_service_record(1, signature(finished_at), AGENT, finished_at)

    assert [e.value.field for e in (before_work, before_finish, in_future, twice)] == [
        "visit",
        "signed_at",
        "signed_at",
        "visit",
    ]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("", LATER, SIGNED_PDF, SHA), "signer_name"),
        (("Zhang Wei", datetime(2026, 3, 2, 18, 0), SIGNED_PDF, SHA), "signed_at"),
        (("Zhang Wei", LATER, SIGNED_PDF, "AB" * 32), "document_sha256"),
    ],
    ids=["no-signer", "naive", "upper-case-hash"],
)
def test_a_signature_refuses(arguments: tuple[Any, ...], field: str):
    with pytest.raises(InvalidValue) as refused:
        ServiceRecordSignature(*arguments)

    assert refused.value.field == field


def test_a_dispatch_typed_in_later_keeps_when_it_happened_and_never_a_future_one():
    repair = decided()
    earlier = REPORTED_AT + timedelta(minutes=5)
    repair.dispatch("engineer-1", LATER, AGENT, NOW, at=earlier)
    repair.arrive(1, earlier + timedelta(minutes=2), "shaft 3", ENGINEER, NOW)

    assert repair.dispatched_at == earlier and repair.arrived_at == earlier + timedelta(minutes=2)
    with pytest.raises(InvalidValue) as refused:
        decided().dispatch("engineer-1", LATER, AGENT, NOW, at=NOW + timedelta(hours=1))
    assert refused.value.field == "dispatched_at"

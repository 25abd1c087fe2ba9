"""Returns and exchanges: given what a return recorded, when a command, then these events (or this
refusal); and the return keeps its case and its original shipment or order on every path."""

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from domain.actor import Actor, Role
from domain.errors import DomainError, InvalidValue
from domain.measurement import Measurement
from domain.money import Money
from domain.returns import (
    Eligibility,
    EligibilityDecision,
    FreightPayer,
    GoodsCondition,
    QcConfirmation,
    QcResult,
    ReturnReason,
    ReturnRequest,
    ReturnRuleViolation,
    ReturnStatus,
)

CHINA = timezone(timedelta(hours=8))
APPLIED_AT = datetime(2026, 5, 6, 10, 0, tzinfo=CHINA)
LATER = APPLIED_AT + timedelta(days=3)

AGENT = Actor("agent-1", Role.SERVICE_AGENT)
QC = Actor("qc-1", Role.QC_INSPECTOR)
MANAGER = Actor("manager-1", Role.MANAGER)

CASE_ID = uuid4()
SHIPMENT = "SHP-2026-0418"
ORDER = "PO-7781"


def bags(count: str) -> Measurement:
    return Measurement(Decimal(count), "bag")


def applied(**overrides: Any) -> ReturnRequest:
    arguments: dict[str, Any] = {
        "case_id": CASE_ID,
        "reason": ReturnReason.QUALITY_PROBLEM,
        "description": "Cement hardened in the bags; lumps on opening",
        "product": "Portland cement",
        "spec": "P·O 42.5, 50 kg bags",
        "quantity": bags("40"),
        "shipment_reference": SHIPMENT,
        "order_reference": None,
        "purchased_at": None,
        "by": AGENT,
        "now": APPLIED_AT,
    }
    arguments.update(overrides)
    return ReturnRequest.apply(**arguments)


CONFIRMED_BY_QC = QcConfirmation("Lumps in 40 bags; moisture damage at the plant", confirmed_by=QC)
FREE = EligibilityDecision.free(CONFIRMED_BY_QC)
UNUSED_RESALABLE = GoodsCondition(is_unused=True, is_resalable=True)


# Each step of the happy path, in order; a step takes the return as the previous one left it.
def decided(request: ReturnRequest) -> None:
    request.decide_eligibility(FREE, MANAGER, LATER)


def qc_inspected(request: ReturnRequest) -> None:
    request.record_qc_inspection(QcResult.CONFIRMED, "40 bags caked", None, QC, LATER)


def received(request: ReturnRequest) -> None:
    request.check_receipt(bags("40"), True, None, "Bags intact, contents caked", AGENT, LATER)


def reinspected(request: ReturnRequest) -> None:
    request.reinspect(QcResult.CONFIRMED, "Caked, as applied", uuid4(), QC, LATER)


def warehoused(request: ReturnRequest) -> None:
    request.enter_warehouse("Nanjing returns store", "WE-5521", bags("40"), AGENT, LATER)


def exchanged(request: ReturnRequest) -> None:
    request.ship_exchange("SHP-2026-0502", AGENT, LATER)


def refunded(request: ReturnRequest) -> None:
    request.refund(Money(Decimal("18000.00"), "CNY"), "CN-2026-0077", MANAGER, LATER)


def satisfied(request: ReturnRequest) -> None:
    request.record_feedback(True, None, AGENT, LATER)


def cancelled(request: ReturnRequest) -> None:
    request.cancel("Customer found a use for the cement", AGENT, LATER)


Step = Callable[[ReturnRequest], None]
TO_EXCHANGE: list[Step] = [decided, qc_inspected, received, reinspected, warehoused, exchanged]


def after(*steps: Step, **overrides: Any) -> ReturnRequest:
    request = applied(**overrides)
    for step in steps:
        step(request)
    return request


def event_names(request: ReturnRequest) -> list[str]:
    return [type(e).__name__ for e in request.collect_events()]


# -- the paths ---------------------------------------------------------------------------------------


def test_a_quality_problem_confirmed_by_qc_is_exchanged_free_and_closed_on_the_customers_word():
    request = after(*TO_EXCHANGE, satisfied)

    assert event_names(request) == [
        "ReturnApplied",
        "EligibilityDecided",
        "QcInspectionRecorded",
        "ReceiptChecked",
        "Reinspected",
        "EnteredWarehouse",
        "ExchangeShipped",
        "FeedbackRecorded",
    ]
    assert request.status is ReturnStatus.CLOSED
    assert request.decision == FREE
    assert request.decision.freight_paid_by is FreightPayer.SUPPLIER
    assert request.exchange_shipment_reference == "SHP-2026-0502"
    assert request.customer_satisfied is True


def test_every_event_carries_its_actor_and_time():
    request = after(*TO_EXCHANGE, satisfied)

    for recorded in request.collect_events():
        assert isinstance(recorded.actor, Actor)  # type: ignore[attr-defined]
        assert recorded.occurred_at in (APPLIED_AT, LATER)  # type: ignore[attr-defined]


def test_the_customers_wrong_selection_is_negotiated_and_the_customer_pays_the_freight():
    request = after(reason=ReturnReason.WRONG_SELECTION)

    request.decide_eligibility(EligibilityDecision.negotiated(UNUSED_RESALABLE), MANAGER, LATER)
    for step in (qc_inspected, received, reinspected, warehoused, refunded):
        step(request)

    assert request.decision is not None
    assert request.decision.eligibility is Eligibility.NEGOTIATED
    assert request.decision.freight_paid_by is FreightPayer.CUSTOMER
    assert request.status is ReturnStatus.REFUNDED
    assert request.refund_amount == Money(Decimal("18000.00"), "CNY")


def test_a_lawful_ground_names_the_ground_and_who_pays_the_freight():
    request = after(reason=ReturnReason.OTHER_LAWFUL_GROUND)

    decision = EligibilityDecision.on_lawful_ground(
        "Contract clause 9.2: seasonal surplus", FreightPayer.CUSTOMER
    )
    request.decide_eligibility(decision, MANAGER, LATER)

    assert request.status is ReturnStatus.ELIGIBLE
    assert request.state()["freight_paid_by"] == "customer"


def test_a_return_not_eligible_ends_with_its_reason():
    request = applied()

    request.decide_eligibility(
        EligibilityDecision.not_eligible("Bags opened and stored outdoors"), MANAGER, LATER
    )

    assert request.status is ReturnStatus.NOT_ELIGIBLE
    assert request.decision is not None and request.decision.reason == "Bags opened and stored outdoors"
    for step in (qc_inspected, received, cancelled, decided):
        with pytest.raises(ReturnRuleViolation) as refused:
            step(request)
        assert refused.value.field == "status"


def test_a_qc_inspection_that_does_not_confirm_sends_the_return_back_to_its_review():
    request = after(decided)

    request.record_qc_inspection(QcResult.NOT_CONFIRMED, "No lumps; bags damp outside only", None, QC, LATER)
    assert request.status is ReturnStatus.APPLIED

    request.decide_eligibility(EligibilityDecision.not_eligible("QC found no defect"), MANAGER, LATER)
    assert (request.status, request.decisions) == (ReturnStatus.NOT_ELIGIBLE, 2)


@pytest.mark.parametrize(
    "steps", [[], [decided], [decided, qc_inspected]], ids=["applied", "eligible", "inspected"]
)
def test_the_customer_cancels_before_the_goods_are_received(steps: list[Step]):
    request = after(*steps, cancelled)

    assert request.status is ReturnStatus.CANCELLED
    assert request.cancellation_reason == "Customer found a use for the cement"


def test_a_return_is_not_cancelled_once_the_goods_are_received():
    request = after(decided, qc_inspected, received)

    with pytest.raises(ReturnRuleViolation) as refused:
        cancelled(request)
    assert refused.value.field == "status"


def test_an_unsatisfied_customer_says_why_and_may_answer_again():
    request = after(*TO_EXCHANGE)

    with pytest.raises(InvalidValue) as refused:
        request.record_feedback(False, " ", AGENT, LATER)
    assert refused.value.field == "comment"

    request.record_feedback(False, "Two bags of the exchange torn", AGENT, LATER)
    assert (request.status, request.customer_satisfied) == (ReturnStatus.EXCHANGE_SHIPPED, False)
    satisfied(request)
    assert request.status is ReturnStatus.CLOSED


# -- the link to the case and the original shipment or order -------------------------------------------

PATHS: dict[str, list[Step]] = {
    "exchanged": [*TO_EXCHANGE, satisfied],
    "refunded": [decided, qc_inspected, received, reinspected, warehoused, refunded],
    "not-eligible": [
        lambda r: r.decide_eligibility(EligibilityDecision.not_eligible("Too late"), MANAGER, LATER)
    ],
    "cancelled": [decided, cancelled],
}


@pytest.mark.parametrize("steps", PATHS.values(), ids=PATHS.keys())
@pytest.mark.parametrize(
    ("shipment", "order", "purchased_at"),
    [(SHIPMENT, None, None), (None, ORDER, APPLIED_AT - timedelta(days=20)), (SHIPMENT, ORDER, None)],
    ids=["shipment", "order", "both"],
)
def test_the_return_keeps_its_case_and_original_delivery_on_every_path(
    steps: list[Step], shipment: str | None, order: str | None, purchased_at: datetime | None
):
    request = after(*steps, shipment_reference=shipment, order_reference=order, purchased_at=purchased_at)

    link = (CASE_ID, shipment, order)
    assert (request.case_id, request.shipment_reference, request.order_reference) == link
    state = request.state()
    assert (state["case_id"], state["shipment_reference"], state["order_reference"]) == link


# -- the application ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"shipment_reference": None, "order_reference": None}, "shipment_reference"),
        ({"shipment_reference": None, "order_reference": ORDER}, "purchased_at"),
        ({"shipment_reference": "  "}, "shipment_reference"),
        ({"purchased_at": datetime(2026, 4, 1, 9, 0)}, "purchased_at"),
        ({"purchased_at": APPLIED_AT + timedelta(days=1)}, "purchased_at"),
        ({"quantity": bags("0")}, "quantity"),
        ({"description": ""}, "description"),
        ({"product": " "}, "product"),
        ({"spec": ""}, "spec"),
    ],
    ids=[
        "no-shipment-or-order",
        "order-without-purchase-date",
        "blank-shipment",
        "purchase-date-without-zone",
        "purchase-date-in-the-future",
        "nothing-to-return",
        "no-description",
        "no-product",
        "no-spec",
    ],
)
def test_an_application_is_refused_with(overrides: dict[str, Any], field: str):
    with pytest.raises(InvalidValue) as refused:
        applied(**overrides)
    assert refused.value.field == field


# -- eligibility ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "decision", "field"),
    [
        (ReturnReason.WRONG_SELECTION, FREE, "eligibility"),
        (ReturnReason.OTHER_LAWFUL_GROUND, FREE, "eligibility"),
        (ReturnReason.QUALITY_PROBLEM, EligibilityDecision.negotiated(UNUSED_RESALABLE), "eligibility"),
        (ReturnReason.MISUSE, EligibilityDecision.negotiated(GoodsCondition(False, True)), "goods_condition"),
        (ReturnReason.MISUSE, EligibilityDecision.negotiated(GoodsCondition(True, False)), "goods_condition"),
    ],
    ids=[
        "free-for-wrong-selection",
        "free-for-lawful-ground",
        "negotiated-for-quality",
        "negotiated-used",
        "negotiated-not-resalable",
    ],
)
def test_an_eligibility_decision_is_refused_when(
    reason: ReturnReason, decision: EligibilityDecision, field: str
):
    request = applied(reason=reason)

    with pytest.raises(ReturnRuleViolation) as refused:
        request.decide_eligibility(decision, MANAGER, LATER)
    assert refused.value.field == field
    assert request.status is ReturnStatus.APPLIED


def test_misuse_with_goods_unused_and_resalable_is_negotiated():
    request = applied(reason=ReturnReason.MISUSE)

    request.decide_eligibility(EligibilityDecision.negotiated(UNUSED_RESALABLE), MANAGER, LATER)

    assert request.status is ReturnStatus.ELIGIBLE


def test_qc_confirms_by_an_inspection_instead_of_an_inspectors_word():
    request = applied()

    confirmation = QcConfirmation("Strength 31 MPa at 28 days", inspection_id=uuid4())
    request.decide_eligibility(EligibilityDecision.free(confirmation), MANAGER, LATER)

    assert request.status is ReturnStatus.ELIGIBLE


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: QcConfirmation("Caked"), "qc_confirmation"),
        (lambda: QcConfirmation("Caked", confirmed_by=AGENT), "qc_confirmation.confirmed_by"),
        (lambda: QcConfirmation(" ", confirmed_by=QC), "qc_confirmation.finding"),
        (lambda: EligibilityDecision(Eligibility.FREE, FreightPayer.SUPPLIER), "qc_confirmation"),
        (
            lambda: EligibilityDecision(Eligibility.FREE, FreightPayer.CUSTOMER, CONFIRMED_BY_QC),
            "freight_paid_by",
        ),
        (
            lambda: EligibilityDecision(
                Eligibility.NEGOTIATED, FreightPayer.SUPPLIER, goods_condition=UNUSED_RESALABLE
            ),
            "freight_paid_by",
        ),
        (lambda: EligibilityDecision.on_lawful_ground(" ", FreightPayer.SUPPLIER), "lawful_ground"),
        (lambda: EligibilityDecision.not_eligible(""), "reason"),
        (
            lambda: EligibilityDecision(Eligibility.NOT_ELIGIBLE, FreightPayer.CUSTOMER, reason="No"),
            "freight_paid_by",
        ),
    ],
    ids=[
        "confirmation-by-nobody",
        "confirmation-by-an-agent",
        "confirmation-without-finding",
        "free-without-confirmation",
        "free-at-customers-freight",
        "negotiated-at-suppliers-freight",
        "blank-lawful-ground",
        "refusal-without-reason",
        "refusal-with-freight",
    ],
)
def test_a_malformed_decision_is_refused(build: Callable[[], object], field: str):
    with pytest.raises(InvalidValue) as refused:
        build()
    assert refused.value.field == field


# -- order of the steps ---------------------------------------------------------------------------------

COMMANDS: dict[str, Step] = {
    "decide_eligibility": decided,
    "record_qc_inspection": qc_inspected,
    "check_receipt": received,
    "reinspect": reinspected,
    "enter_warehouse": warehoused,
    "ship_exchange": exchanged,
    "refund": refunded,
    "record_feedback": satisfied,
}
# Where each command belongs on the happy path: the steps that come before it.
PRECEDING: dict[str, list[Step]] = {
    "decide_eligibility": [],
    "record_qc_inspection": [decided],
    "check_receipt": [decided, qc_inspected],
    "reinspect": [decided, qc_inspected, received],
    "enter_warehouse": [decided, qc_inspected, received, reinspected],
    "ship_exchange": [decided, qc_inspected, received, reinspected, warehoused],
    "refund": [decided, qc_inspected, received, reinspected, warehoused],
    "record_feedback": TO_EXCHANGE,
}
OUT_OF_ORDER = [
    (command, done)
    for command, preceding in PRECEDING.items()
    for done in range(len(TO_EXCHANGE) + 2)
    if done != len(preceding)
]


def _history(done: int) -> list[Step]:
    """The first `done` steps of the exchange path, then a satisfied customer's word."""
    return [*TO_EXCHANGE, satisfied][:done]


@pytest.mark.parametrize(
    ("command", "done"), OUT_OF_ORDER, ids=[f"{command}-after-{done}-steps" for command, done in OUT_OF_ORDER]
)
def test_a_command_out_of_order_is_refused_naming_the_status(command: str, done: int):
    request = after(*_history(done))
    before = request.status

    with pytest.raises(ReturnRuleViolation) as refused:
        COMMANDS[command](request)
    assert refused.value.field == "status"
    assert request.status is before


def test_a_refund_after_an_exchange_is_refused():
    request = after(*TO_EXCHANGE)

    with pytest.raises(ReturnRuleViolation) as refused:
        refunded(request)
    assert refused.value.field == "status"


# -- receipt, warehouse, refund ---------------------------------------------------------------------------


def _received(quantity: str, spec_matches: bool = True, received_spec: str | None = None) -> ReturnRequest:
    request = after(decided, qc_inspected)
    request.check_receipt(bags(quantity), spec_matches, received_spec, "Bags dusty", AGENT, LATER)
    return request


def test_a_receipt_short_of_the_application_records_the_shortfall():
    request = _received("37")

    differences = request.differences
    assert differences is not None
    assert (differences.shortfall, differences.excess) == (bags("3"), None)
    assert not differences.is_spec_mismatch
    assert differences.has_any


def test_a_receipt_over_the_application_records_the_excess():
    request = _received("42")

    assert request.differences is not None
    assert (request.differences.shortfall, request.differences.excess) == (None, bags("2"))


def test_a_receipt_as_applied_records_no_difference():
    request = _received("40")

    assert request.differences is not None and not request.differences.has_any


def test_a_receipt_of_another_spec_records_the_mismatch_and_what_arrived():
    request = _received("40", spec_matches=False, received_spec="P·C 32.5, 50 kg bags")

    assert request.differences is not None and request.differences.is_spec_mismatch
    [*_, checked] = request.collect_events()
    assert checked.received_spec == "P·C 32.5, 50 kg bags"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("quantity", "spec_matches", "received_spec", "appearance", "field"),
    [
        (Measurement(Decimal("2"), "t"), True, None, "Fine", "received_quantity"),
        (bags("-1"), True, None, "Fine", "received_quantity"),
        (bags("40"), False, None, "Fine", "received_spec"),
        (bags("40"), True, "P·O 42.5", "Fine", "received_spec"),
        (bags("40"), True, None, " ", "appearance"),
    ],
    ids=["other-unit", "negative", "mismatch-unnamed", "match-named", "no-appearance"],
)
def test_a_receipt_check_is_refused_with(
    quantity: Measurement, spec_matches: bool, received_spec: str | None, appearance: str, field: str
):
    request = after(decided, qc_inspected)

    with pytest.raises(InvalidValue) as refused:
        request.check_receipt(quantity, spec_matches, received_spec, appearance, AGENT, LATER)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("quantity", "field", "error"),
    [
        (bags("38"), "quantity", ReturnRuleViolation),
        (bags("0"), "quantity", InvalidValue),
        (Measurement(Decimal("1.9"), "t"), "quantity", InvalidValue),
    ],
    ids=["more-than-received", "nothing", "other-unit"],
)
def test_a_warehouse_entry_is_refused_with(quantity: Measurement, field: str, error: type[DomainError]):
    request = _received("37")
    reinspected(request)

    with pytest.raises(error) as refused:
        request.enter_warehouse("Nanjing returns store", "WE-5521", quantity, AGENT, LATER)
    assert refused.value.field == field


def test_a_refund_is_above_zero():
    request = after(decided, qc_inspected, received, reinspected, warehoused)

    with pytest.raises(InvalidValue) as refused:
        request.refund(Money(Decimal("0"), "CNY"), "CN-1", MANAGER, LATER)
    assert refused.value.field == "amount"


def test_the_state_shows_each_step_for_an_auditor():
    request = after(decided, qc_inspected)
    request.check_receipt(bags("37"), True, None, "Bags dusty", AGENT, LATER)
    reinspected(request)
    request.enter_warehouse("Nanjing returns store", "WE-5521", bags("37"), AGENT, LATER)
    refunded(request)

    assert request.state() == {
        "case_id": CASE_ID,
        "shipment_reference": SHIPMENT,
        "order_reference": None,
        "status": "refunded",
        "reason": "quality_problem",
        "product": "Portland cement",
        "spec": "P·O 42.5, 50 kg bags",
        "quantity": "40 bag",
        "eligibility": "free",
        "freight_paid_by": "supplier",
        "decisions": 1,
        "qc_result": "confirmed",
        "received_quantity": "37 bag",
        "has_receipt_differences": True,
        "reinspection_result": "confirmed",
        "warehouse_entry": "WE-5521",
        "refund": "18000.00 CNY",
        "exchange_shipment_reference": None,
        "customer_satisfied": None,
    }

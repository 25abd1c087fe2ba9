"""Every return event survives being stored as JSON and read back, exactly, and a replayed return has the
state it was recorded with."""

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.domain import DomainEvent

from domain.measurement import Measurement
from domain.returns import (
    EligibilityDecision,
    FreightPayer,
    QcConfirmation,
    QcResult,
    ReturnReason,
    ReturnRequest,
)
from tests.unit.round_trips import assert_round_trips, event_ids, fields, replayed
from tests.unit.test_returns import (
    AGENT,
    APPLIED_AT,
    LATER,
    MANAGER,
    ORDER,
    QC,
    TO_EXCHANGE,
    UNUSED_RESALABLE,
    after,
    applied,
    cancelled,
    decided,
    qc_inspected,
    refunded,
    reinspected,
    satisfied,
    warehoused,
)


def _story() -> list[ReturnRequest]:
    exchanged = after(*TO_EXCHANGE)
    exchanged.record_feedback(False, "Two bags of the exchange torn", AGENT, LATER)
    satisfied(exchanged)

    short_and_mismatched = after(decided, qc_inspected)
    short_and_mismatched.check_receipt(
        Measurement(Decimal("37.5"), "bag"), False, "P·C 32.5", "Two bags split", AGENT, LATER
    )
    reinspected(short_and_mismatched)
    short_and_mismatched.enter_warehouse(
        "Nanjing returns store", "WE-5522", Measurement(Decimal("37"), "bag"), AGENT, LATER
    )
    refunded(short_and_mismatched)

    by_inspection = applied(
        shipment_reference=None, order_reference=ORDER, purchased_at=APPLIED_AT - timedelta(days=20)
    )
    confirmation = QcConfirmation("Strength 31 MPa at 28 days", inspection_id=uuid4())
    by_inspection.decide_eligibility(EligibilityDecision.free(confirmation), MANAGER, LATER)
    by_inspection.record_qc_inspection(QcResult.NOT_CONFIRMED, "Strength in spec", uuid4(), QC, LATER)
    by_inspection.decide_eligibility(EligibilityDecision.not_eligible("QC found no defect"), MANAGER, LATER)

    negotiated = applied(reason=ReturnReason.WRONG_SELECTION)
    negotiated.decide_eligibility(EligibilityDecision.negotiated(UNUSED_RESALABLE), MANAGER, LATER)
    cancelled(negotiated)

    lawful = applied(reason=ReturnReason.OTHER_LAWFUL_GROUND)
    ground = EligibilityDecision.on_lawful_ground("Contract clause 9.2", FreightPayer.CUSTOMER)
    lawful.decide_eligibility(ground, MANAGER, LATER)
    qc_inspected(lawful)
    lawful.check_receipt(Measurement(Decimal("42"), "bag"), True, None, "As new", AGENT, LATER)
    reinspected(lawful)
    warehoused(lawful)
    return [exchanged, short_and_mismatched, by_inspection, negotiated, lawful]


STORY = _story()
STORY_IDS = ["exchanged", "short-and-mismatched", "by-inspection", "negotiated", "lawful-ground"]
EVERY_EVENT: list[DomainEvent] = [e for request in _story() for e in request.collect_events()]


def test_the_events_cover_every_event_class_of_a_return():
    assert {type(event) for event in EVERY_EVENT} == {
        ReturnRequest.ReturnApplied,
        ReturnRequest.EligibilityDecided,
        ReturnRequest.QcInspectionRecorded,
        ReturnRequest.ReceiptChecked,
        ReturnRequest.Reinspected,
        ReturnRequest.EnteredWarehouse,
        ReturnRequest.Refunded,
        ReturnRequest.ExchangeShipped,
        ReturnRequest.FeedbackRecorded,
        ReturnRequest.ReturnCancelled,
    }


@pytest.mark.parametrize("event", EVERY_EVENT, ids=event_ids(EVERY_EVENT))
def test_an_event_round_trips_exactly(event: DomainEvent) -> None:
    assert_round_trips(event)


@pytest.mark.parametrize("request_", STORY, ids=STORY_IDS)
def test_a_replayed_return_has_the_state_it_was_recorded_with(request_: ReturnRequest) -> None:
    assert fields(replayed(request_.collect_events())) == fields(request_)

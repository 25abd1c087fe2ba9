"""Every installed-unit and repair event survives being stored as JSON and read back, exactly, and a
replayed unit or repair has the state it was recorded with."""

from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.domain import DomainEvent

from domain.equipment import InstalledUnit
from domain.repair import Repair, ServiceRecordSignature, VisitResult
from tests.unit.round_trips import assert_round_trips, event_ids, fields, replayed
from tests.unit.test_repair import (
    AGENT,
    QUOTE,
    SHA,
    SIGNED_PDF,
    arrived,
    decided,
    dispatched,
    unit,
    worked,
)


def _signed(repair: Repair, number: int) -> Repair:
    finished_at = repair.visit(number).finished_at
    assert finished_at is not None
    signature = ServiceRecordSignature("Zhang Wei", finished_at, SIGNED_PDF, SHA)
    repair.sign_service_record(number, signature, AGENT, finished_at + timedelta(hours=1))
    return repair


def _story() -> list[Any]:
    in_warranty = worked(VisitResult.NEEDS_PARTS)
    _signed(worked(repair=arrived(dispatched(in_warranty))), 2)
    paid = decided(in_warranty=False)
    paid.issue_quote(QUOTE, AGENT, paid.opened_at)
    paid.reject_quote(1, "Travel too dear", AGENT, paid.opened_at)
    paid.issue_quote(QUOTE, AGENT, paid.opened_at)
    paid.accept_quote(2, AGENT, paid.opened_at)
    _signed(worked(repair=arrived(dispatched(paid))), 1)
    return [unit(), unit(inspection_interval_months=None, warranty=()), in_warranty, paid]


STORY = _story()
EVERY_EVENT: list[DomainEvent] = [e for aggregate in _story() for e in aggregate.collect_events()]


def test_the_events_cover_every_event_class_of_a_unit_and_a_repair():
    assert {type(event) for event in EVERY_EVENT} == {
        InstalledUnit.Registered,
        Repair.Opened,
        Repair.WarrantyDecided,
        Repair.QuoteIssued,
        Repair.QuoteAccepted,
        Repair.QuoteRejected,
        Repair.EngineerDispatched,
        Repair.EngineerArrived,
        Repair.WorkRecorded,
        Repair.ServiceRecordSigned,
    }


@pytest.mark.parametrize("event", EVERY_EVENT, ids=event_ids(EVERY_EVENT))
def test_an_event_round_trips_exactly(event: DomainEvent) -> None:
    assert_round_trips(event)


@pytest.mark.parametrize("aggregate", STORY, ids=["unit", "unit-without-terms", "in-warranty", "paid"])
def test_a_replayed_aggregate_has_the_state_it_was_recorded_with(aggregate: Any) -> None:
    assert fields(replayed(aggregate.collect_events())) == fields(aggregate)

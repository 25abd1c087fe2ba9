"""Every contract and shipment event survives being stored as JSON and read back, exactly."""

import json
from datetime import timedelta, timezone

import pytest
from eventsourcing.domain import DomainEvent

from domain.pricing import PriceRule, ProRataRule
from domain.shipment import Contract, Shipment
from domain.specification import ObjectionWindows
from tests.unit.coal_contract import AGENT, ARRIVED_AT, NOW, PRICE_RULE, contract, kcal, shipment
from tests.unit.round_trips import MAPPER, assert_round_trips, event_ids, fields, replayed


def _events() -> list[DomainEvent]:
    pro_rata = PriceRule((*PRICE_RULE.adjustments, ProRataRule("Qnet,ar", kcal("5500.0"), True)))
    utc_windows = ObjectionWindows(15, 7, timezone(timedelta(0)))
    under = contract(price_rule=pro_rata, objection_windows=utc_windows)
    arriving = shipment(under, arrived_at=None)
    arriving.record_arrival(ARRIVED_AT, AGENT, NOW)
    return [*contract().collect_events(), *under.collect_events(), *arriving.collect_events()]


EVERY_EVENT = _events()


def test_the_events_cover_every_event_class_of_contracts_and_shipments() -> None:
    classes = {type(event) for event in EVERY_EVENT}

    assert classes == {Contract.Registered, Shipment.Recorded, Shipment.Arrived}


@pytest.mark.parametrize("event", EVERY_EVENT, ids=event_ids(EVERY_EVENT))
def test_an_event_round_trips_exactly(event: DomainEvent) -> None:
    assert_round_trips(event)


def test_decimals_are_stored_as_their_digits_never_as_floats() -> None:
    registered = next(e for e in EVERY_EVENT if isinstance(e, Contract.Registered))

    stored = json.loads(MAPPER.to_stored_event(registered).state)

    assert '"600.00"' in json.dumps(stored)
    assert "600.0," not in json.dumps(stored)


def test_a_replayed_contract_and_shipment_have_the_state_they_were_recorded_with() -> None:
    under = contract()
    recorded = shipment(under)
    pairs = [(under, under.collect_events()), (recorded, recorded.collect_events())]

    for aggregate, events in pairs:
        assert fields(replayed(events)) == fields(aggregate)

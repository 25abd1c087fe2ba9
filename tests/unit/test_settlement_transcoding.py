"""Every settlement event survives being stored as JSON and read back, exactly: the computed adjustment
with its calculation lines, the offer, the signed agreement."""

import pytest
from eventsourcing.domain import DomainEvent

from domain.settlement import ExecutionKind, Settlement
from tests.unit.coal_contract import AGENT, MANAGER
from tests.unit.round_trips import assert_round_trips, event_ids, fields, replayed
from tests.unit.test_settlement import LATER, rejected, signed


def _story() -> list[Settlement]:
    executed = signed()
    executed.execute(ExecutionKind.CREDIT_NOTE, "CN-2026-0042", AGENT, LATER)
    arbitrated = rejected()
    arbitrated.escalate("customer filed with the CIETAC", MANAGER, LATER)
    return [executed, arbitrated]


STORY = _story()
EVERY_EVENT: list[DomainEvent] = [e for settlement in _story() for e in settlement.collect_events()]


def test_the_events_cover_every_event_class_of_a_settlement():
    assert {type(event) for event in EVERY_EVENT} == {
        Settlement.Opened,
        Settlement.SettlementProposed,
        Settlement.SettlementApproved,
        Settlement.AgreementSigned,
        Settlement.SettlementRejected,
        Settlement.EscalatedToArbitration,
        Settlement.SettlementExecuted,
    }


@pytest.mark.parametrize("event", EVERY_EVENT, ids=event_ids(EVERY_EVENT))
def test_an_event_round_trips_exactly(event: DomainEvent) -> None:
    assert_round_trips(event)


@pytest.mark.parametrize("settlement", STORY, ids=["executed", "arbitrated"])
def test_a_replayed_settlement_has_the_state_it_was_recorded_with(settlement: Settlement) -> None:
    assert fields(replayed(settlement.collect_events())) == fields(settlement)

"""Every liability-determination event survives being stored as JSON and read back, exactly; the
liability's `Party` is not confused with the inspection's, whose class name it shares."""

from typing import Any

import pytest
from eventsourcing.domain import DomainEvent

from domain.inspection import Party as WitnessParty
from domain.liability import Party
from domain.liability_determination import LiabilityDetermination
from tests.unit.inspection_story import opened
from tests.unit.round_trips import assert_round_trips, event_ids, fields, replayed, round_trip
from tests.unit.test_liability_determination import (
    CARRIER_ALONE,
    LATER,
    OTHER_MANAGER,
    QC,
    approved,
    proposed,
)


def _story() -> list[LiabilityDetermination]:
    corrected = approved()
    corrected.propose(CARRIER_ALONE, "recomputed", QC, LATER, change_reason="CCIC corrected its report")
    corrected.approve(2, OTHER_MANAGER, LATER)
    rejected = proposed()
    rejected.reject(1, "seals intact at arrival", OTHER_MANAGER, LATER)
    return [corrected, rejected]


STORY = _story()
EVERY_EVENT: list[DomainEvent] = [e for determination in _story() for e in determination.collect_events()]


def test_the_events_cover_every_event_class_of_a_determination():
    assert {type(event) for event in EVERY_EVENT} == {
        LiabilityDetermination.Opened,
        LiabilityDetermination.LiabilityProposed,
        LiabilityDetermination.LiabilityApproved,
        LiabilityDetermination.LiabilityRejected,
    }


@pytest.mark.parametrize("event", EVERY_EVENT, ids=event_ids(EVERY_EVENT))
def test_an_event_round_trips_exactly(event: DomainEvent) -> None:
    assert_round_trips(event)


def test_the_liabilitys_party_and_the_witness_party_each_come_back_as_themselves() -> None:
    proposal = next(e for e in EVERY_EVENT if isinstance(e, LiabilityDetermination.LiabilityProposed))
    sampled = opened().collect_events()[0]

    proposal_back: Any = round_trip(proposal)
    sampled_back: Any = round_trip(sampled)

    assert proposal_back.liability.shares[0].party is Party.SUPPLIER
    assert sampled_back.sampling.witnesses[0].party is WitnessParty.SUPPLIER


@pytest.mark.parametrize("determination", STORY, ids=["corrected", "rejected"])
def test_a_replayed_determination_has_the_state_it_was_recorded_with(
    determination: LiabilityDetermination,
) -> None:
    assert fields(replayed(determination.collect_events())) == fields(determination)

"""Every inspection event survives being stored as JSON and read back, exactly."""

import pytest
from eventsourcing.domain import DomainEvent

from domain.inspection import Inspection, LabKind, Party
from tests.unit.coal_contract import THERMAL_COAL, kcal
from tests.unit.inspection_story import LATER, QC, disputed_and_appointed, joint_sampling, opened, record
from tests.unit.round_trips import assert_round_trips, event_ids, fields, replayed


def _story() -> list[Inspection]:
    appointed = disputed_and_appointed()
    third = record(appointed, LabKind.THIRD_PARTY_AGENCY, "5210", agency="CCIC")
    appointed.correct_result(
        result_id=third,
        values={"Qnet,ar": kcal("5215")},
        reason="typo",
        specification=THERMAL_COAL,
        by=QC,
        now=LATER,
    )
    one_sided = opened(
        joint_sampling(
            is_joint=False, sampling_party=Party.SUPPLIER, other_party_consented=True, witnesses=()
        )
    )
    return [appointed, one_sided]


STORY = _story()
EVERY_EVENT: list[DomainEvent] = [e for inspection in _story() for e in inspection.collect_events()]


def test_the_events_cover_every_event_class_of_an_inspection():
    assert {type(event) for event in EVERY_EVENT} == {
        Inspection.SamplingRecorded,
        Inspection.LabResultRecorded,
        Inspection.LabResultCorrected,
        Inspection.ReinspectionRequested,
        Inspection.AgencyAppointed,
    }


@pytest.mark.parametrize("event", EVERY_EVENT, ids=event_ids(EVERY_EVENT))
def test_an_event_round_trips_exactly(event: DomainEvent) -> None:
    assert_round_trips(event)


@pytest.mark.parametrize("inspection", STORY, ids=["disputed", "one-sided"])
def test_a_replayed_inspection_has_the_state_it_was_recorded_with(inspection: Inspection) -> None:
    assert fields(replayed(inspection.collect_events())) == fields(inspection)

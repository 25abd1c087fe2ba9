"""A contract's time limit per step: given at registration or the defaults, stored, and wide enough for
a result that exists only some time after sampling (cement's 28-day strength)."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from eventsourcing.persistence import StoredEvent

from domain.deadlines import StepLimits
from domain.errors import InvalidValue
from domain.measurement import Measurement
from domain.pricing import PriceRule
from domain.shipment import Contract, StepLimitTooShort
from domain.specification import ParameterSpec, QualitySpecification, ToleranceBand
from tests.unit.coal_contract import THERMAL_COAL, contract
from tests.unit.round_trips import MAPPER, fields, round_trip

DAY = timedelta(days=1)
MPA = "MPa"


def mpa(value: str) -> Measurement:
    return Measurement(Decimal(value), MPA)


def strength(name: str, lower: str, result_after: timedelta | None) -> ParameterSpec:
    return ParameterSpec(
        name,
        MPA,
        "GB/T 17671",
        (ToleranceBand(mpa("1.0")),),
        lower_limit=mpa(lower),
        result_after=result_after,
    )


# P·O 42.5 cement: compressive strength at 3 and 28 days, each result existing only that long after sampling.
CEMENT = QualitySpecification(
    (strength("R3 compressive", "17.0", 3 * DAY), strength("R28 compressive", "42.5", 28 * DAY))
)


def cement_contract(limits: StepLimits | None) -> Contract:
    return contract(specification=CEMENT, price_rule=PriceRule(()), step_limits=limits)


def test_a_contract_that_names_no_limits_gets_the_defaults() -> None:
    assert contract().step_limits == StepLimits()


def test_a_contract_keeps_its_own_limits() -> None:
    limits = StepLimits(acknowledge=timedelta(hours=8), settle=20 * DAY)

    assert contract(step_limits=limits).step_limits == limits


def test_a_test_limit_shorter_than_the_28_day_strength_is_refused_naming_it() -> None:
    with pytest.raises(StepLimitTooShort) as refused:
        cement_contract(StepLimits())

    assert refused.value.field == "step_limits.test"
    assert "R28 compressive" in str(refused.value)
    assert isinstance(refused.value, InvalidValue)


@pytest.mark.parametrize("test_limit", [28 * DAY, 35 * DAY], ids=["exactly 28 days", "35 days"])
def test_a_test_limit_that_allows_for_the_28_day_strength_is_accepted(test_limit: timedelta) -> None:
    limits = StepLimits(test=test_limit)

    assert cement_contract(limits).step_limits == limits


@pytest.mark.parametrize("delay", [timedelta(0), -DAY], ids=["zero", "negative"])
def test_a_results_delay_after_sampling_is_above_zero(delay: timedelta) -> None:
    with pytest.raises(InvalidValue) as refused:
        strength("R28 compressive", "42.5", delay)

    assert refused.value.field == "result_after"


def test_the_longest_wait_is_that_of_the_slowest_result() -> None:
    assert (CEMENT.longest_result_delay, THERMAL_COAL.longest_result_delay) == (28 * DAY, None)


def test_limits_and_result_delays_round_trip_exactly() -> None:
    registered = cement_contract(StepLimits(acknowledge=timedelta(hours=4, minutes=30), test=30 * DAY))
    [event] = registered.collect_events()

    back = round_trip(event)

    assert fields(back) == fields(event)
    assert back.step_limits.acknowledge == timedelta(hours=4, minutes=30)  # type: ignore[attr-defined]


def test_a_contract_registered_before_step_limits_existed_loads_with_the_defaults() -> None:
    """Version 1 of `Registered` had no `step_limits` (and no `class_version`): it is upcast on load."""
    stored = MAPPER.to_stored_event(contract(step_limits=StepLimits(test=20 * DAY)).collect_events()[0])
    state = json.loads(stored.state)
    del state["step_limits"], state["class_version"]
    version_1 = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode()
    )

    loaded = MAPPER.to_domain_event(version_1).mutate(None)

    assert isinstance(loaded, Contract)
    assert loaded.step_limits == StepLimits()
    assert loaded.specification == THERMAL_COAL

"""The return's values live in domain/return_values.py; the aggregate's module still answers for them."""

import pytest

import domain.return_values as values
import domain.returns as returns


@pytest.mark.parametrize("name", [n for n in returns.__all__ if hasattr(values, n)])
def test_a_value_moved_out_of_the_aggregate_is_the_same_object_through_domain_returns(name: str) -> None:
    assert getattr(returns, name) is getattr(values, name)


def test_every_name_domain_returns_promises_is_there() -> None:
    assert all(hasattr(returns, name) for name in returns.__all__)

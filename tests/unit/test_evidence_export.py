"""The export of an evidence bundle as a fact of the case: what it states, and what it refuses."""

import json

import pytest

from domain.errors import InvalidValue
from tests.unit.given import (
    NOW,
    acknowledged,
    attached,
    exported,
    given,
    names,
    when,
    withdrawn,
)


def test_the_export_states_the_head_the_case_had_before_it() -> None:
    case = given(acknowledged(), attached())
    head = case.version

    events = when(case, lambda c: exported()(c, NOW))

    assert names(events) == ["EvidenceBundleExported"]
    [export] = events
    assert (export.head_version, export.originator_version) == (head, head + 1)
    assert export.stream_heads == {"8e2a9a0d-82d2-4435-aab9-fc8de5b015cf": 3}
    # Plain JSON values: the offline verifier reads them from the stored state without the product's types.
    plain = {
        k: getattr(export, k) for k in ("bundle_id", "head_version", "stream_heads", "purpose", "format")
    }
    assert json.loads(json.dumps(plain)) == plain


def test_a_finished_case_is_exported_too_and_the_export_changes_nothing_of_it() -> None:
    case = given(withdrawn())
    before = case.state()

    events = when(case, lambda c: exported()(c, NOW))

    assert names(events) == ["EvidenceBundleExported"]
    assert case.state() == before


@pytest.mark.parametrize(
    ("purpose", "matter", "field"), [(" ", "CIETAC 1", "purpose"), ("Court", "", "legal_matter")]
)
def test_an_export_without_a_purpose_or_a_legal_matter_is_refused(
    purpose: str, matter: str, field: str
) -> None:
    case = given(withdrawn())

    with pytest.raises(InvalidValue) as refused:
        when(case, lambda c: exported(purpose, matter)(c, NOW))

    assert refused.value.field == field
    assert case.collect_events() == []

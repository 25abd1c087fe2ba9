"""Every event a case can record moves the case's read model, or the read model's version lags the store
and a client that sends If-Match from it gets 409."""

import inspect

from domain.case import Case
from projections.cases import _HANDLERS


def _case_event_classes() -> list[type]:
    # Event and Created are the library's base classes; Registered is the case's created event.
    bases = (Case.Event, Case.Created)
    return [
        member
        for _, member in inspect.getmembers(Case, inspect.isclass)
        if issubclass(member, Case.Event) and member not in bases and member.__qualname__.startswith("Case.")
    ]


def test_every_case_event_has_a_read_model_handler():
    events = _case_event_classes()
    assert len(events) > 20
    missing = sorted(event.__qualname__ for event in events if event not in _HANDLERS)
    assert missing == []

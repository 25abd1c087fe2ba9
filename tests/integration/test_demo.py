"""The first users of a fresh installation, and the demo cases, on real PostgreSQL."""

import json
import stat
from datetime import timedelta
from decimal import Decimal

from api.demo import ADMIN_ID, DEMO_USERS, create_first_users, load_demo
from domain.actor import Role
from domain.case import CaseType, Outcome, ResolutionKind, Status
from domain.money import Money


def test_first_run_creates_an_admin_and_one_demo_user_per_working_role(services, settings):
    first_run = create_first_users(services.users, settings.data_dir)

    assert first_run is not None
    admin = services.users.authenticate(first_run.admin_token)
    assert admin is not None and admin.id == ADMIN_ID and admin.roles == {Role.ADMIN}
    assert stat.S_IMODE(first_run.tokens_file.stat().st_mode) == 0o600
    issued = json.loads(first_run.tokens_file.read_text())
    assert set(issued) == {role.value for role in DEMO_USERS} == {r.value for r in Role} - {"admin"}
    for role, user in issued.items():
        demo_user = services.users.authenticate(user["token"])
        assert demo_user is not None and demo_user.roles == {Role(role)}
    assert first_run.admin_token not in first_run.tokens_file.read_text()


def test_first_run_issues_nothing_once_users_exist(services, settings):
    first_run = create_first_users(services.users, settings.data_dir)
    assert first_run is not None
    tokens_before = first_run.tokens_file.read_text()

    assert create_first_users(services.users, settings.data_dir) is None
    assert first_run.tokens_file.read_text() == tokens_before
    assert len(services.users.list()) == 1 + len(DEMO_USERS)


def test_the_demo_loads_four_cases_at_different_stages(services):
    coal, cement, soda_ash, substation = (services.ledger.get_case(i) for i in load_demo(services.ledger))

    assert (coal.case_type, coal.status, coal.outcome) == (
        CaseType.QUANTITY_OBJECTION,
        Status.CLOSED,
        Outcome.RESOLVED,
    )
    assert coal.proposals[0].kind is ResolutionKind.COMPENSATION
    assert coal.proposals[0].amount == Money(Decimal("517.38"), "CNY")
    assert (cement.case_type, cement.status, cement.notes_count) == (
        CaseType.QUALITY_OBJECTION,
        Status.IN_PROGRESS,
        3,
    )
    assert (soda_ash.case_type, soda_ash.status) == (CaseType.RETURN_REQUEST, Status.RESOLUTION_PROPOSED)
    assert soda_ash.proposals[-1].kind is ResolutionKind.RETURN_REFUND
    assert (substation.case_type, substation.status, substation.assignee) == (
        CaseType.EQUIPMENT_FAULT,
        Status.IN_PROGRESS,
        "demo-engineer",
    )


def test_demo_events_happened_in_order_in_the_recent_past(services):
    now = services.ledger.clock.now()
    for case_id in load_demo(services.ledger):
        moments = [event.occurred_at for event in services.ledger.events.get(case_id)]
        assert moments == sorted(moments)
        assert all(now - timedelta(days=30) < moment < now for moment in moments)


def test_loading_the_demo_twice_appends_nothing(services):
    first = load_demo(services.ledger)
    events_after_first = services.ledger.recorder.max_notification_id()

    assert load_demo(services.ledger) == first
    assert services.ledger.recorder.max_notification_id() == events_after_first

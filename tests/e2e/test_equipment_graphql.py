"""Installed units and repairs through GraphQL: three units of two customers (one with its periodic
inspection overdue, one never inspected periodically), a fault on the first fixed on the first visit and
signed off, read back as a filtered, paged list, as a unit with its repairs, and as the whole repair."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.equipment import installed_unit_id
from tests.e2e.test_access import granted, log_of, read, refused, settled
from tests.e2e.test_repairs import FAULT, Desk
from tests.e2e.test_units import register, unit

UNITS = """query ($first: Int!, $after: String, $filter: UnitFilter) {
  units(first: $first, after: $after, filter: $filter) {
    edges { cursor node { serialNumber customerId region model inspectionDue inspectionOverdue repairCount } }
    pageInfo { hasNextPage endCursor }
  }
}"""
REPAIR_SUMMARY = """caseId serialNumber faultCode componentClass inWarranty status visits firstVisitFix
dispatchedAt arrivedAt fixedAt signedAt"""
UNIT = f"""query ($id: ID!) {{
  unit(id: $id) {{
    serialNumber customerId inspectionIntervalMonths nextInspectionDue overdueInspections inspectionsDone
    warranty {{ componentClass months sparePartsYears until }}
    repairs {{ {REPAIR_SUMMARY} }}
  }}
}}"""
REPAIR = """query ($caseId: ID!) {
  repair(caseId: $caseId) {
    caseId serialNumber faultCode fixed version
    decision { inWarranty exclusion reason decidedBy }
    quotes { number }
    visits { number engineer result where partsUsed { partNumber quantity } signedBy signedAt }
    replacement { proposed reason }
  }
}"""


@dataclass
class Fleet:
    desk: Desk
    station: str  # KJ-2025-0042 of CUST-0042, accepted 60 days ago: its first inspection lies ahead
    overdue: str  # of CUST-0077 in Shanxi, accepted in January 2025: six-monthly inspections overdue
    uninspected: str  # of CUST-0042, no periodic inspections in its contract
    case_id: str  # the station's repair, fixed on the first visit and signed


@pytest.fixture
def fleet(client: Any, services: Any, tokens: dict[str, str]) -> Fleet:
    desk = Desk(client, tokens)
    ids = []
    for body in (
        unit("SX-2025-0007", customer_id="CUST-0077", region="Shanxi", model="KJ70N monitoring station"),
        unit(
            "KJ-2026-0100",
            accepted_at=(datetime.now(UTC) - timedelta(days=10)).isoformat(),
            inspection_interval_months=None,
        ),
    ):
        registered = register(client, tokens["service_agent"], body)
        assert registered.status_code == 201, registered.text
        ids.append(registered.json()["id"])
    case_id = desk.fault_case()
    assert desk.post(case_id, "", FAULT, "service_agent").status_code == 201
    decision = {"in_warranty": True, "reason": "Electrical, 18 months"}
    assert desk.post(case_id, "/warranty-decision", decision, "engineer").status_code == 200
    desk.visit_fixes_and_is_signed(case_id)
    settled(services)
    return Fleet(desk, str(installed_unit_id("KJ-2025-0042")), ids[0], ids[1], case_id)


def serials(client: Any, token: str, **variables: Any) -> list[str]:
    page = read(client, token, UNITS, **{"first": 20, **variables})["units"]
    return [edge["node"]["serialNumber"] for edge in page["edges"]]


def test_the_list_shows_units_latest_accepted_first_with_the_inspection_due(client, tokens, fleet):
    page = read(client, tokens["engineer"], UNITS, first=20)["units"]

    nodes = [edge["node"] for edge in page["edges"]]
    assert [n["serialNumber"] for n in nodes] == ["KJ-2026-0100", "KJ-2025-0042", "SX-2025-0007"]
    newest, station, overdue = nodes
    assert (newest["inspectionDue"], newest["inspectionOverdue"]) == (None, False)
    assert (
        station["inspectionOverdue"] is False
        and station["inspectionDue"] > datetime.now(UTC).date().isoformat()
    )
    assert (overdue["inspectionDue"], overdue["inspectionOverdue"]) == ("2025-07-15", True)
    assert (station["repairCount"], overdue["repairCount"]) == (1, 0)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"customer": "CUST-0042"}, ["KJ-2026-0100", "KJ-2025-0042"]),
        ({"region": "Shanxi"}, ["SX-2025-0007"]),
        ({"model": "KJ70N monitoring station"}, ["SX-2025-0007"]),
        ({"inspectionOverdue": True}, ["SX-2025-0007"]),
        ({"inspectionOverdue": False}, ["KJ-2026-0100", "KJ-2025-0042"]),
        ({"customer": "CUST-0042", "inspectionOverdue": True}, []),
    ],
)
def test_each_filter_narrows_the_list(client, tokens, fleet, condition, expected):
    assert serials(client, tokens["engineer"], filter=condition) == expected


def test_units_page_through_with_after(client, tokens, fleet):
    first = read(client, tokens["engineer"], UNITS, first=2)["units"]
    rest = read(client, tokens["engineer"], UNITS, first=2, after=first["pageInfo"]["endCursor"])["units"]

    assert first["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["serialNumber"] for e in first["edges"] + rest["edges"]] == [
        "KJ-2026-0100",
        "KJ-2025-0042",
        "SX-2025-0007",
    ]


def test_a_unit_reads_its_warranty_schedule_and_repairs(client, tokens, fleet):
    seen = read(client, tokens["engineer"], UNIT, id=fleet.overdue)["unit"]
    station = read(client, tokens["engineer"], UNIT, id=fleet.station)["unit"]

    assert seen["overdueInspections"][:2] == ["2025-07-15", "2026-01-15"] and seen["repairs"] == []
    assert seen["warranty"][0] == {
        "componentClass": "electrical",
        "months": 18,
        "sparePartsYears": 15,
        "until": "2026-07-16T00:00:00+08:00",
    }
    [repair] = station["repairs"]
    assert {
        k: repair[k] for k in ("caseId", "faultCode", "inWarranty", "status", "visits", "firstVisitFix")
    } == {
        "caseId": fleet.case_id,
        "faultCode": "E-217",
        "inWarranty": True,
        "status": "signed",
        "visits": 1,
        "firstVisitFix": True,
    }
    times = [repair[k] for k in ("dispatchedAt", "arrivedAt", "fixedAt", "signedAt")]
    assert all(times) and [datetime.fromisoformat(t) for t in times] == sorted(
        datetime.fromisoformat(t) for t in times
    )


def test_the_repair_reads_its_decision_and_signed_visit_from_the_store(client, tokens, fleet):
    repair = read(client, tokens["engineer"], REPAIR, caseId=fleet.case_id)["repair"]

    assert (repair["serialNumber"], repair["fixed"], repair["quotes"]) == ("KJ-2025-0042", True, [])
    assert repair["decision"] == {
        "inWarranty": True,
        "exclusion": None,
        "reason": "Electrical, 18 months",
        "decidedBy": "engineer-1",
    }
    [visit] = repair["visits"]
    assert (visit["result"], visit["signedBy"], visit["partsUsed"]) == (
        "fixed",
        "Li Qiang",
        [{"partNumber": "PB-95X", "quantity": "1"}],
    )
    assert repair["replacement"]["proposed"] is False


def test_unknown_units_and_cases_without_a_repair_read_null(client, tokens, fleet):
    unknown = "00000000-0000-4000-8000-000000000000"
    other_case = fleet.desk.fault_case()

    assert read(client, tokens["engineer"], UNIT, id=unknown)["unit"] is None
    assert read(client, tokens["engineer"], REPAIR, caseId=unknown)["repair"] is None
    assert read(client, tokens["engineer"], REPAIR, caseId=other_case)["repair"] is None


def test_staff_never_list_units_and_read_a_repair_only_under_a_grant(client, services, tokens, fleet):
    listing = refused(client, tokens["staff"], UNITS, first=5)
    before = refused(client, tokens["staff"], REPAIR, caseId=fleet.case_id)
    granted(client, services, tokens, fleet.case_id)
    settled(services)

    repair = read(client, tokens["staff"], REPAIR, caseId=fleet.case_id)["repair"]

    assert listing.startswith("reading unit_list needs one of the roles")
    assert before.startswith(f"you have no access grant for case {fleet.case_id}")
    assert repair["caseId"] == fleet.case_id


def test_the_repairs_read_are_recorded_under_their_case(client, services, tokens, fleet):
    read(client, tokens["engineer"], UNIT, id=fleet.station)
    read(client, tokens["engineer"], REPAIR, caseId=fleet.case_id)

    reads = [
        (entry["what"], entry["caseIds"])
        for entry in log_of(client, services, tokens, fleet.case_id)
        if entry["userId"] == "engineer-1" and not entry["refused"]
    ]
    assert sorted(reads) == [("repair", [fleet.case_id]), ("repair", [fleet.case_id])]

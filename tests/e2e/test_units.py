"""Installed units through HTTP: registered one by one or imported all or nothing, read back with their
warranty ends and inspection schedule, and a periodic inspection visit that meets a due date."""

from datetime import UTC, datetime
from typing import Any

from domain.equipment import installed_unit_id
from tests.conftest import auth
from tests.e2e.test_shipments import events_so_far

UNITS = "/api/v1/units"
CSV_HEADER = (
    "customer_id,model,serial_number,site,region,accepted_at,inspection_interval_months,"
    "warranty:electrical,warranty:steel_structure\n"
)


def unit(serial_number: str = "KJ-2025-0042", **overrides: Any) -> dict[str, Any]:
    """A coal-mine safety monitoring station accepted on 15 January 2025 in Anhui."""
    body: dict[str, Any] = {
        "customer_id": "CUST-0042",
        "model": "KJ95X monitoring station",
        "serial_number": serial_number,
        "site": "Huainan No. 2 mine, shaft 3",
        "region": "Anhui",
        "accepted_at": "2025-01-15T10:00:00+08:00",
        "warranty": [
            {"component_class": "electrical", "months": 18, "spare_parts_years": 15},
            {"component_class": "steel_structure", "months": 36},
        ],
        "inspection_interval_months": 6,
    }
    return body | overrides


def register(client: Any, token: str, body: dict[str, Any]) -> Any:
    return client.post(UNITS, json=body, headers=auth(token))


def csv_row(serial_number: str, electrical: str = "18") -> str:
    return (
        f"CUST-0042,KJ95X,{serial_number},Huainan No. 2,Anhui,2025-01-15T10:00:00+08:00,6,{electrical},36\n"
    )


def import_csv(client: Any, token: str, text: str) -> Any:
    return client.post(f"{UNITS}/import", content=text.encode(), headers=auth(token, Content_Type="text/csv"))


def test_a_unit_is_registered_and_read_with_its_warranty_and_inspection_schedule(client, tokens):
    registered = register(client, tokens["service_agent"], unit())

    assert registered.status_code == 201, registered.text
    assert registered.json()["id"] == str(installed_unit_id("kj-2025-0042"))
    read = client.get(f"{UNITS}/{registered.json()['id']}", headers=auth(tokens["engineer"]))
    assert read.status_code == 200, read.text
    body = read.json()
    until = {w["component_class"]: w["until"] for w in body["warranty"]}
    # 18 months from 15 January 2025: covered through 15 July 2026, the first moment out is the 16th.
    assert until["electrical"].startswith("2026-07-16T00:00:00")
    assert until["steel_structure"].startswith("2028-01-16T00:00:00")
    schedule = body["inspection_schedule"]
    assert schedule["overdue"][0] == "2025-07-15"  # nothing inspected since acceptance
    assert schedule["next_due"] > schedule["overdue"][-1]


def test_an_inspection_visit_meets_the_due_date_it_falls_in(client, tokens):
    unit_id = register(client, tokens["manager"], unit()).json()["id"]
    before = client.get(f"{UNITS}/{unit_id}", headers=auth(tokens["engineer"])).json()["inspection_schedule"]

    visited = client.post(
        f"{UNITS}/{unit_id}/inspections",
        json={"visited_at": "2025-07-10T09:00:00+08:00", "findings": "Sensors calibrated, cabling sound"},
        headers=auth(tokens["engineer"]),
    )

    assert (visited.status_code, visited.headers["ETag"]) == (200, '"2"'), visited.text
    after = client.get(f"{UNITS}/{unit_id}", headers=auth(tokens["engineer"])).json()
    assert after["inspections_done"] == ["2025-07-10T09:00:00+08:00"]
    assert after["inspection_schedule"]["overdue"] == before["overdue"][1:]


def test_a_second_unit_with_the_same_serial_number_is_refused(client, tokens):
    register(client, tokens["manager"], unit("SN-1"))

    again = register(client, tokens["manager"], unit("sn-1 "))

    assert (again.status_code, again.json()["field"]) == (409, "serial_number")


def test_bad_input_names_the_field_and_records_nothing(client, services, tokens):
    before = events_so_far(services)
    future = datetime(2099, 1, 1, tzinfo=UTC).isoformat()
    cases = [
        (
            unit(warranty=[{"component_class": "Electrical Parts", "months": 18}]),
            "warranty.0.component_class",
        ),
        (unit(warranty=[{"component_class": "electrical", "months": 0}]), "warranty.0.months"),
        (unit(accepted_at=future), "accepted_at"),
        (unit(accepted_at="2025-01-15T10:00:00"), "accepted_at"),
        (unit(site=" "), "site"),
    ]
    for body, field in cases:
        refused = register(client, tokens["manager"], body)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    assert events_so_far(services) == before


def test_units_are_imported_from_csv_and_json(client, tokens):
    from_csv = import_csv(client, tokens["service_agent"], CSV_HEADER + csv_row("CSV-1") + csv_row("CSV-2"))
    from_json = client.post(f"{UNITS}/import", json=[unit("JSON-1")], headers=auth(tokens["manager"]))

    assert (from_csv.status_code, from_csv.json()["imported"]) == (201, 2), from_csv.text
    assert (from_json.status_code, from_json.json()["imported"]) == (201, 1), from_json.text
    second = client.get(f"{UNITS}/{from_csv.json()['ids'][1]}", headers=auth(tokens["manager"])).json()
    assert second["serial_number"] == "CSV-2"
    assert [w["months"] for w in second["warranty"]] == [18, 36]


def test_a_bad_row_refuses_the_whole_import_and_names_row_and_column(client, services, tokens):
    register(client, tokens["manager"], unit("OLD-1"))
    before = events_so_far(services)
    rows = [csv_row("NEW-1"), csv_row("NEW-2", electrical="-3"), csv_row("OLD-1"), csv_row("NEW-1")]

    response = import_csv(client, tokens["service_agent"], CSV_HEADER + "".join(rows))

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["imported"] == 0
    assert [(r["row"], r["field"]) for r in body["rejected"]] == [
        (2, "warranty:electrical"),
        (3, "serial_number"),
        (4, "serial_number"),
    ]
    assert events_so_far(services) == before
    assert (
        client.get(f"{UNITS}/{installed_unit_id('NEW-1')}", headers=auth(tokens["manager"])).status_code
        == 404
    )


def test_an_unknown_csv_column_is_refused_naming_it(client, tokens):
    response = import_csv(client, tokens["manager"], "serial,model\nX,Y\n")

    assert (response.status_code, response.json()["field"]) == (422, "serial")

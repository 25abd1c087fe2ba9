"""Health and readiness, as a load balancer or an orchestrator asks for them."""

import time

from fastapi.testclient import TestClient

from api.app import create_app


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_is_ready_once_the_projections_beat(client):
    deadline = time.monotonic() + 10
    response = client.get("/readyz")
    while response.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "checks": {"database": True, "schema_current": True, "projections_running": True},
    }


def test_readyz_is_not_ready_when_nothing_runs_the_projections(services):
    services.settings.run_projections = False
    with TestClient(create_app(services)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": True,
        "schema_current": True,
        "projections_running": False,
    }

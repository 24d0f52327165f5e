"""End to end through the JSON API, on SQLite and PostgreSQL: a live incident from creation
through assessment, tasks, a deconfliction alert, a preserved exhibit, a takedown sent and
removed, an arrest and a charge. Bad input is 4xx JSON and changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from drachma.model.roles import Role
from drachma.store.db import Store
from tests.conftest import PASSWORD, ActorFactory
from tests.test_incidents_support import GROUP, STREAM, add_group, preserve_stream, row_counts


def bearer(client: TestClient, make_actor: ActorFactory, role: Role) -> dict[str, str]:
    actor = make_actor(role)
    response = client.post("/api/login", json={"username": actor.name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.text
    return response.json()


def test_a_live_incident_from_the_call_to_a_charge(client: TestClient, store: Store,
                                                   make_actor: ActorFactory,
                                                   tmp_path: Path) -> None:
    add_group(store)
    officer = bearer(client, make_actor, Role.OFFICER)
    investigator = bearer(client, make_actor, Role.INVESTIGATOR)
    supervisor = bearer(client, make_actor, Role.SUPERVISOR)
    owner = make_actor(Role.INVESTIGATOR).name
    ok(client.post("/api/investigations", headers=investigator, json={
        "reference": "OP LARCH", "owner": "DC Sam Okafor", "owner_username": owner,
        "contact": "0161 555 0199", "subjects": [{
            "name": "Darren Pilkington", "date_of_birth": "1984-03-07",
            "handles": ["@dpilk84"]}]}), 201)

    incident = ok(client.post("/api/incidents", headers=officer, json={
        "place": "Rochdale", "groups": [GROUP], "stream_urls": [STREAM]}), 201)
    number = incident["id"]
    assert incident["force"] == "greater-manchester" and incident["district"] == "Rochdale"

    added = ok(client.post(f"/api/incidents/{number}/people", headers=officer, json={
        "role": "subject", "name": "Daz Pilkington", "date_of_birth": "1984-07-03"}), 201)
    assert added["deconfliction"]["match"] is True
    assert added["deconfliction"]["call"] == ["DC Sam Okafor (0161 555 0199)"]
    assert "OP LARCH" not in str(added)
    inbox = ok(client.get("/api/alerts", headers=investigator))
    assert inbox["unread"] == 1
    assert "date of birth with day and month swapped" in inbox["alerts"][0]["reasons"]
    assert ok(client.get("/api/alerts/unread", headers=officer))["unread"] == 0

    assessed = ok(client.post(f"/api/incidents/{number}/assessments", headers=officer, json={
        "focus": "subject", "factors": ["self_harm_risk"],
        "notes": {"risk": "Threatened to harm himself on the stream"}}), 201)
    assert assessed["assessment"]["level"] == "high"
    assert assessed["assessment"]["driver_labels"] == ["Self-harm or suicide risk"]
    welfare = next(t for t in assessed["tasks"] if t["key"] == "welfare_check")
    ok(client.post(f"/api/tasks/{welfare['id']}/done", headers=officer,
                   json={"note": "Seen at home with family"}))
    assert client.patch(f"/api/tasks/{welfare['id']}", headers=officer,
                        json={"status": "open"}).status_code == 409
    assert client.patch(f"/api/assessments/{assessed['assessment']['id']}",
                        headers=officer).status_code == 409

    takedown = ok(client.post(f"/api/incidents/{number}/takedowns", headers=officer, json={
        "url": STREAM, "kind": "live_stream", "legal_basis": "harassment",
        "platform": "Facebook"}), 201)
    refused = client.post(f"/api/takedowns/{takedown['id']}/status", headers=officer,
                          json={"status": "sent"})
    assert refused.status_code == 422 and refused.json()["error"] == "not_preserved"
    # The stream is preserved in the evidence locker before the platform is asked.
    [kept] = preserve_stream(store, make_actor(Role.INVESTIGATOR), tmp_path, "SO")
    ok(client.post(f"/api/takedowns/{takedown['id']}/preservation", headers=officer,
                   json={"exhibit": kept}))
    assert ok(client.post(f"/api/takedowns/{takedown['id']}/status", headers=officer,
                          json={"status": "sent"}))["status"] == "sent"
    ok(client.post(f"/api/incidents/{number}/events", headers=officer,
                   json={"kind": "arrest", "note": "arrested at the scene"}), 201)
    listed = ok(client.get(f"/api/incidents/{number}/takedowns", headers=officer))
    assert listed["takedowns"][0]["suggested_basis"] == "contempt_of_court"
    assert ok(client.post(f"/api/takedowns/{takedown['id']}/status", headers=officer,
                          json={"status": "removed"}))["status"] == "removed"
    back = client.post(f"/api/takedowns/{takedown['id']}/status", headers=officer,
                       json={"status": "sent"})
    assert back.status_code == 409 and back.json()["error"] == "invalid_transition"
    text = client.get(f"/api/takedowns/{takedown['id']}/text", headers=officer)
    assert text.status_code == 200 and STREAM in text.text
    ok(client.post(f"/api/incidents/{number}/events", headers=officer,
                   json={"kind": "charge", "note": "charged, s.15 Sexual Offences Act 2003"}),
       201)

    shown = ok(client.get(f"/api/incidents/{number}", headers=officer))
    kinds = [e["kind"] for e in shown["timeline"]]
    for kind in ("created", "subject_added", "alert_raised", "assessed", "task_created",
                 "task_done", "takedown_drafted", "takedown_sent", "arrest",
                 "takedown_answered", "charge"):
        assert kind in kinds, kind
    assert kinds.index("arrest") < kinds.index("takedown_answered") < kinds.index("charge")
    assert shown["incident"]["outcome"] == "charged"
    assert shown["incident"]["risk_level"] == "high"
    listing = ok(client.get("/api/incidents", headers=supervisor,
                            params={"risk": "high", "area": "Rochdale"}))
    assert listing["total"] == 1 and "people" not in listing["incidents"][0]


def test_bad_input_is_4xx_json_and_changes_nothing(client: TestClient, store: Store,
                                                   make_actor: ActorFactory) -> None:
    add_group(store)
    officer = bearer(client, make_actor, Role.OFFICER)
    tables = ("incidents", "incident_events", "groups", "places")
    before = row_counts(store, *tables)
    cases = [
        ({"place": "Atlantis Retail Park", "groups": [GROUP]}, 422, "unknown_place"),
        ({"place": "Rochdale", "groups": ["Nobody Knows Them"]}, 422, "unknown_group"),
        ({"place": "Rochdale", "groups": [GROUP], "occurred_at": "2999-01-01T10:00:00Z"}, 422,
         "time_in_future"),
        ({"place": "Rochdale", "groups": []}, 422, "invalid_input"),
        ({"place": "x" * 500, "groups": [GROUP]}, 422, "invalid_input"),
    ]
    for body, code, kind in cases:
        response = client.post("/api/incidents", headers=officer, json=body)
        assert response.status_code == code, (body, response.text)
        assert response.json()["error"] == kind
    assert row_counts(store, *tables) == before
    analyst = bearer(client, make_actor, Role.ANALYST)
    assert client.post("/api/incidents", headers=analyst,
                       json={"place": "Rochdale", "groups": [GROUP]}).status_code == 403
    assert client.get("/api/incidents/999", headers=officer).status_code == 404

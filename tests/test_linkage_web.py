"""Who is who through HTTP (SQLite and PostgreSQL): the JSON API and the pages call the same
functions as ``drachma link``, refuse what the user may not see, and check CSRF."""

from __future__ import annotations

from typing import Any

from drachma.link import linkage
from drachma.model.roles import Role
from drachma.store.db import Store
from tests.conftest import ActorFactory
from tests.linkage_fixture import seed_world, source_ids
from tests.test_linkage import pair_between


def _trained(store: Store, make_actor: ActorFactory) -> None:
    seed_world(store)
    linkage.train(store, make_actor(Role.SUPERVISOR))
    linkage.run(store, make_actor(Role.SUPERVISOR))


def test_the_api_lists_explains_confirms_undoes_and_refuses(
        client: Any, store: Store, make_actor: ActorFactory) -> None:
    from tests.web import log_in

    _trained(store, make_actor)
    token = log_in(client, make_actor(Role.ANALYST))
    headers = {"X-CSRF-Token": token}
    queue = client.get("/api/linkage/queue", params={"limit": 100}).json()
    # the least certain first (weight nearest 0, even odds); near-copies last
    weights = [p["match_weight"] for p in queue["pairs"]]
    assert queue["total"] >= 5 and [abs(w) for w in weights] == sorted(abs(w) for w in weights)
    strongest = client.get("/api/linkage/queue", params={"limit": 100, "order": "strongest"})
    assert [p["match_weight"] for p in strongest.json()["pairs"]] == sorted(weights, reverse=True)
    assert strongest.json()["pairs"][0]["match_weight"] == max(weights) >= 4
    assert weights[0] == min(weights, key=abs) < max(weights)
    assert client.get("/api/linkage/queue", params={"order": "random"}).status_code == 422
    pelling = source_ids(store, "pelling")
    pair = pair_between(store, pelling["person"][0], pelling["incident_subject"][0])
    assert pair is not None
    shown = client.get(f"/api/linkage/pairs/{pair.id}").json()
    assert [s["comparison"] for s in shown["waterfall"]][:3] == ["prior", "first_name", "surname"]
    done = client.post(f"/api/linkage/pairs/{pair.id}/confirm", json={}, headers=headers)
    assert done.status_code == 200 and done.json()["decision"] == "confirm"
    profile_id = done.json()["changes"]["cluster"]
    profile = client.get(f"/api/linkage/profiles/{profile_id}").json()
    assert {s["source_kind"] for s in profile["statements"]} == {"person", "incident_subject"}
    again = client.post(f"/api/linkage/pairs/{pair.id}/confirm", json={}, headers=headers)
    assert again.status_code == 409
    undone = client.post(f"/api/linkage/pairs/{pair.id}/undo", headers=headers)
    assert undone.status_code == 200 and undone.json()["decision"] == "undo"
    hidden = pair_between(store, source_ids(store, "garg")["person"][0],
                          source_ids(store, "garg")["investigation_subject"][0])
    assert hidden is not None
    refused = client.post(f"/api/linkage/pairs/{hidden.id}/reject", headers=headers)
    assert refused.status_code == 403 and refused.json()["field"] == "pair_id"
    assert client.post("/api/linkage/pairs/1/reject").status_code == 403  # no CSRF token
    bad = client.post("/api/linkage/records", json={"record": "nobody"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "record"
    assert client.get("/api/linkage/queue", params={"threshold": 1000}).status_code == 422


def test_the_pages_show_the_queue_the_waterfall_and_take_decisions(
        client: Any, store: Store, make_actor: ActorFactory) -> None:
    from tests.web import log_in

    _trained(store, make_actor)
    token = log_in(client, make_actor(Role.SUPERVISOR))
    queue = client.get("/linkage")
    assert queue.status_code == 200 and "Review pair" in queue.text
    assert "<strong>least certain first</strong>" in queue.text
    assert 'href="/linkage?kind=person&amp;order=strongest"' in queue.text  # the sort control
    strongest = client.get("/linkage", params={"order": "strongest"})
    assert "<strong>strongest first</strong>" in strongest.text
    assert 'href="/linkage"' in queue.text  # in the navigation
    hebb = source_ids(store, "hebb")
    pair = pair_between(store, hebb["person"][0], hebb["incident_subject"][0])
    assert pair is not None
    page = client.get(f"/linkage/pairs/{pair.id}")
    assert page.status_code == 200 and "<svg" in page.text and "Waterfall chart" in page.text
    assert "day and month swapped" in page.text and "not proof" in page.text
    assert client.post(f"/linkage/pairs/{pair.id}/confirm", data={}).status_code == 403
    done = client.post(f"/linkage/pairs/{pair.id}/confirm", data={"csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303
    page = client.get(f"/linkage/pairs/{pair.id}")
    assert "Undo this decision" in page.text and "/linkage/people/" in page.text
    people = client.get("/linkage/people")
    assert "Profile" in people.text and "Hebblethwaite" in people.text
    profile_link = people.text.split('href="/linkage/people/')[1].split('"')[0]
    profile = client.get(f"/linkage/people/{profile_link}")
    assert "recorded at incident" in profile.text and "not proof" in profile.text
    again = client.post(f"/linkage/pairs/{pair.id}/reject", data={"csrf_token": token})
    assert again.status_code == 409 and "already confirmed" in again.text
    ran = client.post("/api/linkage/run", json={"kind": "group"},
                      headers={"X-CSRF-Token": token})
    assert ran.status_code == 200 and ran.json()["new_pairs"] == 2
    groups = client.get("/linkage", params={"kind": "group"})
    assert "Team Lantern Watch Uk" in groups.text


def test_the_commands_train_run_list_explain_decide_and_undo(
        store: Store, make_actor: ActorFactory) -> None:
    from tests.test_cli_faces import cli

    seed_world(store)
    analyst = make_actor(Role.ANALYST).name
    code, out = cli(store, "link", "train", "--as", analyst)
    assert code == 0 and "Model version 1 trained" in out, out
    code, out = cli(store, "link", "run", "--as", analyst)
    assert code == 0 and "new in the review queue" in out, out
    code, out = cli(store, "link", "groups", "--as", analyst)
    assert code == 0 and "2 new in the review queue" in out, out
    pelling = source_ids(store, "pelling")
    pair = pair_between(store, pelling["person"][0], pelling["incident_subject"][0])
    assert pair is not None
    code, out = cli(store, "link", "show-pair", str(pair.id), "--as", analyst)
    assert code == 0 and "swapped" in out  # day and month (the table wraps it)
    code, out = cli(store, "link", "confirm", str(pair.id), "--as", analyst)
    assert code == 0 and "confirmed" in out
    profile = out.split("profile ")[-1].strip().rstrip(".")
    code, out = cli(store, "link", "show", profile, "--as", analyst)
    assert code == 0 and "person record" in out and "not proof" in out
    code, out = cli(store, "link", "profiles", "--as", analyst)
    assert code == 0 and "1 profiles." in out
    code, out = cli(store, "link", "undo", str(pair.id), "--as", analyst)
    assert code == 0 and "undone" in out
    code, out = cli(store, "link", "queue", "--as", analyst, "--limit", "5")
    assert code == 0 and "pending" in out
    code, out = cli(store, "link", "queue", "--as", analyst, "--order", "strongest")
    assert code == 0 and "pending" in out
    code, out = cli(store, "link", "queue", "--as", analyst, "--order", "random")
    assert code == 1 and "unknown queue order" in out
    code, out = cli(store, "link", "record", "nobody:1", "--as", analyst)
    assert code == 1 and "kind:id" in out
    code, out = cli(store, "link", "train", "--as", analyst, "--backend", "oracle")
    assert code == 1 and "unknown backend" in out

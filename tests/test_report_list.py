"""The report list: paging by cursor (keyset) and by shallow offset, and its total answered from
the counts kept in step with every write, never counting a report the reader may not see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from drachma.access.actor import Actor
from drachma.access.permissions import CONDITION_ROLES
from drachma.demo.load import load_scale
from drachma.errors import ValidationError
from drachma.model.roles import Role
from drachma.reports import MAX_LIST_OFFSET, ReportDraft, ReportList, add_report, list_page
from drachma.reports.read import cursor_of, parse_cursor
from drachma.store import reports as report_store
from drachma.store import rollups
from drachma.store.db import Store
from drachma.store.reports import ReportFilters, Visibility
from tests.conftest import PASSWORD, ActorFactory

# Handling conditions a report may carry: P, or C open to these roles.
ACCESS: list[tuple[str, list[str]]] = [
    ("P", []), ("C", ["investigator"]), ("C", ["analyst"]), ("C", ["officer", "investigator"]),
    ("C", ["disclosure_officer"]), ("C", ["analyst", "disclosure_officer"]),
]
GRADINGS = ["2B", "1A", "3C", "2E"]
KINDS = ["officer", "public", "group"]
FORCES = [None, "Greater Manchester Police", "West Yorkshire Police"]
# Around month ends and the clock changes (UK months are counted in UK time): 00:30 on
# 1 April 2026 in London is 23:30 UTC on 31 March.
MOMENTS = [
    datetime(2026, 3, 31, 23, 30, tzinfo=UTC), datetime(2026, 3, 31, 22, 59, tzinfo=UTC),
    datetime(2026, 4, 1, 0, 0, tzinfo=UTC), datetime(2026, 1, 31, 23, 59, tzinfo=UTC),
    datetime(2026, 2, 1, 0, 0, tzinfo=UTC), datetime(2025, 10, 25, 23, 30, tzinfo=UTC),
    datetime(2025, 12, 15, 12, 0, tzinfo=UTC), datetime(2025, 6, 30, 23, 1, tzinfo=UTC),
]


def _fill(store: Store, make_actor: ActorFactory, n: int = 48) -> None:
    author = make_actor(Role.SUPERVISOR)  # sees every report: adds no role of its own
    for i in range(n):
        handling, roles = ACCESS[i % len(ACCESS)]
        grading = GRADINGS[i % len(GRADINGS)] + handling
        add_report(store, author, ReportDraft(
            title=f"Report {i}", body=f"An invented report number {i} about a meeting.",
            grading=grading, source_kind=KINDS[i % len(KINDS)],
            handling_conditions="Named roles only" if handling == "C" else None,
            visible_to=roles, force=FORCES[i % len(FORCES)],
            received_at=MOMENTS[i % len(MOMENTS)] + timedelta(minutes=i // len(MOMENTS)),
        ))


VISIBILITIES = [Visibility(role) for role in Role] + [Visibility(Role.SUPERVISOR, True)]
FILTERS = [
    ReportFilters(),
    ReportFilters(handling="C"),
    ReportFilters(source_evaluation="2", intelligence="B"),
    ReportFilters(source_kind="public", force="Greater Manchester Police"),
    ReportFilters(received_from=date(2026, 4, 1)),  # a whole month on from a first day
    ReportFilters(received_from=date(2026, 3, 31), received_to=date(2026, 4, 1)),  # no month
    ReportFilters(received_to=date(2026, 1, 31)),  # up to a last day: whole months
    ReportFilters(received_from=date(2025, 10, 26), received_to=date(2026, 2, 1)),  # both ends
    ReportFilters(received_from=date(2025, 6, 30), handling="P", source_kind="officer"),
    ReportFilters(received_from=date(2026, 5, 1), received_to=date(2026, 4, 1)),  # empty
]


@pytest.mark.parametrize("visibility", VISIBILITIES, ids=lambda v: f"{v.role.value}"
                         f"{'+all' if v.sees_all_restricted else ''}")
def test_the_kept_count_equals_a_plain_count_for_every_role_and_filter(
    store: Store, make_actor: ActorFactory, visibility: Visibility
) -> None:
    _fill(store, make_actor)
    with store.begin() as conn:
        for filters in FILTERS:
            plain = report_store.count_reports_plain(conn, visibility, filters)
            assert report_store.count_reports(conn, visibility, filters) == plain, filters
        everything = report_store.count_reports_plain(conn, visibility)
    # the fixture is not trivial: C reports exist that this reader may not see (the author is a
    # supervisor, whose role every C report is open to)
    assert 0 < everything <= 48
    if visibility.role != Role.SUPERVISOR:
        assert everything < 48


def test_the_kept_count_follows_disposal_and_never_counts_what_a_role_may_not_see(
    store: Store, make_actor: ActorFactory
) -> None:
    from drachma.analytics import upkeep

    _fill(store, make_actor, 12)
    analyst, officer = Visibility(Role.ANALYST), Visibility(Role.OFFICER)
    with store.begin() as conn:
        before = report_store.count_reports(conn, analyst)
        restricted = [r for r in report_store.list_reports(conn, Visibility(Role.SUPERVISOR, True),
                                                            limit=50)
                      if r.restricted and "analyst" in r.visible_to
                      and "officer" not in r.visible_to]
        assert restricted
        officer_before = report_store.count_reports(conn, officer)
        gone = restricted[0].id or 0
        upkeep.forget_reports(conn, [gone])  # as retention disposal does
        report_store.delete_report(conn, gone)
    with store.begin() as conn:
        assert report_store.count_reports(conn, analyst) == before - 1
        assert report_store.count_reports(conn, officer) == officer_before  # never counted it
        for visibility in VISIBILITIES:
            assert (report_store.count_reports(conn, visibility)
                    == report_store.count_reports_plain(conn, visibility))


def test_the_scale_loader_keeps_the_counts_in_step(store: Store) -> None:
    load_scale(store, 300, 0, False, batch_size=128)
    with store.begin() as conn:
        assert rollups.count_listed(conn, role=None, months=(None, None)) == 300
        for visibility in VISIBILITIES:
            assert (report_store.count_reports(conn, visibility)
                    == report_store.count_reports_plain(conn, visibility))


def _walk(store: Store, actor_role: Role, make_actor: ActorFactory, limit: int,
          filters: ReportFilters = ReportFilters()) -> list[int]:
    actor = make_actor(actor_role)
    seen: list[int] = []
    page = list_page(store, actor, filters, limit=limit)
    while True:
        seen += [r.id or 0 for r in page.reports]
        if page.next is None:
            return seen
        page = list_page(store, actor, filters, limit=limit, after=page.next)


@pytest.mark.parametrize("role", [Role.ANALYST, Role.OFFICER, Role.SUPERVISOR])
def test_following_next_cursors_gives_every_visible_report_once_newest_first(
    store: Store, make_actor: ActorFactory, role: Role
) -> None:
    _fill(store, make_actor)
    actor = make_actor(role)
    everything = list_page(store, actor, limit=200)
    assert everything.next is None and everything.previous is None
    expected = [r.id for r in everything.reports]
    # several reports share a received time's minute order; ties are broken by number
    assert _walk(store, role, make_actor, 5) == expected
    assert _walk(store, role, make_actor, 7, ReportFilters(handling="P")) == [
        r.id for r in list_page(store, actor, ReportFilters(handling="P"), limit=200).reports]
    assert len(expected) == everything.total


def test_previous_cursors_walk_back_to_the_first_page(
    store: Store, make_actor: ActorFactory
) -> None:
    _fill(store, make_actor)
    actor = make_actor(Role.ANALYST)
    pages = [list_page(store, actor, limit=6)]
    while pages[-1].next is not None:
        pages.append(list_page(store, actor, limit=6, after=pages[-1].next))
    assert pages[0].previous is None and pages[-1].next is None and len(pages) > 3
    back = pages[-1]
    for earlier in reversed(pages[:-1]):
        assert back.previous is not None
        back = list_page(store, actor, limit=6, before=back.previous)
        assert [r.id for r in back.reports] == [r.id for r in earlier.reports]
    assert back.previous is None
    # a shallow offset page has cursors both ways too
    middle = list_page(store, actor, limit=6, offset=6)
    assert [r.id for r in middle.reports] == [r.id for r in pages[1].reports]
    assert middle.previous is not None and middle.next is not None
    assert [r.id for r in list_page(store, actor, limit=6, before=middle.previous).reports] == [
        r.id for r in pages[0].reports]


def _first_page(store: Store, make_actor: ActorFactory) -> tuple[Actor, ReportList]:
    """Six reports, and the first page of two that an analyst sees."""
    _fill(store, make_actor, 6)
    actor = make_actor(Role.ANALYST)
    return actor, list_page(store, actor, limit=2)


def test_a_cursor_round_trips_and_a_bad_one_is_refused_by_name(
    store: Store, make_actor: ActorFactory
) -> None:
    actor, first = _first_page(store, make_actor)
    assert first.next is not None
    position = parse_cursor(first.next, "after")
    assert position.id == first.reports[-1].id
    assert position.received_at == first.reports[-1].received_at
    assert cursor_of(first.reports[-1]) == first.next
    for bad in ["", "abc", "1_", "_1", "1.5_2", f"1_{2**63}", f"1_{2**31}",
                "1_0", "1_2_3", "x" * 60, "1\x00_2", "-99999999999999999_5"]:
        with pytest.raises(ValidationError) as caught:
            list_page(store, actor, after=bad)
        assert caught.value.field == "after"
    with pytest.raises(ValidationError) as caught:
        list_page(store, actor, before="nonsense")
    assert caught.value.field == "before"
    with pytest.raises(ValidationError) as caught:
        list_page(store, actor, after=first.next, before=first.next)
    assert caught.value.field == "before"
    with pytest.raises(ValidationError) as caught:
        list_page(store, actor, offset=2, after=first.next)
    assert caught.value.field == "offset"


def test_an_offset_past_the_limit_is_refused_with_the_way_on(
    store: Store, make_actor: ActorFactory
) -> None:
    actor = make_actor(Role.ANALYST)
    assert list_page(store, actor, offset=MAX_LIST_OFFSET).reports == []
    with pytest.raises(ValidationError) as caught:
        list_page(store, actor, offset=MAX_LIST_OFFSET + 1)
    assert caught.value.field == "offset"
    assert "next" in caught.value.message


def test_a_page_reached_by_cursor_is_audited_with_its_cursor(
    store: Store, make_actor: ActorFactory
) -> None:
    from drachma.store import audit as audit_store
    from drachma.store.audit import AuditFilters

    actor, first = _first_page(store, make_actor)
    assert first.next is not None
    second = list_page(store, actor, limit=2, after=first.next)
    with store.begin() as conn:
        events = audit_store.query(conn, AuditFilters(actor=actor.user.username), limit=10)
    listed = [e for e in events if e.detail.get("shown") is not None]
    assert listed[0].detail["after"] == first.next
    assert listed[0].detail["shown"] == ",".join(str(r.id) for r in second.reports)


def _api(client: TestClient, store: Store, make_actor: ActorFactory) -> dict[str, str]:
    actor = make_actor(Role.ANALYST)
    answer = client.post("/api/login", json={"username": actor.user.username,
                                             "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def test_the_api_pages_by_cursor_with_a_link_header(
    store: Store, make_actor: ActorFactory, client: TestClient
) -> None:
    _fill(store, make_actor, 30)
    headers = _api(client, store, make_actor)
    first = client.get("/api/reports", params={"limit": 3, "source_kind": "officer"},
                           headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["previous"] is None and body["next"]
    assert 'rel="next"' in first.headers["link"] and "source_kind=officer" in first.headers["link"]
    second = client.get("/api/reports", params={"limit": 3, "source_kind": "officer",
                                                    "after": body["next"]}, headers=headers)
    assert second.status_code == 200
    assert second.json()["total"] == body["total"]
    assert second.json()["previous"] and 'rel="prev"' in second.headers["link"]
    assert not {i["id"] for i in body["items"]} & {i["id"] for i in second.json()["items"]}
    for params, field in [({"after": "nonsense"}, "after"),
                          ({"offset": MAX_LIST_OFFSET + 1}, "offset"),
                          ({"after": body["next"], "before": body["next"]}, "before"),
                          ({"q": "meeting", "after": body["next"]}, "after")]:
        refused = client.get("/api/reports", params=params, headers=headers)
        assert refused.status_code == 422, params
        assert field in refused.text


def test_the_list_page_shows_older_and_newer_links(
    store: Store, make_actor: ActorFactory, client: TestClient
) -> None:
    _fill(store, make_actor, 110)  # 55 the analyst may see
    _api(client, store, make_actor)  # the log-in sets the session cookie
    first = client.get("/reports")
    assert first.status_code == 200
    assert "Older reports" in first.text and "Newer reports" not in first.text
    assert "page=2" in first.text
    later = client.get("/reports", params={"after": list_page(
        store, make_actor(Role.ANALYST), limit=50).next or ""})
    assert later.status_code == 200
    assert "Newer reports" in later.text and "before=" in later.text
    deep = client.get("/reports", params={"page": MAX_LIST_OFFSET // 50 + 2})
    assert deep.status_code == 422
    assert "Older reports" not in deep.text and "numbered pages go up to" in deep.text


def test_condition_roles_are_all_covered() -> None:
    """The fixture's access keys name every role a handling condition may name."""
    named = {role for _, roles in ACCESS for role in roles}
    assert named == {r.value for r in CONDITION_ROLES}


def test_the_list_counts_equal_the_rollups_recomputed_from_the_reports(
    store: Store, make_actor: ActorFactory
) -> None:
    from drachma.analytics import upkeep

    _fill(store, make_actor, 20)
    with store.begin() as conn:
        star, _ = upkeep.expected_rollups(conn)  # from the base tables, nothing written
        kept = rollups.list_count_rows(conn)
    assert kept == rollups.list_deltas(star)
    assert sum(kept.values()) == 20
    with store.begin() as conn:  # a rebuild writes the same rows again
        upkeep.rebuild_in(conn)
        assert rollups.list_count_rows(conn) == kept

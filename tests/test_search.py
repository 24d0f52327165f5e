"""Ranked full-text search, on SQLite (FTS5) and PostgreSQL (tsvector), through the store layer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from drachma.errors import ValidationError
from drachma.model.grading import parse_grading
from drachma.model.report import Report, SourceKind
from drachma.model.roles import Role
from drachma.store.db import Store
from drachma.store.reports import ReportFilters, Visibility, insert_report
from drachma.store.search import (
    MARK_END,
    MARK_START,
    fts5_query,
    parse_query,
    pg_query,
    search,
)
from tests.conftest import ActorFactory

ANALYST = Visibility(Role.ANALYST)
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def make_report(
    title: str,
    body: str,
    *,
    day: int = 0,
    grading: str = "2BP",
    visible_to: frozenset[Role] = frozenset(),
    source_kind: SourceKind = SourceKind.OFFICER,
    force: str | None = None,
) -> Report:
    conditions = "Not to be shared outside the team." if grading.endswith("C") else None
    return Report(
        title=title,
        body=body,
        received_at=START + timedelta(days=day),
        source_kind=source_kind,
        grading=parse_grading(grading, conditions),
        visible_to=visible_to,
        force=force,
    )


def add(store: Store, *reports: Report) -> list[int]:
    ids = []
    with store.begin() as conn:
        for report in reports:
            ids.append(insert_report(conn, report))
    return ids


def ids_of(store: Store, query: str, visibility: Visibility = ANALYST,
           filters: ReportFilters = ReportFilters(), **kwargs: int) -> list[int]:
    with store.begin() as conn:
        result = search(conn, query, visibility, filters, **kwargs)
    return [hit.report.id for hit in result.hits if hit.report.id is not None]


def test_more_and_better_matches_rank_first(store: Store) -> None:
    weak, strong, _ = add(
        store,
        make_report("Meeting notes", "A passing mention of a trebuchet among many other words "
                    "about the weather, the roads and the traffic in the town that evening."),
        make_report("Trebuchet seen at the sting", "The trebuchet was filmed. Trebuchet again."),
        make_report("Unrelated", "Nothing to see here."),
    )
    assert ids_of(store, "trebuchet") == [strong, weak]
    with store.begin() as conn:
        result = search(conn, "trebuchet", ANALYST)
    assert result.hits[0].score > result.hits[1].score
    assert result.exhaustive
    assert result.ranked == 2


def test_snippet_marks_the_matched_word(store: Store) -> None:
    add(store, make_report("Report", "The man was arrested outside the station after the chat."))
    with store.begin() as conn:
        result = search(conn, "arrested", ANALYST)
    (hit,) = result.hits
    assert f"{MARK_START}arrested{MARK_END}" in hit.snippet
    assert hit.report.body.startswith("The man was arrested")


def test_stemming_matches_other_forms(store: Store) -> None:
    (report_id,) = add(store, make_report("Report", "Two men were arrested on Friday."))
    assert ids_of(store, "arrest") == [report_id]


def test_phrase_query(store: Store) -> None:
    together, apart = add(
        store,
        make_report("One", "They arrived in a red car near the park."),
        make_report("Two", "The car that was parked there was red."),
    )
    assert ids_of(store, '"red car"') == [together]
    assert sorted(ids_of(store, "red car")) == sorted([together, apart])


def test_prefix_query(store: Store) -> None:
    zeppelin, zephyr, _ = add(
        store,
        make_report("One", "A zeppelin was mentioned."),
        make_report("Two", "A zephyr was mentioned."),
        make_report("Three", "A balloon was mentioned."),
    )
    assert sorted(ids_of(store, "zep*")) == sorted([zeppelin, zephyr])
    assert ids_of(store, "zepp*") == [zeppelin]


def test_every_term_is_required(store: Store) -> None:
    both, _ = add(
        store,
        make_report("One", "The decoy met him at the station."),
        make_report("Two", "The decoy met him at the park."),
    )
    assert ids_of(store, "decoy station") == [both]


@pytest.mark.parametrize("query", ["", "   ", "?!", '"" ... --- !!!', "*"])
def test_query_without_words_is_refused(store: Store, query: str) -> None:
    with store.begin() as conn, pytest.raises(ValidationError) as caught:
        search(conn, query, ANALYST)
    assert caught.value.field == "query"


def test_query_syntax_is_not_injected(store: Store) -> None:
    """Operators and quotes of either engine are taken as plain words."""
    (report_id,) = add(store, make_report("One", "Near the station NEAR the park, or not."))
    for query in ['station OR park', "station' | 'park", 'NEAR(station park)', "station:*",
                  'title:station', "-station", "station & !park", '"station']:
        with store.begin() as conn:
            search(conn, query, ANALYST)  # no syntax error from the engine
    assert ids_of(store, "station") == [report_id]


def test_query_translation() -> None:
    assert fts5_query('police "red car" arrest*') == '"police" "red car" "arrest"*'
    assert pg_query('police "red car" arrest*') == "'police' & ('red' <-> 'car') & 'arrest':*"
    assert pg_query("o'brien") == "'o''brien'"
    assert [t.words for t in parse_query('"one"  two*')] == [("one",), ("two",)]


def test_restricted_report_follows_its_handling_conditions(store: Store) -> None:
    public, restricted = add(
        store,
        make_report("Open", "The samovar was described."),
        make_report("Restricted", "The samovar was seized.", day=1, grading="1AC",
                    visible_to=frozenset({Role.INVESTIGATOR})),
    )
    assert ids_of(store, "samovar", Visibility(Role.ANALYST)) == [public]
    assert sorted(ids_of(store, "samovar", Visibility(Role.INVESTIGATOR))) == sorted(
        [public, restricted]
    )
    assert sorted(ids_of(store, "samovar", Visibility(Role.SUPERVISOR, True))) == sorted(
        [public, restricted]
    )
    with store.begin() as conn:
        result = search(conn, "samovar", Visibility(Role.INVESTIGATOR))
    found = {hit.report.id: hit.report for hit in result.hits}
    assert found[restricted].visible_to == frozenset({Role.INVESTIGATOR})
    assert found[restricted].grading.conditions


def test_only_visible_reports_are_ranked_and_counted(store: Store) -> None:
    """Hidden matches are neither returned nor counted."""
    reports = [make_report(f"Open {i}", "A narwhal was mentioned.", day=i) for i in range(2)]
    reports += [make_report(f"Hidden {i}", "A narwhal was mentioned.", day=10 + i, grading="2BC",
                            visible_to=frozenset({Role.INVESTIGATOR})) for i in range(3)]
    ids = add(store, *reports)
    with store.begin() as conn:
        result = search(conn, "narwhal", ANALYST)
        investigator = search(conn, "narwhal", Visibility(Role.INVESTIGATOR))
    assert sorted(hit.report.id or 0 for hit in result.hits) == sorted(ids[:2])
    assert result.exhaustive and result.ranked == 2
    assert sorted(hit.report.id or 0 for hit in investigator.hits) == sorted(ids)
    assert investigator.ranked == 5


def test_filters(store: Store) -> None:
    a, b, c = add(
        store,
        make_report("A", "The okapi report.", grading="1AP", source_kind=SourceKind.GROUP,
                    force="kent", day=0),
        make_report("B", "The okapi report.", grading="3EP", source_kind=SourceKind.PUBLIC,
                    force="essex", day=10),
        make_report("C", "The okapi report.", grading="2CP", source_kind=SourceKind.GROUP,
                    force="essex", day=20),
    )
    assert sorted(ids_of(store, "okapi", filters=ReportFilters(source_kind="group"))) == sorted(
        [a, c])
    assert ids_of(store, "okapi", filters=ReportFilters(force="essex",
                                                        source_kind="public")) == [b]
    assert ids_of(store, "okapi", filters=ReportFilters(source_evaluation="1")) == [a]
    assert ids_of(store, "okapi", filters=ReportFilters(intelligence="E")) == [b]
    assert ids_of(store, "okapi", filters=ReportFilters(handling="C")) == []
    start = START.date()
    assert sorted(ids_of(store, "okapi", filters=ReportFilters(
        received_from=start + timedelta(days=5)))) == sorted([b, c])
    assert ids_of(store, "okapi", filters=ReportFilters(
        received_from=start + timedelta(days=5), received_to=start + timedelta(days=10))) == [b]
    assert ids_of(store, "okapi", filters=ReportFilters(received_to=date(2024, 3, 1))) == [a]


def test_every_match_is_ranked_so_old_better_matches_come_first(store: Store) -> None:
    # The two oldest are the best matches; the old design ranked only the newest matches.
    best_old = [make_report("Capybara capybara", "Capybara, capybara and capybara.", day=i)
                for i in range(2)]
    newer = [make_report(f"Note {i}", "One capybara among a great many other words in a "
                         "long and rambling report about something else entirely.", day=5 + i)
             for i in range(3)]
    ids = add(store, *best_old, *newer)
    with store.begin() as conn:
        result = search(conn, "capybara", ANALYST, limit=2)
    assert result.exhaustive and result.ranked == 5
    assert {hit.report.id for hit in result.hits} == set(ids[:2])


def test_limit_and_no_match(store: Store) -> None:
    add(store, *[make_report(f"R{i}", "An axolotl.", day=i) for i in range(5)])
    assert len(ids_of(store, "axolotl", limit=2)) == 2
    with store.begin() as conn:
        result = search(conn, "zither", ANALYST)
    assert result.hits == [] and result.exhaustive and result.ranked == 0


def test_hits_are_the_stored_reports(store: Store) -> None:
    """The search builds Reports from its own rows; they equal what the store reads."""
    from drachma.model.grading import LegacyGrading
    from drachma.store.reports import get_report

    report = make_report("Full", "A theodolite and a sextant.", grading="1AC",
                         visible_to=frozenset({Role.ANALYST, Role.OFFICER}), force="kent",
                         source_kind=SourceKind.PARTNER)
    report.legacy_grading = LegacyGrading("B", "2", "4")
    report.sanitised_text = "A theodolite."
    report.review_date = date(2030, 1, 2)
    report.occurred_on = date(2024, 2, 1)
    report.content_hash = "f" * 64
    (report_id,) = add(store, report)
    with store.begin() as conn:
        (hit,) = search(conn, "theodolite", ANALYST).hits
        assert hit.report == get_report(conn, report_id)


def test_filtered_search_ranks_every_match_that_passes(store: Store) -> None:
    """With a filter, every match that passes it (and that the reader may see) is ranked and
    counted; matches that fail it, or are hidden, are not."""
    passing = [make_report(f"G{i}", "A dugong." + " Dugong!" * (i == 0), day=2 * i,
                           grading="2BP", source_kind=SourceKind.GROUP) for i in range(4)]
    failing = [make_report(f"P{i}", "A dugong. Dugong, dugong.", day=2 * i + 1, grading="2CP",
                           source_kind=SourceKind.GROUP) for i in range(4)]
    hidden = make_report("Hidden", "A dugong.", day=20, grading="2BC",
                         source_kind=SourceKind.GROUP)
    ids = add(store, *passing, *failing, hidden)
    group_b = ReportFilters(source_kind="group", intelligence="B")
    with store.begin() as conn:
        top = search(conn, "dugong", ANALYST, group_b, limit=1)
        every = search(conn, "dugong", ANALYST, group_b)
        everyone = search(conn, "dugong", Visibility(Role.SUPERVISOR, True), group_b)
    assert top.ranked == 4 and [h.report.id for h in top.hits] == [ids[0]]  # the oldest, best
    assert sorted(h.report.id or 0 for h in every.hits) == sorted(ids[:4])
    assert everyone.ranked == 5
    assert sorted(h.report.id or 0 for h in everyone.hits) == sorted([*ids[:4], ids[8]])


def test_received_at_with_or_without_an_offset_reads_the_same(store: Store) -> None:
    """SQLite rows written by SQLAlchemy have no offset; rows written by hand (or older
    migrations) may carry one. Both become the same aware datetime."""
    from sqlalchemy import text

    (report_id,) = add(store, make_report("Offset", "A quagga."))
    with store.begin() as conn:
        before = search(conn, "quagga", ANALYST).hits[0].report.received_at
    with store.begin() as conn:
        if store.is_sqlite:
            conn.execute(text("UPDATE reports SET received_at = received_at || '+00:00' "
                              "WHERE id = :id"), {"id": report_id})
    with store.begin() as conn:
        after = search(conn, "quagga", ANALYST).hits[0].report.received_at
    assert before == after == START


def test_a_page_of_results_past_the_deepest_page_is_refused_by_name(
    store: Store, make_actor: ActorFactory
) -> None:
    from drachma.reports import search_page
    from drachma.store.search import DEFAULT_WINDOW

    analyst = make_actor(Role.ANALYST)
    with pytest.raises(ValidationError, match="search results go up to") as refused:
        search_page(store, analyst, "stream", offset=DEFAULT_WINDOW, limit=10)
    assert refused.value.field == "offset"
    first = search_page(store, analyst, "stream", offset=0, limit=10)
    assert first.result.hits == [] and first.has_next is False

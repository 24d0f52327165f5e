"""The search index kept in step with the database (drachma/store/search_index.py), on SQLite and
PostgreSQL: every write is seen by the next search, access changes take effect at once, a stale or
damaged index never shows or counts what the reader may not see, and it can be rebuilt."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, update
from typer.testing import CliRunner

from drachma.model.grading import parse_grading
from drachma.model.report import Report, SourceKind
from drachma.model.roles import Role
from drachma.store import search_index
from drachma.store.db import Store
from drachma.store.reports import ReportFilters, Visibility, insert_report
from drachma.store.search import search
from drachma.store.tables import report_access, reports, search_index_state, search_outbox
from tests.conftest import ActorFactory

ROOT = Path(__file__).resolve().parent.parent
ANALYST = Visibility(Role.ANALYST)
INVESTIGATOR = Visibility(Role.INVESTIGATOR)
START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def report(title: str, body: str, *, day: int = 0, grading: str = "2BP",
           visible_to: frozenset[Role] = frozenset(), kind: SourceKind = SourceKind.OFFICER,
           force: str | None = None) -> Report:
    conditions = "Not to be shared outside the team." if grading.endswith("C") else None
    return Report(title=title, body=body, received_at=START + timedelta(days=day),
                  source_kind=kind, grading=parse_grading(grading, conditions),
                  visible_to=visible_to, force=force)


def add(store: Store, *items: Report) -> list[int]:
    with store.begin() as conn:
        return [insert_report(conn, item) for item in items]


def found(store: Store, query: str, visibility: Visibility = ANALYST,
          filters: ReportFilters = ReportFilters()) -> tuple[list[int], int]:
    with store.begin() as conn:
        result = search(conn, query, visibility, filters, limit=100)
    return [hit.report.id or 0 for hit in result.hits], result.ranked


def indexed(store: Store, report_id: int) -> int:
    """How many documents of the index carry this report's id."""
    import tantivy

    index = search_index.index_for(store.engine)
    query = tantivy.Query.term_query(search_index.SCHEMA, "id", report_id)
    return int(getattr(index.searcher().search(query, 10), "count", 0) or 0)


def queued(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(search_outbox)).scalar_one())


def test_every_write_is_seen_by_the_next_search(store: Store) -> None:
    (first,) = add(store, report("Kestrel", "A kestrel over the motorway."))
    assert found(store, "kestrel") == ([first], 1)
    (second,) = add(store, report("Another", "A second kestrel."))
    assert sorted(found(store, "kestrel")[0]) == sorted([first, second])
    with store.begin() as conn:
        conn.execute(update(reports).where(reports.c.id == first).values(
            body="A buzzard over the motorway.", title="Buzzard"))
    assert found(store, "kestrel") == ([second], 1)
    assert found(store, "buzzard") == ([first], 1)
    with store.begin() as conn:
        conn.execute(delete(reports).where(reports.c.id == second))
    assert found(store, "kestrel") == ([], 0)
    assert indexed(store, second) == 0 and indexed(store, first) == 1
    assert queued(store) == 0


def test_changes_of_handling_and_roles_change_who_finds_it(store: Store) -> None:
    (report_id,) = add(store, report("Heron", "A heron by the canal."))
    assert found(store, "heron") == ([report_id], 1)
    with store.begin() as conn:
        conn.execute(update(reports).where(reports.c.id == report_id).values(
            grading_handling="C", handling_conditions="Investigators only."))
        conn.execute(insert(report_access).values(report_id=report_id, role="investigator"))
    assert found(store, "heron", ANALYST) == ([], 0)
    assert found(store, "heron", INVESTIGATOR) == ([report_id], 1)
    assert found(store, "heron", Visibility(Role.SUPERVISOR, True)) == ([report_id], 1)
    with store.begin() as conn:
        conn.execute(insert(report_access).values(report_id=report_id, role="analyst"))
    assert found(store, "heron", ANALYST) == ([report_id], 1)
    with store.begin() as conn:
        conn.execute(delete(report_access).where(report_access.c.report_id == report_id))
    assert found(store, "heron", ANALYST) == ([], 0)
    assert found(store, "heron", INVESTIGATOR) == ([], 0)


def test_a_change_not_yet_in_the_index_is_neither_shown_nor_counted(store: Store) -> None:
    """Inside the transaction that restricts a report, the index still has it as P: the search
    leaves the changed report out (and the database check would drop it anyway)."""
    open_one, other = add(store, report("Osprey", "An osprey at the reservoir."),
                          report("Osprey two", "Another osprey."))
    assert sorted(found(store, "osprey")[0]) == sorted([open_one, other])
    with store.begin() as conn:
        conn.execute(update(reports).where(reports.c.id == open_one).values(
            grading_handling="C", handling_conditions="Investigators only."))
        result = search(conn, "osprey", ANALYST)
        assert [hit.report.id for hit in result.hits] == [other]
        assert result.ranked == 1
    assert found(store, "osprey") == ([other], 1)


def test_hits_are_checked_again_in_the_database(store: Store) -> None:
    """Even an index that wrongly says a C report is open shows it to no one it is hidden from."""
    (secret,) = add(store, report("Bittern", "A bittern in the reeds.", grading="2BC",
                                  visible_to=frozenset({Role.INVESTIGATOR})))
    assert found(store, "bittern", ANALYST) == ([], 0)
    index = search_index.index_for(store.engine)
    with store.begin() as conn:
        row = conn.execute(select(*search_index._DOC_COLUMNS).where(
            reports.c.id == secret)).one()
    forged = list(row)
    forged[7] = "P"  # the index is told the report is open to everyone
    writer = index.index.writer(search_index.WRITER_HEAP, 1)
    writer.delete_documents_by_term("id", secret)
    writer.add_document(search_index.document(tuple(forged), frozenset()))
    writer.commit()
    writer.wait_merging_threads()
    del writer
    ids, _ = found(store, "bittern", ANALYST)
    assert ids == []
    assert found(store, "bittern", INVESTIGATOR)[0] == [secret]


def test_queued_changes_stay_queued_until_the_index_has_them(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between the index commit and the outbox delete applies the rows again, to the
    same effect (one document per report)."""
    (first,) = add(store, report("Plover", "A plover on the beach."))
    assert found(store, "plover")[0] == [first]
    (second,) = add(store, report("Plover two", "A second plover."))

    def crash(engine: object, ids: list[int]) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(search_index, "forget", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        found(store, "plover")
    assert queued(store) == 1
    monkeypatch.undo()
    assert sorted(found(store, "plover")[0]) == sorted([first, second])
    assert indexed(store, second) == 1
    assert queued(store) == 0


def test_a_missing_or_damaged_index_is_rebuilt(store: Store) -> None:
    (report_id,) = add(store, report("Curlew", "A curlew on the mudflats."))
    assert found(store, "curlew")[0] == [report_id]
    path = search_index.index_for(store.engine).path
    shutil.rmtree(path)
    assert found(store, "curlew")[0] == [report_id]
    (path / search_index.META).write_text("not json")
    assert found(store, "curlew")[0] == [report_id]
    search_index._INDEXES.clear()  # as a process starting afresh finds it
    for segment_file in path.glob("*.idx"):  # replaced, not written over: this process still
        damaged = segment_file.with_suffix(".damaged")  # maps the old file
        damaged.write_bytes(b"garbage")
        damaged.replace(segment_file)
    assert found(store, "curlew")[0] == [report_id]


def test_a_large_database_without_an_index_asks_for_the_command(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(store, report("Avocet", "An avocet."), report("Avocet", "Another avocet."))
    assert len(found(store, "avocet")[0]) == 2
    shutil.rmtree(search_index.index_for(store.engine).path)
    search_index.index_for(store.engine).invalidate()
    monkeypatch.setattr(search_index, "AUTO_REBUILD_MAX", 1)
    with pytest.raises(search_index.SearchIndexUnavailable,
                       match="drachma search-index rebuild") as refused:
        found(store, "avocet")
    assert refused.value.field == "search_index"
    assert search_index.rebuild(store.engine) == 2
    assert len(found(store, "avocet")[0]) == 2


def test_an_emptied_or_replaced_database_is_not_searched_with_an_old_index(store: Store) -> None:
    """The generation recorded in the database and in the index folder must agree."""
    (old,) = add(store, report("Dunlin", "A dunlin."))
    assert found(store, "dunlin")[0] == [old]
    with store.begin() as conn:
        conn.execute(delete(reports))
        conn.execute(delete(search_index_state))
        conn.execute(delete(search_outbox))  # as if restored from a copy without them
    assert found(store, "dunlin") == ([], 0)
    assert indexed(store, old) == 0


def test_disposal_removes_the_report_from_the_index(
    store: Store, make_actor: ActorFactory, tmp_path: Path
) -> None:
    from drachma.records.retention import dispose, review_queue
    from drachma.reports import ReportDraft, add_report

    officer = make_actor(Role.OFFICER)
    made = add_report(store, officer, ReportDraft(
        title="Sanderling", body="A sanderling at Formby.", grading="2BP", source_kind="officer",
        received_at=datetime(2019, 5, 4, 10, 0, tzinfo=UTC)))
    gone = int(made.id or 0)
    assert found(store, "sanderling")[0] == [gone]
    records_officer = make_actor(Role.RECORDS_OFFICER)
    review_queue(store, records_officer, today=date(2040, 1, 1))
    dispose(store, records_officer, gone, "no further policing purpose", home=tmp_path,
            today=date(2040, 1, 1))
    assert indexed(store, gone) == 0  # removed at disposal, not at the next search
    assert found(store, "sanderling") == ([], 0)


def test_another_process_sees_and_applies_the_same_index(store: Store) -> None:
    (here,) = add(store, report("Godwit", "A godwit here."))
    assert found(store, "godwit")[0] == [here]
    script = """
import sys
from datetime import UTC, datetime
from drachma.model.grading import parse_grading
from drachma.model.report import Report, SourceKind
from drachma.model.roles import Role
from drachma.store.db import Store
from drachma.store.reports import Visibility, insert_report
from drachma.store.search import search

store = Store(sys.argv[1])
with store.begin() as conn:
    made = insert_report(conn, Report(
        title="Godwit", body="A godwit there.", received_at=datetime(2024, 3, 2, tzinfo=UTC),
        source_kind=SourceKind.OFFICER, grading=parse_grading("2BP", None)))
with store.begin() as conn:
    print(made, search(conn, "godwit", Visibility(Role.ANALYST)).ranked)
"""
    run = subprocess.run([sys.executable, "-c", script, store.url], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout.split()
    there, ranked = int(out[0]), int(out[1])
    assert ranked == 2
    assert queued(store) == 0  # the other process applied it...
    assert sorted(found(store, "godwit")[0]) == sorted([here, there])  # ...and we see it


def test_the_rebuild_command_indexes_every_report(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drachma.cli.app import app

    add(store, *[report(f"Knot {i}", "A knot on the shore.", day=i) for i in range(3)])
    monkeypatch.setenv("DRACHMA_DATABASE_URL", store.url)
    runner = CliRunner()
    done = runner.invoke(app, ["search-index", "rebuild"])
    assert done.exit_code == 0, done.output
    assert "Search index rebuilt: 3 reports." in done.output
    shown = runner.invoke(app, ["search-index", "status"])
    assert shown.exit_code == 0, shown.output
    assert "Reports indexed: 3" in shown.output and "Changes queued: 0" in shown.output
    add(store, report("Knot", "One more knot."))
    synced = runner.invoke(app, ["search-index", "sync"])
    assert "Applied 1 queued changes" in synced.output
    assert found(store, "knot")[1] == 4


# --- every match, exactly the ones the reader may see, whatever the filters ----------------------

KINDS = [SourceKind.GROUP, SourceKind.PUBLIC, SourceKind.OFFICER]
FORCES = [None, "kent", "essex"]
ROLE_SETS = [frozenset(), frozenset({Role.INVESTIGATOR}), frozenset({Role.ANALYST, Role.OFFICER})]


@pytest.fixture
def corpus(store: Store) -> tuple[Store, list[tuple[int, Report]]]:
    rng = random.Random(10)
    made = []
    for i in range(60):
        restricted = rng.random() < 0.3
        item = report(
            f"Note {i}", " ".join(rng.choice(["wren", "robin", "finch", "the"])
                                  for _ in range(rng.randint(1, 12))) + ".",
            day=rng.randint(0, 40), grading=rng.choice("123") + rng.choice("ABC")
            + ("C" if restricted else "P"),
            visible_to=rng.choice(ROLE_SETS[1:]) if restricted else frozenset(),
            kind=rng.choice(KINDS), force=rng.choice(FORCES))
        made.append(item)
    ids = add(store, *made)
    return store, list(zip(ids, made, strict=True))


def _may_see(item: Report, visibility: Visibility) -> bool:
    return (item.grading.handling.value == "P" or visibility.sees_all_restricted
            or visibility.role in item.visible_to)


def _passes(item: Report, filters: ReportFilters) -> bool:
    day = item.received_at.date()
    return ((filters.source_kind is None or item.source_kind.value == filters.source_kind)
            and (filters.force is None or item.force == filters.force)
            and (filters.intelligence is None
                 or item.grading.intelligence.value == filters.intelligence)
            and (filters.handling is None or item.grading.handling.value == filters.handling)
            and (filters.received_from is None or day >= filters.received_from)
            and (filters.received_to is None or day <= filters.received_to))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    word=st.sampled_from(["wren", "robin", "finch"]),
    role=st.sampled_from([Role.ANALYST, Role.INVESTIGATOR, Role.OFFICER, Role.SUPERVISOR]),
    kind=st.sampled_from([None, *[k.value for k in KINDS]]),
    force=st.sampled_from([None, "kent", "essex"]),
    intelligence=st.sampled_from([None, "A", "B"]),
    handling=st.sampled_from([None, "P", "C"]),
    start=st.sampled_from([None, 5, 20]),
    length=st.sampled_from([None, 0, 10]),
)
def test_search_ranks_and_counts_exactly_the_visible_matches_that_pass_the_filters(
    corpus: tuple[Store, list[tuple[int, Report]]], word: str, role: Role, kind: str | None,
    force: str | None, intelligence: str | None, handling: str | None, start: int | None,
    length: int | None,
) -> None:
    store, items = corpus
    visibility = Visibility(role, role is Role.SUPERVISOR)
    first = START.date() + timedelta(days=start) if start is not None else None
    last = first + timedelta(days=length) if first and length is not None else None
    filters = ReportFilters(source_kind=kind, force=force, intelligence=intelligence,
                            handling=handling, received_from=first, received_to=last)
    expected = {report_id for report_id, item in items
                if word in item.body and _may_see(item, visibility) and _passes(item, filters)}
    ids, ranked = found(store, word, visibility, filters)
    assert set(ids) == expected
    assert ranked == len(expected)


def test_searches_and_writes_in_many_threads_stay_consistent(store: Store) -> None:
    """Threads of one server writing and searching at once: every search sees at least what was
    committed before it started, and shows only reports that exist."""
    import threading

    errors: list[BaseException] = []
    committed: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        try:
            for i in range(5):
                (made,) = add(store, report(f"Stint {n}-{i}", "A stint on the estuary."))
                with lock:
                    committed.append(made)
        except BaseException as exc:  # reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(8):
                with lock:
                    before = set(committed)
                ids, ranked = found(store, "stint")
                assert before <= set(ids)
                assert ranked >= len(before) and len(set(ids)) == len(ids)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(found(store, "stint")[0]) == sorted(committed)


def test_the_search_page_and_api_say_when_the_index_must_be_rebuilt(
    client: Any, store: Store, make_actor: ActorFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.web import log_in

    analyst = make_actor(Role.ANALYST)
    add(store, report("Shelduck", "A shelduck."), report("Shelduck", "Another shelduck."))
    log_in(client, analyst)
    assert "Shelduck" in client.get("/reports?q=shelduck").text
    shutil.rmtree(search_index.index_for(store.engine).path)
    search_index.index_for(store.engine).invalidate()
    monkeypatch.setattr(search_index, "AUTO_REBUILD_MAX", 1)
    page = client.get("/reports?q=shelduck")
    assert page.status_code == 503
    assert "drachma search-index rebuild" in page.text
    api = client.get("/api/reports?q=shelduck")
    assert api.status_code == 503
    assert api.json()["error"] == "search_index_unavailable"

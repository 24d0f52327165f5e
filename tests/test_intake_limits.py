"""Intake against hostile input: ingest does not follow symbolic links out of the folders it is
given, a report's text is limited in length (and may not hold a NUL), and one report's mentions
are capped.

Storage tests run on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drachma.access.actor import system_actor
from drachma.errors import ValidationError
from drachma.intake.ingest import IngestOptions, ingest_paths
from drachma.model.mention import Mention, MentionType
from drachma.reports import MAX_BODY, ReportDraft, add_report, get_report, list_reports
from drachma.store import mentions as mention_store
from drachma.store.db import Store

ACTOR = system_actor()


def bodies(store: Store) -> list[str]:
    found, _ = list_reports(store, ACTOR, limit=100)
    return [get_report(store, ACTOR, r.id).body for r in found if r.id is not None]


def test_ingest_does_not_follow_links_out_of_the_folder_it_is_given(store: Store,
                                                                     tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("A secret system file that must never become a report.\n")
    (outside / "more.txt").write_text("Another file outside the inbox.\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "tip.txt").write_text("A group said it will meet a man in Bolton on Friday.\n")
    (inbox / "link-to-secret.txt").symlink_to(secret)
    (inbox / "link-to-folder").symlink_to(outside, target_is_directory=True)
    (inbox / "broken-link.txt").symlink_to(tmp_path / "nothing-here")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "inner.txt").write_text("Streamed outside a shop in Leigh last night.\n")
    (inbox / "link-inside.txt").symlink_to(inbox / "sub" / "inner.txt")

    result = ingest_paths(store, ACTOR, [inbox], IngestOptions(grading="2CP"))
    texts = bodies(store)
    assert not any("secret" in t or "outside the inbox" in t for t in texts)
    assert any("Bolton" in t for t in texts) and any("Leigh" in t for t in texts)
    assert result.totals.stored == 2  # the link inside is the same text again: a duplicate


def test_a_report_text_over_the_limit_or_with_a_nul_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError) as too_long:
        add_report(store, ACTOR, ReportDraft("", "x " * (MAX_BODY // 2 + 1), "2BP"))
    assert too_long.value.field == "body"
    with pytest.raises(ValidationError) as nul:
        add_report(store, ACTOR, ReportDraft("", "a report \x00 with a NUL", "2BP"))
    assert nul.value.field == "body"
    assert list_reports(store, ACTOR)[1] == 0


def test_one_reports_mentions_are_capped(store: Store) -> None:
    report = add_report(store, ACTOR, ReportDraft("", "Bolton " * 3000, "2BP"))
    assert report.id is not None
    found = [Mention(MentionType.PLACE, i * 7, i * 7 + 6, "Bolton", "Bolton", 0.9)
             for i in range(mention_store.MAX_MENTIONS_PER_REPORT + 500)]
    with store.begin() as conn:
        stored = mention_store.replace_pending(conn, report.id, list(reversed(found)))
    assert len(stored) == mention_store.MAX_MENTIONS_PER_REPORT
    assert min(m.start for m in stored) == 0  # the first in the text are kept

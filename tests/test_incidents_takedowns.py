"""Takedown requests: a status machine enforced in the library, no sending without a preserved
copy or a reason, contempt of court suggested after an arrest, text from a template, reminders
when the platform does not answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from drachma.errors import ValidationError
from drachma.incidents import records, takedowns
from drachma.incidents.errors import InvalidTransitionError, NotPreservedError
from drachma.incidents.preservation import preserved_copy_exists
from drachma.model.incident import (
    TAKEDOWN_TRANSITIONS,
    ContentKind,
    EventKind,
    LegalBasis,
    TakedownStatus,
)
from drachma.model.roles import Role
from drachma.safeguarding.worker import run_once
from drachma.store.db import Store
from tests.conftest import ActorFactory
from tests.test_incidents_support import STREAM, live_incident, preserve_stream, row_counts

S = TakedownStatus


def test_send_needs_a_preserved_copy_or_a_reason(store: Store, make_actor: ActorFactory,
                                                 tmp_path: Path) -> None:
    officer = make_actor(Role.OFFICER)
    [kept] = preserve_stream(store, make_actor(Role.INVESTIGATOR), tmp_path, "JS")
    detail = live_incident(store, officer)
    draft = takedowns.draft_takedown(store, officer, detail.id or 0, STREAM,
                                     ContentKind.LIVE_STREAM, LegalBasis.HARASSMENT)
    before = row_counts(store, "takedowns", "incident_events")
    with pytest.raises(NotPreservedError, match="streams vanish"):
        takedowns.change_status(store, officer, draft.id or 0, S.SENT)
    assert row_counts(store, "takedowns", "incident_events") == before
    assert takedowns.takedowns_of(store, officer, detail.id or 0)[0].status is S.DRAFT
    takedowns.record_preservation(store, officer, draft.id or 0, exhibit=kept.lower())
    sent = takedowns.change_status(store, officer, draft.id or 0, S.SENT)
    assert sent.status is S.SENT and sent.preserved_exhibit == "JS/1" and sent.requested_at


def test_a_reason_why_nothing_could_be_kept_also_allows_sending(
        store: Store, make_actor: ActorFactory) -> None:
    officer = make_actor(Role.OFFICER)
    detail = live_incident(store, officer)
    draft = takedowns.draft_takedown(
        store, officer, detail.id or 0, STREAM, ContentKind.LIVE_STREAM,
        LegalBasis.PLATFORM_RULES, not_preserved_reason="stream ended before capture")
    assert takedowns.change_status(store, officer, draft.id or 0, S.SENT).status is S.SENT


def test_an_exhibit_reference_must_look_like_one() -> None:
    assert takedowns.EXHIBIT_REFERENCE.match("JS/1/2")
    with pytest.raises(ValidationError, match="not an exhibit reference"):
        takedowns._reference("screenshot.png")


def test_a_preserved_copy_is_an_exhibit_in_the_evidence_locker(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    [kept] = preserve_stream(store, make_actor(Role.INVESTIGATOR), tmp_path, "AB")
    assert kept == "AB/1" and preserved_copy_exists(store, "ab/1") is True
    assert preserved_copy_exists(store, "AB/12") is False  # well formed, but not stored
    assert preserved_copy_exists(store, "AB-12") is False


@pytest.mark.parametrize("start", list(S))
def test_only_valid_status_changes_are_allowed(store: Store, make_actor: ActorFactory,
                                               start: TakedownStatus, tmp_path: Path) -> None:
    officer = make_actor(Role.OFFICER)
    preserve_stream(store, make_actor(Role.INVESTIGATOR), tmp_path, count=3)
    detail = live_incident(store, officer)
    draft = takedowns.draft_takedown(store, officer, detail.id or 0, STREAM, ContentKind.VIDEO,
                                     LegalBasis.HARASSMENT, preserved_exhibit="PC/3")
    path = {S.DRAFT: [], S.SENT: [S.SENT], S.ACKNOWLEDGED: [S.SENT, S.ACKNOWLEDGED],
            S.REMOVED: [S.SENT, S.REMOVED], S.REFUSED: [S.SENT, S.REFUSED],
            S.EXPIRED: [S.SENT, S.EXPIRED]}[start]
    for step in path:
        takedowns.change_status(store, officer, draft.id or 0, step)
    for target in S:
        if target in TAKEDOWN_TRANSITIONS[start]:
            continue
        with pytest.raises(InvalidTransitionError, match=f"cannot become {target.value}"):
            takedowns.change_status(store, officer, draft.id or 0, target)
    assert takedowns.takedowns_of(store, officer, detail.id or 0)[0].status is start


def test_after_an_arrest_open_requests_suggest_contempt_of_court(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    officer = make_actor(Role.OFFICER)
    preserve_stream(store, make_actor(Role.INVESTIGATOR), tmp_path)
    detail = live_incident(store, officer)
    draft = takedowns.draft_takedown(store, officer, detail.id or 0, STREAM,
                                     ContentKind.LIVE_STREAM, LegalBasis.HARASSMENT,
                                     preserved_exhibit="PC/1")
    assert takedowns.suggested_basis(store, officer, draft) is None
    records.record_event(store, officer, detail.id or 0, EventKind.ARREST)
    assert takedowns.suggested_basis(store, officer, draft) is LegalBasis.CONTEMPT_OF_COURT
    changed = takedowns.change_basis(store, officer, draft.id or 0, LegalBasis.CONTEMPT_OF_COURT)
    assert takedowns.suggested_basis(store, officer, changed) is None
    text = takedowns.request_text(store, officer, draft.id or 0)
    assert "Contempt of Court Act 1981" in text and STREAM in text and "exhibit PC/1" in text
    assert "Greater Manchester Police" in text and "has not been convicted" in text
    assert "#" not in text.splitlines()[0]


def test_a_reminder_fires_once_when_the_platform_does_not_answer(
        store: Store, make_actor: ActorFactory, tmp_path: Path) -> None:
    officer = make_actor(Role.OFFICER)
    preserve_stream(store, make_actor(Role.INVESTIGATOR), tmp_path, count=2)
    detail = live_incident(store, officer)
    draft = takedowns.draft_takedown(store, officer, detail.id or 0, STREAM, ContentKind.VIDEO,
                                     LegalBasis.HARASSMENT, preserved_exhibit="PC/2")
    takedowns.change_status(store, officer, draft.id or 0, S.SENT)
    soon = datetime.now(UTC) + timedelta(hours=1)
    assert run_once(store, soon).reminded == []
    later = datetime.now(UTC) + takedowns.settings().reminder_after + timedelta(minutes=1)
    assert run_once(store, later).reminded == [draft.id]
    assert run_once(store, later).reminded == []
    kinds = [e.kind for e in records.get_incident(store, officer, detail.id or 0).timeline]
    assert kinds.count(EventKind.TAKEDOWN_REMINDER) == 1

"""Analysts confirm, correct or reject what was read out of a report; corrections are kept."""

from __future__ import annotations

import pytest

from drachma.errors import PermissionDenied, ValidationError
from drachma.link.mentions import review_mention
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report, get_report, known_groups, mentions_of
from drachma.store import mentions as mention_store
from drachma.store.db import Store
from tests.conftest import ActorFactory

TEXT = (
    "A group called Lanternfield Watch confronted a 41-year-old man outside a shop in Wigan "
    "on Sunday. Greater Manchester Police arrested him."
)


def _opened(
    store: Store, make_actor: ActorFactory, text: str = TEXT
) -> tuple[int, list[Mention]]:
    analyst = make_actor(Role.ANALYST)
    report = add_report(store, analyst, ReportDraft(title="T", body=text, grading="2BP"))
    opened = get_report(store, analyst, int(report.id or 0))
    return int(report.id or 0), mentions_of(store, analyst, opened)


def test_opening_a_report_reads_its_mentions_once(store: Store, make_actor: ActorFactory) -> None:
    report_id, found = _opened(store, make_actor)
    kinds = {m.type for m in found}
    assert {MentionType.GROUP, MentionType.PLACE, MentionType.FORCE} <= kinds
    for m in found:
        assert TEXT[m.start:m.end] == m.text
    again = mentions_of(store, make_actor(Role.ANALYST), get_report(
        store, make_actor(Role.ANALYST), report_id))
    assert [m.id for m in again] == [m.id for m in found]


def test_a_confirmed_new_group_is_recognised_in_later_reports(
    store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    _, found = _opened(store, make_actor)
    group = next(m for m in found if m.type is MentionType.GROUP)
    assert group.value == "Lanternfield Watch"
    review_mention(store, analyst, int(group.id or 0), Review.CONFIRMED)
    assert ("Lanternfield Watch", ()) in known_groups(store)

    # A later report names the group without any introducing phrase.
    _, later = _opened(store, make_actor, "Lanternfield Watch posted another video on Tuesday.")
    assert [m.value for m in later if m.type is MentionType.GROUP] == ["Lanternfield Watch"]


def test_a_correction_is_kept_with_who_and_when(store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    _, found = _opened(store, make_actor)
    place = next(m for m in found if m.type is MentionType.PLACE)
    corrected = review_mention(store, analyst, int(place.id or 0), Review.CORRECTED,
                               new_value="Wigan town centre")
    assert corrected.value == "Wigan town centre"
    assert corrected.attributes["extracted_value"] == place.value
    assert corrected.review is Review.CORRECTED and corrected.reviewed_by == analyst.user.id
    with store.begin() as conn:
        entries = mention_store.history(conn, int(place.id or 0))
    assert [(e.actor_name, e.decision, e.old_value, e.new_value) for e in entries] == [
        (analyst.name, Review.CORRECTED, place.value, "Wigan town centre")
    ]


def test_rejected_mentions_stay_rejected_when_the_report_is_read_again(
    store: Store, make_actor: ActorFactory
) -> None:
    from drachma.reports import extract_report

    analyst = make_actor(Role.ANALYST)
    report_id, found = _opened(store, make_actor)
    force = next(m for m in found if m.type is MentionType.FORCE)
    review_mention(store, analyst, int(force.id or 0), Review.REJECTED)
    again = extract_report(store, analyst, get_report(store, analyst, report_id))
    same_span = [m for m in again if (m.start, m.end, m.type) == (force.start, force.end,
                                                                  force.type)]
    assert [m.review for m in same_span] == [Review.REJECTED]


def test_only_reviewing_roles_review_and_a_correction_needs_a_value(
    store: Store, make_actor: ActorFactory
) -> None:
    _, found = _opened(store, make_actor)
    with pytest.raises(PermissionDenied):
        review_mention(store, make_actor(Role.OFFICER), int(found[0].id or 0), Review.CONFIRMED)
    with pytest.raises(ValidationError):
        review_mention(store, make_actor(Role.ANALYST), int(found[0].id or 0), Review.CORRECTED)


@pytest.mark.parametrize(
    ("value", "new_type", "why"),
    [("Wigan", None, "change the value or choose another type"),
     ("  Wigan  ", MentionType.PLACE, "change the value or choose another type"),
     ("W" * 301, None, "longer than 300 characters")],
    ids=["same-value", "same-value-and-type", "too-long"],
)
def test_any_caller_is_refused_a_correction_that_changes_nothing_and_nothing_is_stored(
    store: Store, make_actor: ActorFactory, value: str, new_type: MentionType | None, why: str
) -> None:
    """The rule lives in review_mention, so the CLI, a script or the API cannot store what the
    page refuses."""
    analyst = make_actor(Role.ANALYST)
    _, found = _opened(store, make_actor)
    place = next(m for m in found if m.type is MentionType.PLACE)
    assert place.value == "Wigan"
    with pytest.raises(ValidationError, match=why) as refused:
        review_mention(store, analyst, int(place.id or 0), Review.CORRECTED, new_value=value,
                       new_type=new_type)
    assert refused.value.field == "value"
    with store.begin() as conn:
        assert mention_store.history(conn, int(place.id or 0)) == []
        assert mention_store.get(conn, int(place.id or 0)).review is Review.PENDING  # type: ignore[union-attr]


def test_a_confirmation_ignores_a_stray_value(store: Store, make_actor: ActorFactory) -> None:
    analyst = make_actor(Role.ANALYST)
    _, found = _opened(store, make_actor)
    place = next(m for m in found if m.type is MentionType.PLACE)
    confirmed = review_mention(store, analyst, int(place.id or 0), Review.CONFIRMED,
                               new_value="Somewhere else", new_type=MentionType.GROUP)
    assert (confirmed.value, confirmed.type, confirmed.review) == (
        "Wigan", MentionType.PLACE, Review.CONFIRMED)


def test_a_report_with_no_mentions_is_read_once_not_at_every_opening(
        store: Store, make_actor: ActorFactory) -> None:
    from drachma.store import audit as audit_store
    from drachma.store.audit import AuditFilters

    analyst = make_actor(Role.ANALYST)
    report = add_report(store, analyst, ReportDraft(title="Nothing", body="Nothing to read here.",
                                                    grading="2BP"))
    opened = get_report(store, analyst, report.id or 0)
    assert mentions_of(store, analyst, opened) == []
    assert mentions_of(store, analyst, opened) == []
    with store.begin() as conn:
        readings = audit_store.count(conn, AuditFilters(record_kind="mention"))
    assert readings == 1

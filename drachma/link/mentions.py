"""Analysts confirm, correct or reject the mentions read out of a report.

Reviews are kept with who and when (``mention_reviews``). A confirmed (or corrected) GROUP
mention makes the group a confirmed group of the store, and every later extraction recognises
its name (see :mod:`drachma.reports.mentions`, where mentions are read out).
"""

from __future__ import annotations

from collections.abc import Iterable

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import GroupAdded, GroupConfirmed, MentionReviewed
from drachma.access.permissions import Permission
from drachma.analytics import upkeep
from drachma.errors import NotFoundError, ValidationError
from drachma.model.entities import Group, GroupStatus
from drachma.model.mention import Mention, MentionType, Review
from drachma.reports.mentions import mentions_of
from drachma.reports.read import get_report
from drachma.store import groups as group_store
from drachma.store import mentions as mention_store
from drachma.store import users as user_store
from drachma.store.db import Store

MAX_CORRECTED_VALUE = 300


def parse_decision(text: str) -> Review:
    """A reviewer's decision as typed: confirmed, corrected or rejected (never pending)."""
    try:
        decision = Review(text.strip().lower())
    except ValueError:
        decision = Review.PENDING
    if decision is Review.PENDING:
        raise ValidationError("the decision must be confirmed, corrected or rejected",
                              field="decision")
    return decision


def parse_mention_type(text: str) -> MentionType:
    """A mention type as typed (``group``, ``FORCE``...)."""
    try:
        return MentionType(text.strip().upper())
    except ValueError:
        kinds = ", ".join(k.value for k in MentionType)
        raise ValidationError(f"unknown type {text!r}; types are: {kinds}", field="type") from None


def check_correction(mention: Mention, value: str | None, new_type: MentionType | None) -> None:
    """A correction must change something: the value, the type or both."""
    changed_type = new_type is not None and new_type is not mention.type
    typed = (value or "").strip()
    if not changed_type and (not typed or typed == mention.value):
        raise ValidationError("change the value or choose another type to correct it; "
                              "to agree with it as it is, confirm it", field="value")
    if len(typed) > MAX_CORRECTED_VALUE:
        raise ValidationError(
            f"the corrected value is longer than {MAX_CORRECTED_VALUE} characters", field="value")


def mention_of_report(store: Store, actor: Actor, report_id: int, mention_id: int) -> Mention:
    """A stored mention of a report the actor may read (the read is audited), or NotFoundError."""
    report = get_report(store, actor, report_id)
    for mention in mentions_of(store, actor, report, extract_if_none=False):
        if mention.id == mention_id:
            return mention
    raise NotFoundError(f"report {report_id} has no mention {mention_id}", field="mention_id")


def reviewer_names(store: Store, mentions: Iterable[Mention]) -> dict[int, str]:
    """Usernames of the people who reviewed these mentions, by user id."""
    ids = sorted({m.reviewed_by for m in mentions if m.reviewed_by is not None})
    if not ids:
        return {}
    with store.begin() as conn:
        users = [user_store.get_user(conn, user_id) for user_id in ids]
    return {u.id: u.username for u in users if u is not None and u.id is not None}


def review_mention(
    store: Store,
    actor: Actor,
    mention_id: int,
    decision: Review,
    *,
    new_value: str | None = None,
    new_type: MentionType | None = None,
) -> Mention:
    """Confirm, correct or reject a mention; the review is kept with who and when.

    A correction must change the value or the type (:func:`check_correction`); a confirmation or
    a rejection ignores ``new_value`` and ``new_type``.
    """
    actor.require(Permission.REVIEW_MENTIONS)
    if decision is Review.PENDING:
        raise ValidationError("a review must confirm, correct or reject", field="decision")
    with store.begin() as conn:
        mention = mention_store.get(conn, mention_id)
    if mention is None or mention.report_id is None:
        raise NotFoundError(f"no mention {mention_id}", field="mention_id")
    get_report(store, actor, mention.report_id)  # the reviewer must be allowed to read it
    if decision is Review.CORRECTED:
        check_correction(mention, new_value, new_type)
    else:
        new_value, new_type = None, None
    value = (new_value or "").strip() or None
    with store.begin() as conn:
        mention_store.record_review(
            conn, mention, decision=decision, actor_id=actor.user.id, actor_name=actor.name,
            new_type=new_type, new_value=value,
        )
        final_type = (new_type or mention.type) if decision is Review.CORRECTED else mention.type
        final_value = value or mention.value
        if final_type is MentionType.GROUP and decision is not Review.REJECTED:
            group = group_store.find_group(conn, final_value)
            if group is None:
                group = Group(name=final_value, status=GroupStatus.ACTIVE, confirmed=True)
                with upkeep.groups_changing(conn):  # other reports naming it (analytics)
                    group_store.insert_group(conn, group)
                audit.record(conn, actor, GroupAdded(group_id=group.id, from_mention=mention_id))
            elif not group.confirmed and group.id is not None:
                group_store.confirm_group(conn, group.id)
                audit.record(conn, actor, GroupConfirmed(group_id=group.id))
        upkeep.settle(conn, reports=[mention.report_id])  # facts and counts in step (analytics)
        audit.record(conn, actor, MentionReviewed(mention_id=mention_id, decision=decision,
                                                  value=final_value))
        updated = mention_store.get(conn, mention_id)
    assert updated is not None
    return updated

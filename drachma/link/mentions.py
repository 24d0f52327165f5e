"""Mentions of a report: read them out, keep them, and let analysts confirm, correct or reject.

Corrections are kept with who and when (``mention_reviews``). A confirmed (or corrected) GROUP
mention makes the group a confirmed group of the store, and every later extraction recognises
its name: the extractor is built with the store's confirmed groups and their aliases.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.permissions import Permission
from drachma.errors import NotFoundError, ValidationError
from drachma.intake.reports import get_report
from drachma.model.entities import Group, GroupStatus
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.report import Report
from drachma.model.user import AuditAction
from drachma.store import groups as group_store
from drachma.store import mentions as mention_store
from drachma.store import users as user_store
from drachma.store.db import Store

if TYPE_CHECKING:
    from drachma.extract import Extractor

KnownGroups = tuple[tuple[str, tuple[str, ...]], ...]


def known_groups(store: Store) -> KnownGroups:
    """Confirmed groups with their aliases, as the extractor takes them."""
    with store.begin() as conn:
        found = group_store.all_groups(conn, confirmed_only=True)
    return tuple((g.name, tuple(g.aliases)) for g in found)


@lru_cache(maxsize=4)
def extractor_for(groups: KnownGroups) -> Extractor:
    """One extractor per set of known groups (building one loads spaCy and the gazetteers)."""
    from drachma.extract import Extractor

    return Extractor(known_groups=[(name, list(aliases)) for name, aliases in groups])


def extract_report(store: Store, actor: Actor, report: Report) -> list[Mention]:
    """Read the mentions out of a report the actor has already opened, and store them.

    Pending mentions from an earlier reading are replaced; reviewed ones are kept.
    """
    assert report.id is not None
    extractor = extractor_for(known_groups(store))
    found = extractor.extract(report.body, report.occurred_on or report.received_at.date())
    with store.begin() as conn:
        stored = mention_store.replace_pending(conn, report.id, found)
        audit.record(conn, actor, AuditAction.CREATE, "mentions", report.id,
                     {"count": str(len(found))})
    return stored


def mentions_of(store: Store, actor: Actor, report: Report, *, extract_if_none: bool = True
                ) -> list[Mention]:
    """The stored mentions of an opened report; read them out first if there are none yet."""
    assert report.id is not None
    with store.begin() as conn:
        stored = mention_store.for_report(conn, report.id)
    if not stored and extract_if_none:
        stored = extract_report(store, actor, report)
    return stored


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
                group_store.insert_group(conn, group)
                audit.record(conn, actor, AuditAction.CREATE, "group", group.id,
                             {"from_mention": str(mention_id)})
            elif not group.confirmed and group.id is not None:
                group_store.confirm_group(conn, group.id)
                audit.record(conn, actor, AuditAction.CHANGE, "group", group.id,
                             {"confirmed": "true"})
        audit.record(conn, actor, AuditAction.CHANGE, "mention", mention_id,
                     {"decision": decision.value, "value": final_value[:200]})
        updated = mention_store.get(conn, mention_id)
    assert updated is not None
    return updated

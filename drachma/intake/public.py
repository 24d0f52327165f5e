"""Reports from the public: the form at ``/public/report`` and the triage queue behind it.

Anyone may send a concern without an account. A submission is kept ungraded in a triage queue;
the person gets a reference number and nothing else, whatever is or is not already known. A
grader reads the queue and grades an item (3x5x2); that makes it an ordinary report with source
kind ``public``. Contact details are kept only when the person agreed to be contacted, and only
the roles that may read a source's identity see them.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import puremagic

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import (
    PublicReportRead,
    PublicReportsListed,
    PublicReportSubmitted,
    ReportAdded,
)
from drachma.access.permissions import Permission
from drachma.analytics import upkeep
from drachma.config import EvidenceSettings, load_evidence_settings, load_settings
from drachma.errors import ConflictError, NotFoundError, ValidationError
from drachma.evidence.custody import make_checkpoint
from drachma.evidence.exhibits import take_in_public_screenshots
from drachma.evidence.locker import Locker, open_locker
from drachma.intake.ingest import keep_attachment
from drachma.model.report import Report, Source, SourceKind
from drachma.reports import ReportDraft, validate
from drachma.store import evidence as evidence_store
from drachma.store import intake as intake_store
from drachma.store import public as public_store
from drachma.store import reports as report_store
from drachma.store import sources as source_store
from drachma.store.db import Store
from drachma.store.intake import AttachmentRecord
from drachma.store.public import GRADED, UNGRADED, PublicFile, PublicSubmission

# The two kinds of concern the form takes (the value is what the form sends).
CONCERNS: dict[str, str] = {
    "adult_contacting_child": "An adult contacting a child online",
    "group_activity": "A group confronting, filming or harassing someone",
}
# Size limits for every field, in characters (the form shows them to the person).
LIMITS: dict[str, int] = {
    "what_happened": 10_000,
    "when_text": 200,
    "where_text": 200,
    "platform": 100,
    "links": 2_000,
    "contact_name": 200,
    "contact_email": 254,
    "contact_phone": 40,
}
MAX_LINKS = 20
MAX_SCREENSHOTS = 3
MAX_SCREENSHOT_BYTES = 5 * 1024 * 1024
# Screenshot types taken, by what the bytes are (sniffed), never by the file name.
SCREENSHOT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: read out on a phone
QUEUE_PAGE_MAX = 200

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,40}$")


class PublicFormError(ValidationError):
    """Every problem with a public submission at once (the form shows each by its field)."""

    def __init__(self, problems: dict[str, str]) -> None:
        first = next(iter(problems))
        super().__init__(problems[first], field=first)
        self.problems = problems


@dataclass(slots=True)
class PublicForm:
    """What the form sent, as text; screenshots as (file name, bytes)."""

    concern: str = ""
    what_happened: str = ""
    when_text: str = ""
    where_text: str = ""
    platform: str = ""
    links: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    consent: bool = False
    screenshots: list[tuple[str, bytes]] = field(default_factory=list)


def sniff_screenshot(data: bytes) -> str | None:
    """The image type the bytes really are (PNG, JPEG, GIF or WebP), or None."""
    try:
        matches = puremagic.magic_string(data[:4096])
    except (puremagic.PureError, ValueError):
        return None
    for match in matches:
        if match.mime_type in SCREENSHOT_TYPES:
            return str(match.mime_type)
    return None


def _clean(form: PublicForm, name: str, problems: dict[str, str], *, multiline: bool = False
           ) -> str:
    value = str(getattr(form, name) or "").replace("\r\n", "\n").strip()
    if "\x00" in value or (_CONTROL.search(value) if multiline else
                          _CONTROL.search(value) or "\n" in value):
        problems[name] = "This box contains characters that cannot be stored; type it again"
    elif len(value) > LIMITS[name]:
        problems[name] = f"Use {LIMITS[name]:,} characters or fewer"
    return value


def check_form(form: PublicForm, *, now: datetime | None = None) -> PublicSubmission:
    """The submission a form makes, or :class:`PublicFormError` naming every bad field."""
    problems: dict[str, str] = {}
    concern = form.concern.strip()
    if concern not in CONCERNS:
        problems["concern"] = "Select what your concern is about"
    what = _clean(form, "what_happened", problems, multiline=True)
    if not what and "what_happened" not in problems:
        problems["what_happened"] = "Tell us what happened"
    when = _clean(form, "when_text", problems)
    where = _clean(form, "where_text", problems)
    platform = _clean(form, "platform", problems)
    links = _clean(form, "links", problems, multiline=True)
    if "links" not in problems and len([x for x in links.splitlines() if x.strip()]) > MAX_LINKS:
        problems["links"] = f"Give {MAX_LINKS} links or fewer"
    name = _clean(form, "contact_name", problems)
    email = _clean(form, "contact_email", problems)
    phone = _clean(form, "contact_phone", problems)
    if email and "contact_email" not in problems and not _EMAIL.match(email):
        problems["contact_email"] = "Enter an email address like name@example.com"
    if phone and "contact_phone" not in problems and not _PHONE.match(phone):
        problems["contact_phone"] = "Enter a phone number, like 01632 960 001"
    if (name or email or phone) and not form.consent:
        problems["consent"] = ("Tick the box to agree to be contacted, or leave your contact "
                               "details empty")
    if form.consent and not (email or phone):
        problems.setdefault("contact_email", "Give an email address or a phone number so we "
                                             "can contact you")
    files = [(n, d) for n, d in form.screenshots if d]
    if len(files) > MAX_SCREENSHOTS:
        problems["screenshots"] = f"Choose {MAX_SCREENSHOTS} screenshots or fewer"
    for filename, data in files:
        if len(data) > MAX_SCREENSHOT_BYTES:
            problems["screenshots"] = (
                f"{_safe_name(filename)} is larger than "
                f"{MAX_SCREENSHOT_BYTES // (1024 * 1024)} MB")
        elif sniff_screenshot(data) is None:
            problems["screenshots"] = (f"{_safe_name(filename)} is not a PNG, JPEG, GIF or "
                                       "WebP picture")
    if problems:
        raise PublicFormError(problems)
    consented = form.consent
    return PublicSubmission(
        reference="", concern=concern, what_happened=what, when_text=when, where_text=where,
        platform=platform, links=links, consent=consented,
        received_at=now or datetime.now(UTC),
        contact_name=(name or None) if consented else None,
        contact_email=(email or None) if consented else None,
        contact_phone=(phone or None) if consented else None,
    )


def _safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    return _CONTROL.sub("", name)[:120] or "screenshot"


def new_reference() -> str:
    """A reference like ``PR-4K7M-Q2XZ``: random, so it says nothing about other reports."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"PR-{chars[:4]}-{chars[4:]}"


def submit_public_report(store: Store, form: PublicForm, *, home: Path) -> str:
    """Check and keep a public submission; returns its reference number and nothing else.

    The sender is not identified (no account, and their address is not kept with it); the
    screenshots' bytes are kept under ``home`` the way intake keeps attachments.
    """
    submission = check_form(form)
    files = [(n, d) for n, d in form.screenshots if d]
    for filename, data in files:
        digest, stored_path = keep_attachment(home, data)
        media_type = sniff_screenshot(data)
        assert media_type is not None
        submission.files.append(
            PublicFile(_safe_name(filename), media_type, len(data), digest, stored_path))
    with store.begin() as conn:
        reference = new_reference()
        while public_store.reference_taken(conn, reference):
            reference = new_reference()
        submission.reference = reference
        public_store.insert_submission(conn, submission)
        audit.record(conn, None, PublicReportSubmitted(
            reference=reference, concern=submission.concern, screenshots=len(files)),
            actor_name="public")
    return reference


# --- the triage queue --------------------------------------------------------------------------


def _for(actor: Actor, submission: PublicSubmission) -> PublicSubmission:
    """Contact details only for roles that may read a source's identity."""
    if not actor.can(Permission.READ_SOURCE_IDENTITY):
        submission.contact_name = submission.contact_email = submission.contact_phone = None
    return submission


def parse_status(value: str | None) -> str | None:
    text = (value or "").strip().lower()
    if text in ("", "all"):
        return None if text == "all" else UNGRADED
    if text not in (UNGRADED, GRADED):
        raise ValidationError(f"status {value!r} is not ungraded, graded or all", field="status")
    return text


def list_triage(store: Store, actor: Actor, status: str | None = UNGRADED, *, limit: int = 50,
                offset: int = 0) -> tuple[list[PublicSubmission], int]:
    """The queue, oldest first (``status`` None: every item); the reading is audited."""
    actor.require(Permission.CREATE_REPORTS)
    if not 1 <= limit <= QUEUE_PAGE_MAX:
        raise ValidationError(f"limit must be 1-{QUEUE_PAGE_MAX}", field="limit")
    if offset < 0:
        raise ValidationError("offset must be 0 or more", field="offset")
    with store.begin() as conn:
        items = public_store.list_submissions(conn, status, limit=limit, offset=offset)
        total = public_store.count_submissions(conn, status)
        audit.record(conn, actor, PublicReportsListed(
            listed=",".join(s.reference for s in items), status=status or "all"))
    return [_for(actor, s) for s in items], total


def get_triage_item(store: Store, actor: Actor, reference: str) -> PublicSubmission:
    actor.require(Permission.CREATE_REPORTS)
    ref = reference.strip().upper()
    with store.begin() as conn:
        found = public_store.get_submission(conn, ref) if len(ref) <= 16 else None
        audit.record(conn, actor, PublicReportRead(reference=ref[:64],
                                                   found="yes" if found else "no"))
    if found is None:
        raise NotFoundError(f"no public report {reference[:40]!r}", field="reference")
    return _for(actor, found)


def report_text(submission: PublicSubmission) -> str:
    """The text of the report a graded submission becomes (contact details stay out of it)."""
    lines = [f"Public report {submission.reference}: {CONCERNS[submission.concern]}.", "",
             submission.what_happened]
    for label, value in (("When", submission.when_text), ("Where", submission.where_text),
                         ("Platform", submission.platform), ("Links", submission.links)):
        if value:
            lines += ["", f"{label}: {value}"]
    return "\n".join(lines)


def grade_public_report(store: Store, actor: Actor, reference: str, grading: str, *,
                        conditions: str | None = None, visible_to: Sequence[str] = (),
                        home: Path | None = None, evidence: EvidenceSettings | None = None
                        ) -> Report:
    """Grade a queued submission: it becomes a report with source kind ``public``.

    Contact details (given with consent) go to a source whose identity is restricted. The
    screenshots go into the evidence locker as exhibits (producer PUB, linked to the report,
    custody event "received" by the grader) and with the report as its attachments, read from
    the same encrypted blobs; the plain files kept since submission are then removed. All in one
    transaction: a failure keeps the submission waiting, unchanged. Grading the same item twice
    is refused. ``home`` and ``evidence``: where the plain files and the locker are (the
    settings' defaults when not given).
    """
    actor.require(Permission.CREATE_REPORTS)
    ref = reference.strip().upper()
    settings = load_settings() if home is None or evidence is None else None
    root = home or (settings.home if settings else Path("."))
    written: list[str] = []
    try:
        report = _grade(store, actor, ref, reference, grading, conditions, visible_to, root,
                        lambda: open_locker(evidence or load_evidence_settings(root)), written)
    except BaseException:
        if written:  # blobs this grading stored, for exhibits that were never committed
            blobs = open_locker(evidence or load_evidence_settings(root)).blobs
            with store.begin() as conn:
                for sha256 in written:
                    if not evidence_store.sha256_referenced(conn, sha256):
                        blobs.discard(sha256)
        raise
    return report


def _grade(store: Store, actor: Actor, ref: str, reference: str, grading: str,
           conditions: str | None, visible_to: Sequence[str], home: Path,
           open_the_locker: Callable[[], Locker], written: list[str]) -> Report:
    locker: Locker | None = None
    with store.begin() as conn:
        submission = public_store.get_submission(conn, ref) if len(ref) <= 16 else None
        if submission is None:
            raise NotFoundError(f"no public report {reference[:40]!r}", field="reference")
        if submission.status != UNGRADED:
            raise ConflictError(f"public report {ref} is already graded as report "
                                f"{submission.report_id}", field="reference")
        title = f"{CONCERNS[submission.concern]} ({ref})"
        report = validate(ReportDraft(
            title=title, body=report_text(submission), grading=grading, source_kind="public",
            handling_conditions=conditions, visible_to=list(visible_to),
            received_at=submission.received_at,
        ), creator_role=actor.role)
        report.created_by = actor.user.id
        if submission.contact_email or submission.contact_phone or submission.contact_name:
            source = Source(SourceKind.PUBLIC, ref, json.dumps({
                "name": submission.contact_name, "email": submission.contact_email,
                "phone": submission.contact_phone, "consent": "yes"}))
            report.source_id = source_store.insert_source(conn, source)
        report_id = report_store.insert_report(conn, report)
        if submission.files:
            locker = open_the_locker()
            shots = [(f.filename, _read_kept(home, f.stored_path)) for f in submission.files]
            take_in_public_screenshots(conn, actor, locker, ref, report_id, shots, written)
        upkeep.settle(conn, reports=[report_id])  # counts in step (analytics)
        intake_store.insert_attachments(conn, [
            AttachmentRecord(report_id, f.filename, f.media_type, f.size, f.sha256, None)
            for f in submission.files])
        assert submission.id is not None
        if not public_store.mark_graded(conn, submission.id, report_id, actor.user.id,
                                        datetime.now(UTC)):
            raise ConflictError(f"public report {ref} was graded by someone else just now",
                                field="reference")
        audit.record(conn, actor, ReportAdded(report_id=report_id, grading=report.grading.code,
                                              public_report=ref))
    if locker is not None:
        make_checkpoint(store, locker)
        with store.begin() as conn:
            unused = public_store.unused_kept_files(conn, [f.stored_path
                                                           for f in submission.files])
        for stored in unused:  # now in the blob store; no waiting submission needs them
            path = (home / stored).resolve()
            if home.resolve() in path.parents:
                path.unlink(missing_ok=True)
    return report


def _read_kept(home: Path, stored_path: str) -> bytes:
    path = (home / stored_path).resolve()
    if home.resolve() not in path.parents or not path.is_file():
        raise NotFoundError(f"a screenshot of this report is missing from {home} "
                            f"({stored_path}); restore it from a backup", field="screenshots")
    return path.read_bytes()

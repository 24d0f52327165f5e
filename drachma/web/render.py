"""Turning records into HTML: templates, UK dates, highlighted snippets, grading spelled out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from markupsafe import Markup, escape
from starlette.responses import Response

from drachma import __version__, gazetteers
from drachma.access.permissions import Permission
from drachma.errors import DrachmaError
from drachma.model.dates import UK as UK
from drachma.model.dates import local as local
from drachma.model.dates import uk_date, uk_datetime
from drachma.model.grading import (
    HANDLING_MEANINGS,
    INTELLIGENCE_MEANINGS,
    SOURCE_MEANINGS,
    Grading,
)
from drachma.model.mention import Mention, MentionType, Review
from drachma.store.search import MARK_END, MARK_START
from drachma.web.auth import Session

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# The one time formatter (UK time) lives in drachma.model.dates; imported here under the names
# the templates use.


def force_name(code: str | None) -> str:
    """``greater-manchester`` -> ``Greater Manchester Police``; an unknown code as it is."""
    if not code:
        return ""
    try:
        return gazetteers.force_by_code(code).name
    except DrachmaError:
        return code


def force_choices() -> list[str]:
    """Force names for the force boxes' suggestion lists."""
    return [force.name for force in gazetteers.police_forces()]


def highlight(snippet: str) -> Markup:
    """Escape the store's snippet text first, then turn its match markers into <mark>."""
    safe = str(escape(snippet))
    return Markup(safe.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def plain_snippet(snippet: str) -> str:
    return snippet.replace(MARK_START, "").replace(MARK_END, "")


MENTION_TYPE_LABELS: dict[MentionType, str] = {
    MentionType.GROUP: "Group",
    MentionType.PERSON: "Person",
    MentionType.PLACE: "Place",
    MentionType.FORCE: "Police force",
    MentionType.PLATFORM: "Platform",
    MentionType.DATE: "Date",
    MentionType.AGE_SUBJECT: "Age of subject",
    MentionType.AGE_DECOY: "Age of decoy (as posed)",
    MentionType.OUTCOME: "Outcome",
    MentionType.OFFENCE: "Offence",
    MentionType.STATISTIC: "Number",
}
UNCONFIRMED = "read by machine, unconfirmed"
REVIEW_LABELS: dict[Review, str] = {
    Review.PENDING: "Read by machine, unconfirmed",
    Review.CONFIRMED: "Confirmed",
    Review.CORRECTED: "Corrected",
    Review.REJECTED: "Rejected",
}


def mention_type_label(kind: MentionType) -> str:
    return MENTION_TYPE_LABELS.get(kind, kind.value.replace("_", " ").capitalize())


def _iso_date(value: str, granularity: str | None) -> str | None:
    """``2024-05-05`` -> ``05/05/2024``, ``2024-05`` -> ``05/2024``, ``2024`` as it is."""
    parts = value.split("-")
    if not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    if len(parts) == 3 and granularity in (None, "day"):
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2])).strftime("%d/%m/%Y")
        except ValueError:
            return None
    if len(parts) >= 2:
        return f"{parts[1]}/{parts[0]}"
    return parts[0]


def mention_value(mention: Mention) -> str:
    """The normalised value of a mention for a person to read (dates day first, forces by name,
    places with their district and force)."""
    a = mention.attributes
    value = mention.value
    if mention.type is MentionType.FORCE:
        name = force_name(value)
        return f"{name} ({value})" if name != value else value
    if mention.type is MentionType.DATE:
        shown = _iso_date(value, a.get("granularity")) or value
        original = a.get("original")
        if original and original.strip().lower() != shown.lower():
            return f"{shown} (“{original}”)"
        return shown
    if mention.type is MentionType.PLACE:
        extra = []
        if a.get("district") and a["district"] != value:
            extra.append(f"district {a['district']}")
        elif a.get("within") and a["within"] != value:
            extra.append(f"in {a['within']}")
        if a.get("force"):
            extra.append(force_name(a["force"]))
        return f"{value} ({'; '.join(extra)})" if extra else value
    if mention.type in (MentionType.AGE_SUBJECT, MentionType.AGE_DECOY) and value.isdigit():
        return f"{value} years"
    if mention.type is MentionType.PERSON and a.get("role"):
        return f"{value} ({a['role'].replace('_', ' ')})"
    return value


def mention_title(mention: Mention) -> str:
    """The tooltip of a highlighted mention: type, value and whether anyone confirmed it."""
    state = UNCONFIRMED if mention.review is Review.PENDING else mention.review.value
    return f"{mention_type_label(mention.type)}: {mention_value(mention)} ({state})"


def highlighted_mentions(text: str, mentions: list[Mention]) -> tuple[Markup, set[int]]:
    """The text HTML-escaped, each mention wrapped in ``<mark class="m-TYPE" id="m-ID">``.

    Mentions may overlap or nest: a span that starts inside one already marked is left out of
    the text (it is still listed in the table). Rejected mentions, and any whose span no longer
    matches the text, are not marked. Returns the HTML and the ids of the mentions marked.
    """
    marked: set[int] = set()
    out: list[str] = []
    cursor = 0
    ordered = sorted(mentions, key=lambda m: (m.start, -m.end, m.id or 0))
    for m in ordered:
        if m.review is Review.REJECTED or m.id is None:
            continue
        if m.start < cursor or m.end <= m.start or m.end > len(text):
            continue
        if text[m.start:m.end] != m.text:
            continue
        out.append(str(escape(text[cursor:m.start])))
        out.append(
            f'<mark class="m-{escape(m.type.value)}" id="m-{int(m.id)}" '
            f'title="{escape(mention_title(m))}">{escape(text[m.start:m.end])}</mark>'
        )
        cursor = m.end
        marked.add(m.id)
    out.append(str(escape(text[cursor:])))
    return Markup("".join(out)), marked


def grading_parts(grading: Grading) -> list[tuple[str, str, str]]:
    """(part, code, meaning) for each part of a 3x5x2 grading."""
    return [
        ("Source evaluation", grading.source.value, SOURCE_MEANINGS[grading.source]),
        (
            "Intelligence assessment",
            grading.intelligence.value,
            INTELLIGENCE_MEANINGS[grading.intelligence],
        ),
        ("Handling code", grading.handling.value, HANDLING_MEANINGS[grading.handling]),
    ]


def unproven_banner(grading: Grading) -> str:
    """The words every report page carries: intelligence is an allegation, not a finding."""
    return (
        f"Unproven allegation: intelligence graded {grading.code} "
        f"(source {SOURCE_MEANINGS[grading.source]}; "
        f"{INTELLIGENCE_MEANINGS[grading.intelligence]}), not a finding of fact."
    )


def page_url(request: Request, **changes: Any) -> str:
    """The current URL with some query parameters changed (``None`` removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode({k: v for k, v in params.items() if v != ""})
    return request.url.path + (f"?{query}" if query else "")


def grading_code(report: Any) -> Markup:
    """A report's 3x5x2 code, its meaning in the title (for tables of reports)."""
    grading: Grading = report.grading
    return Markup('<abbr class="drachma-grading" title="{}">{}</abbr>').format(
        grading.describe(), grading.code)


def report_link(report: Any) -> Markup:
    """A link to a report, by its title."""
    return Markup('<a class="govuk-link" href="/reports/{}">{}</a>').format(
        int(report.id), report.title)


def error_message(errors: dict[str, str], name: str) -> dict[str, str] | None:
    """The ``errorMessage`` parameter of a GOV.UK Frontend field macro, or none."""
    message = errors.get(name)
    return {"text": message} if message else None


def error_list(errors: dict[str, str], labels: dict[str, str]) -> list[dict[str, str]]:
    """The ``errorList`` of GOV.UK Frontend's error summary: a labelled field's problem links to
    the field; a problem with no field is plain text."""
    return [
        {"text": f"{labels[name]}: {message}", "href": f"#{name}"} if name in labels
        else {"text": message}
        for name, message in errors.items()
    ]


def date_parts(value: str | None) -> tuple[str, str, str]:
    """``"05/06/2024"`` -> ``("05", "06", "2024")`` for the three boxes of a date input; what a
    person typed is shown back as typed, even when it is not a date."""
    parts = (value or "").split("/")
    if len(parts) != 3:
        return ("", "", value or "") if value else ("", "", "")
    return parts[0], parts[1], parts[2]


def role_items(roles: list[Any], chosen: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    """Checkbox items for roles, ticked where chosen."""
    return [{"value": role.value, "text": role.label, "checked": role.value in chosen}
            for role in roles]


@dataclass(frozen=True, slots=True)
class NavItem:
    """A link in the service navigation, shown to those with its permission."""

    href: str
    text: str
    permission: Permission


# The service navigation, in order. A capability that adds a top-level page adds a line here.
NAVIGATION: list[NavItem] = [
    NavItem("/reports", "Reports", Permission.READ_REPORTS),
    NavItem("/reports/new", "Add report", Permission.CREATE_REPORTS),
    NavItem("/ingest", "Take in files", Permission.INGEST),
    NavItem("/evidence", "Evidence", Permission.MANAGE_EVIDENCE),
    NavItem("/audit", "Audit log", Permission.VIEW_AUDIT),
    NavItem("/triage", "Public reports", Permission.CREATE_REPORTS),  # --- security ---
    # --- incidents and safeguarding ---
    NavItem("/incidents", "Incidents", Permission.MANAGE_INCIDENTS),
    NavItem("/alerts", "Alerts", Permission.MANAGE_INCIDENTS),
    NavItem("/board", "Board", Permission.READ_ALL_RESTRICTED),
    NavItem("/analytics", "Analytics", Permission.READ_REPORTS),  # --- analytics (issue 10) ---
    NavItem("/records", "Records review", Permission.MANAGE_RECORDS),  # --- records (issue 13) ---
    NavItem("/linkage", "Who is who", Permission.LINK_RECORDS),  # --- linkage (issue 11) ---
    NavItem("/sharing/export", "Share", Permission.READ_REPORTS),  # --- sharing (issue 11) ---
]


def navigation(path: str, actor: Any) -> list[dict[str, Any]]:
    """The service navigation's items for this person, the page's own section marked: the
    longest link the path starts with (``/reports/12`` is under Reports, ``/reports/new`` is Add
    report)."""
    items = [item for item in NAVIGATION if actor is not None and actor.can(item.permission)]
    under = [i for i in items if path == i.href or path.startswith(i.href.rstrip("/") + "/")]
    section = max(under, key=lambda i: len(i.href), default=None)
    return [{"href": i.href, "text": i.text, "active": i is section, "current": i.href == path}
            for i in items]


def _context(request: Request) -> dict[str, Any]:
    # Only the session a dependency already found: rendering an error page must not hit the
    # database again (it may be the thing that failed).
    session: Session | None = getattr(request.state, "drachma_session", None)
    actor = session.actor if session and not session.by_bearer else None
    return {
        "actor": actor,
        "csrf_token": session.csrf_token if actor and session else "",
        "can_read": bool(actor and actor.can(Permission.READ_REPORTS)),
        "can_create": bool(actor and actor.can(Permission.CREATE_REPORTS)),
        "can_audit": bool(actor and actor.can(Permission.VIEW_AUDIT)),
        "can_ingest": bool(actor and actor.can(Permission.INGEST)),
        "can_review": bool(actor and actor.can(Permission.REVIEW_MENTIONS)),
        "can_open_incidents": bool(actor and actor.can(Permission.MANAGE_INCIDENTS)),
        "page_url": lambda **changes: page_url(request, **changes),
        "navigation": navigation(request.url.path, actor),
        "drachma_version": __version__,
    }


def _environment() -> Environment:
    """Drachma's own templates first, then GOV.UK Frontend's macros under their package name
    (``{% from "govuk_frontend_jinja/components/input/macro.html" import govukInput %}``)."""
    loader = ChoiceLoader([
        FileSystemLoader(str(TEMPLATES)),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    # auto_reload off: templates are part of the installed package, so checking every file's
    # time on every page (Jinja's default) only cost time (bench/load.py).
    return Environment(loader=loader, autoescape=select_autoescape(default=True),
                       trim_blocks=False, lstrip_blocks=False, auto_reload=False)


templates = Jinja2Templates(env=_environment(), context_processors=[_context])
templates.env.filters.update(
    uk_date=uk_date,
    uk_datetime=uk_datetime,
    highlight=highlight,
    force_name=force_name,
    mention_value=mention_value,
    mention_type_label=mention_type_label,
)
templates.env.globals.update(error_message=error_message, error_list=error_list,
                             date_parts=date_parts, role_items=role_items,
                             grading_code=grading_code, report_link=report_link)
templates.env.globals.update(grading_parts=grading_parts, unproven_banner=unproven_banner,
                             force_choices=force_choices, review_labels=REVIEW_LABELS)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(request, name, context or {}, status_code=status_code)

"""Turning records into HTML: templates, UK dates, highlighted snippets, grading spelled out."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

from drachma import gazetteers
from drachma.access.permissions import Permission
from drachma.errors import DrachmaError
from drachma.model.grading import (
    HANDLING_MEANINGS,
    INTELLIGENCE_MEANINGS,
    SOURCE_MEANINGS,
    Grading,
)
from drachma.store.search import MARK_END, MARK_START
from drachma.web.auth import Session

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
UK = ZoneInfo("Europe/London")


def local(value: datetime) -> datetime:
    """Times are stored in UTC and shown in UK time."""
    return value.astimezone(UK) if value.tzinfo else value


def uk_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d/%m/%Y")


def uk_datetime(value: datetime | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    return local(value).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


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
        "page_url": lambda **changes: page_url(request, **changes),
    }


templates = Jinja2Templates(directory=str(TEMPLATES), context_processors=[_context])
templates.env.filters.update(
    uk_date=uk_date,
    uk_datetime=uk_datetime,
    highlight=highlight,
    force_name=force_name,
)
templates.env.globals.update(grading_parts=grading_parts, unproven_banner=unproven_banner,
                             force_choices=force_choices)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return templates.TemplateResponse(request, name, context or {}, status_code=status_code)

"""The web application: pages for people, a JSON API under ``/api/`` for programs.

``create_app(store, settings)`` builds it; without a store it opens the database named by
``DRACHMA_DATABASE_URL`` (see :mod:`drachma.config`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drachma import __version__
from drachma.config import Settings, load_settings
from drachma.errors import AuthenticationError, DrachmaError
from drachma.intake.upload import UPLOAD_LIMIT_TEXT
from drachma.model.roles import Role
from drachma.store.db import DataError, Store
from drachma.web import account, api, incident_pages, incidents, pages, public
from drachma.web import analytics as analytics_api
from drachma.web import evidence as evidence_api
from drachma.web import linkage as linkage_web  # --- linkage (issue 11) ---
from drachma.web import records as records_web  # --- records (issue 13) ---
from drachma.web import sharing as sharing_web  # --- sharing (issue 11) ---
from drachma.web.auth import (
    LoginRequired,
    SecondFactorSetupRequired,  # --- security ---
    Session,
    api_session,
    find_session,
    page_session,
)
from drachma.web.ratelimit import RateLimiter
from drachma.web.render import STATIC, render
from drachma.web.security import (
    SecurityMiddleware,
    harden,
    unstorable_message,
)

MAX_BODY_BYTES = 10 * 1024 * 1024

API_DESCRIPTION = """
The Drachma JSON API. Log in with `POST /api/login`; then either send the session cookie it
sets (and, on POST calls, the returned `csrf_token` as the `X-CSRF-Token` header) or send
`Authorization: Bearer <token>`. Errors are JSON: `{"error": kind, "field": name, "message": text}`.

Intelligence is graded 3x5x2 and is an unproven allegation, never a finding of fact.
"""


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def is_api(request: Request) -> bool:
    return is_api_path(request.url.path)


def _error_json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None
                ) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _error_page(request: Request, status: int, message: str) -> Response:
    titles = {401: "Please log in", 403: "Not allowed", 404: "Not found",
              409: "Already stored", 503: "Database unavailable"}
    return render(request, "error.html",
                  {"status": status, "title": titles.get(status, "Something is wrong"),
                   "message": message}, status)


async def drachma_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DrachmaError)
    if is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationError) else None
        return _error_json(exc.http_status, exc.as_dict(), headers)
    return _error_page(request, exc.http_status, exc.message)


async def login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    if is_api(request):
        return await drachma_error(request, AuthenticationError("log in first"))
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)


async def second_factor_setup(request: Request, exc: Exception) -> Response:  # --- security ---
    if is_api(request):
        return await drachma_error(request, exc)
    return RedirectResponse("/account/two-factor", status_code=303)


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": "body", "message": "the body is not valid JSON"}
        if e.get("type") == "json_invalid"
        else {"field": _field_name(e.get("loc", ())), "message": str(e.get("msg", "is not valid"))}
        for e in exc.errors()
    ]
    first = problems[0] if problems else {"field": "body", "message": "is not valid"}
    message = f"{first['field']}: {first['message']}"
    if not is_api(request):
        return _error_page(request, 422, message)
    return _error_json(422, {"error": "invalid_input", "field": first["field"],
                             "message": message, "problems": problems})


def _too_large(request: Request) -> str:
    if request.url.path in ("/ingest", "/api/ingest"):
        return (f"the upload is larger than {UPLOAD_LIMIT_TEXT}; upload fewer or smaller "
                "files at a time")
    return f"the request is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB"


def too_large_response(request: Request) -> Response:
    """A request over the size limit: JSON for the API, the upload form again (message by the
    file box) for the upload page, else the error page. Nothing was read or stored."""
    message = _too_large(request)
    if is_api(request):
        return _error_json(413, {"error": "too_large", "field": None, "message": message})
    try:
        if request.url.path == "/ingest":
            return pages.ingest_too_large(request)
        find_session(request)  # for the navigation on the error page
    except LoginRequired as exc:
        return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)
    except DrachmaError as exc:
        return _error_page(request, exc.http_status, exc.message)
    return _error_page(request, 413, message)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 413:
        return too_large_response(request)
    if is_api(request):
        kind = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "http_error")
        return _error_json(exc.status_code,
                           {"error": kind, "field": None, "message": str(exc.detail)},
                           dict(exc.headers) if exc.headers else None)
    return _error_page(request, exc.status_code, str(exc.detail))


async def unstorable_value(request: Request, exc: Exception) -> Response:
    """An integer of 2^63 or more, or a NUL character, that reached the database: 400, not 500
    (the transaction was rolled back, so nothing changed)."""
    message = unstorable_message()
    if is_api(request):
        return _error_json(400, {"error": "invalid_input", "field": None, "message": message})
    return _error_page(request, 400, message)


class ReplacePlainTooLarge:
    """Outermost layer: Starlette's body-size limit answers a request whose Content-Length is over
    the limit with a plain-text 413 that no exception handler sees (it even replaces the app's own
    answer). This swaps that plain answer for the app's: JSON for the API, the upload form again
    for the upload page, the error page elsewhere, with the usual security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_or_replace(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the plain body that went with the replaced start
            if message["type"] == "http.response.start" and message["status"] == 413:
                content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
                if content_type.startswith("text/plain"):
                    replaced = True
                    request = Request(scope)
                    response = await run_in_threadpool(too_large_response, request)
                    harden(request.url.path, response.headers)
                    await response(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, send_or_replace)


class DrachmaApp(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        return SecurityMiddleware(ReplacePlainTooLarge(super().build_middleware_stack()),
                                  settings.allowed_hosts)

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:  # --- hardening (issue 13) ---
            self.openapi_schema = document_api_errors(super().openapi())
        return self.openapi_schema


def api_operations(document: dict[str, Any]) -> list[dict[str, str]]:
    """Each operation of the OpenAPI document: method, path, summary and description."""
    methods = ("get", "post", "put", "patch", "delete")
    return [
        {"method": method.upper(), "path": path, "summary": str(op.get("summary", "")),
         "description": str(op.get("description", "")), "tag": ", ".join(op.get("tags", []))}
        for path, item in sorted(document.get("paths", {}).items())
        for method, op in item.items() if method in methods
    ]


# --- hardening (issue 13): every API answer the app can give is in the OpenAPI document ---
API_ERRORS: dict[int, str] = {
    400: "The body could not be read (not JSON or form data of the declared type).",
    401: "Not logged in.",
    403: "Your role may not do this, or the CSRF token is bad.",
    404: "No such thing (or not one you may see).",
    409: "It conflicts with what is stored.",
    413: "The request is larger than the limit.",
    422: "Bad input; `field` names it.",
    429: "Too many attempts (log-in throttling, flood limits); try again later.",
    503: "The database does not answer.",
}


def document_api_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Declare, on every API operation, the JSON errors that the app's exception handlers can give
    on any API call (routers declare only some): the schemathesis fuzz tests check that every
    answer matches the document."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for path, operations in document.get("paths", {}).items():
        if not is_api_path(path):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in API_ERRORS.items():
                declared = responses.setdefault(str(status), {"description": description})
                # Errors are JSON even where the answer itself is text (a CSV, an SVG).
                declared["content"] = error
    return document


def check_mfa_roles(roles: tuple[str, ...]) -> None:  # --- security ---
    known = {r.value for r in Role}
    unknown = [r for r in roles if r not in known]
    if unknown:
        raise ValueError(f"DRACHMA_MFA_ROLES names no such role: {', '.join(unknown)} (roles: "
                         f"{', '.join(sorted(known))})")


def create_app(store: Store | None = None, settings: Settings | None = None) -> FastAPI:
    """The Drachma web app over ``store`` (default: the database the settings name)."""
    settings = settings or load_settings()
    check_mfa_roles(settings.mfa_required_roles)  # --- security ---
    store = store or Store(settings.database_url)
    app = DrachmaApp(
        title="Drachma",
        version=__version__,
        description=API_DESCRIPTION,
        # Served below, behind the log-in like everything else.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        max_body_size=MAX_BODY_BYTES,
    )
    app.state.store = store
    app.state.settings = settings
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(SecondFactorSetupRequired, second_factor_setup)  # --- security ---
    app.add_exception_handler(DrachmaError, drachma_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OverflowError, unstorable_value)
    app.add_exception_handler(DataError, unstorable_value)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(evidence_api.router)
    app.include_router(evidence_api.page_router)
    app.include_router(analytics_api.router)  # --- analytics (issue 10) ---
    app.include_router(analytics_api.pages_router)  # --- analytics (issue 10) ---
    app.include_router(pages.router)
    # --- security: the public form and its triage queue ---
    app.state.rate_limiter = RateLimiter(settings.rate_limit_storage)
    app.include_router(public.router)
    app.include_router(public.api_router)
    app.include_router(account.router)
    app.include_router(account.api_router)
    app.include_router(incidents.router)  # --- incidents and safeguarding ---
    app.include_router(incident_pages.router)  # --- incidents and safeguarding ---
    app.include_router(records_web.router)  # --- records (issue 13) ---
    app.include_router(records_web.page_router)  # --- records (issue 13) ---
    app.include_router(sharing_web.router)  # --- sharing (issue 11) ---
    app.include_router(sharing_web.page_router)  # --- sharing (issue 11) ---
    app.include_router(linkage_web.router)  # --- linkage (issue 11) ---
    app.include_router(linkage_web.page_router)  # --- linkage (issue 11) ---

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi_document(_: Annotated[Session, Depends(api_session)]) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False)
    def openapi_page(request: Request, _: Annotated[Session, Depends(page_session)]
                     ) -> Response:
        # Drachma's own page from the OpenAPI document: no Swagger UI from a CDN, no script.
        return render(request, "api_docs.html", {"operations": api_operations(app.openapi())})

    return app

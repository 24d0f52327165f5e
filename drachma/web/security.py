"""What every response carries and every request is checked for, in one outermost middleware.

It sits outside Starlette's error handling, so even an unexpected 500 carries the headers:
Content-Security-Policy without ``unsafe-inline`` and with ``frame-ancestors 'none'``,
X-Content-Type-Options, Referrer-Policy, Strict-Transport-Security over TLS and
``Cache-Control: no-store`` on every page and API answer (static files may be cached). Before the
app sees a request it checks the ``Host`` header against ``DRACHMA_ALLOWED_HOSTS`` and refuses a
NUL character in the path or query string.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages never load anything from elsewhere, and run only Drachma's own script files (GOV.UK
# Frontend's progressive enhancement): no inline script, no inline style.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def harden(path: str, headers: MutableHeaders, *, tls: bool = False) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", PAGE_CSP)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if not path.startswith("/static/"):
        # Intelligence must not linger in shared browser or proxy caches.
        headers["Cache-Control"] = "no-store"
    if tls:
        headers.setdefault("Strict-Transport-Security", HSTS)


def host_allowed(host_header: str, allowed: Iterable[str]) -> bool:
    """``example.org:8000`` against the allowed names (``*`` allows any; IPv6 in brackets)."""
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[: host.find("]") + 1]
    else:
        host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    names = set(allowed)
    return "*" in names or host in names


class SecurityMiddleware:
    """The outermost layer: checks the request, then hardens whatever answer comes back."""

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed_hosts = tuple(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        tls = scope.get("scheme") == "https"

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                harden(path, MutableHeaders(scope=message), tls=tls)
            await send(message)

        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send_hardened)
            return
        await self.app(scope, receive, send_hardened)

    def _refusal(self, scope: Scope) -> Response | None:
        host = Headers(scope=scope).get("host", "")
        if not host_allowed(host, self.allowed_hosts):
            return PlainTextResponse("400 Bad Request: this server does not answer to that host "
                                     "name", status_code=400)
        query = scope.get("query_string", b"").decode("latin-1")
        if "\x00" in scope.get("path", "") or "\x00" in unquote(query):
            if scope.get("path", "").startswith("/api"):
                return JSONResponse({"error": "invalid_input", "field": None,
                                     "message": "the address contains a NUL character"}, 400)
            return PlainTextResponse("400 Bad Request: the address contains a NUL character",
                                     status_code=400)
        return None


def unstorable_message() -> str:
    return ("a value is out of range or contains characters that cannot be stored (a whole "
            "number of 2^63 or more, or a NUL character)")

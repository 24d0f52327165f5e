"""What the web tests share: settings for an app on the test's store, and logging in as a person
would. The ``client`` fixture itself is in ``conftest.py``."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from drachma.access.actor import Actor
from drachma.config import Settings
from drachma.store.db import Store
from tests.conftest import PASSWORD


def settings_for(store: Store, tmp_path: Path, *, secure_cookies: bool = False) -> Settings:
    return Settings(database_url=store.url, home=tmp_path, secure_cookies=secure_cookies,
                    session_hours=10, allowed_hosts=("testserver", "localhost", "127.0.0.1"))


def hidden_csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def log_in(client: TestClient, actor: Actor, next_url: str = "/") -> str:
    """Log in through the form, as a person would; returns the session's CSRF token."""
    form = client.get("/login")
    response = client.post("/login", data={
        "username": actor.name, "password": PASSWORD, "next": next_url,
        "csrf_token": hidden_csrf(form.text),
    }, follow_redirects=False)
    assert response.status_code == 303, response.text
    # Every page a logged-in user sees carries the token (the log-out button is a form).
    return hidden_csrf(client.get("/reports").text)


def field_error(html: str, field: str) -> str | None:
    """The error message GOV.UK Frontend shows by the field ``field``, or None (a date input's
    message is named for its group of three boxes, ``<field>-date``)."""
    found = re.search(rf'<p id="{re.escape(field)}(?:-date)?-error" class="govuk-error-message">\s*'
                      r'<span class="govuk-visually-hidden">Error:</span>(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else None

"""Settings from the environment (``DRACHMA_*``), with safe defaults.

``DRACHMA_DATABASE_URL``  SQLAlchemy URL; default a SQLite file ``instance/drachma.db`` under the
                          current directory (``DRACHMA_HOME`` moves it).
``DRACHMA_HOME``          folder for the default database and local files (default ``instance``).
``DRACHMA_SECURE_COOKIES`` ``true`` to always mark cookies Secure (they are anyway over HTTPS).
``DRACHMA_SESSION_HOURS``  how long a log-in lasts (default 10, a working shift).
``DRACHMA_IDLE_MINUTES``   a session unused this long ends (default 30).
``DRACHMA_ALLOWED_HOSTS``  comma-separated host names the server answers to (default
                          ``localhost,127.0.0.1``); any other ``Host`` header gets 400.
``DRACHMA_RATE_LIMIT_STORAGE`` where flood counters live: ``memory://`` (default, one process)
                          or ``redis://host:6379`` when several processes serve.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    home: Path
    secure_cookies: bool
    session_hours: int
    # --- security ---
    idle_minutes: int = 30
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    rate_limit_storage: str = "memory://"


def default_database_url(home: Path) -> str:
    return f"sqlite:///{(home / 'drachma.db').resolve()}"


def load_settings() -> Settings:
    home = Path(os.environ.get("DRACHMA_HOME", "instance"))
    url = os.environ.get("DRACHMA_DATABASE_URL") or default_database_url(home)
    return Settings(
        database_url=url,
        home=home,
        secure_cookies=_truthy(os.environ.get("DRACHMA_SECURE_COOKIES")),
        session_hours=int(os.environ.get("DRACHMA_SESSION_HOURS", "10")),
        # --- security ---
        idle_minutes=int(os.environ.get("DRACHMA_IDLE_MINUTES", "30")),
        allowed_hosts=tuple(
            h.strip().lower()
            for h in os.environ.get("DRACHMA_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
            if h.strip()),
        rate_limit_storage=os.environ.get("DRACHMA_RATE_LIMIT_STORAGE") or "memory://",
    )

"""Settings from the environment (``DRACHMA_*``), with safe defaults.

``DRACHMA_DATABASE_URL``  SQLAlchemy URL; default a SQLite file ``instance/drachma.db`` under the
                          current directory (``DRACHMA_HOME`` moves it).
``DRACHMA_HOME``          folder for the default database and local files (default ``instance``).
``DRACHMA_SECURE_COOKIES`` ``true`` to always mark cookies Secure (they are anyway over HTTPS).
``DRACHMA_SESSION_HOURS``  how long a log-in lasts (default 10, a working shift).
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
    )

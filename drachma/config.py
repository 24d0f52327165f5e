"""Settings from the environment (``DRACHMA_*``), with safe defaults.

``DRACHMA_DATABASE_URL``  SQLAlchemy URL; default a SQLite file ``instance/drachma.db`` under the
                          current directory (``DRACHMA_HOME`` moves it).
``DRACHMA_HOME``          folder for the default database and local files (default ``instance``).
``DRACHMA_SECURE_COOKIES`` ``true`` to always mark cookies Secure (they are anyway over HTTPS).
``DRACHMA_SESSION_HOURS``  how long a log-in lasts (default 10, a working shift).
``DRACHMA_IDLE_MINUTES``   a session unused this long ends (default 30).
``DRACHMA_ALLOWED_HOSTS``  comma-separated host names the server answers to (default
                          ``localhost,127.0.0.1``); any other ``Host`` header gets 400.
``DRACHMA_MFA_ROLES``      comma-separated roles that must use a second factor (TOTP) to log
                          in, e.g. ``supervisor,admin`` (default none: anyone may set one up).
``DRACHMA_SEARCH_INDEX``  folder of the search index (default beside a SQLite database, or
                          ``<home>/search/<digest of the URL>``; see ``docs/search.md``).
``DRACHMA_RATE_LIMIT_STORAGE`` where flood counters live: ``memory://`` (default, one process)
                          or ``redis://host:6379`` when several processes serve.

Evidence locker (``docs/evidence.md``):

``DRACHMA_EVIDENCE_DIR``          folder of the encrypted blob store (default ``<home>/evidence``).
``DRACHMA_EVIDENCE_MASTER_KEY``   master key file (default ``<home>/keys/evidence-master.key``).
``DRACHMA_EVIDENCE_SIGNING_KEY``  Ed25519 checkpoint key (default ``<home>/keys/checkpoint.pem``).
``DRACHMA_EVIDENCE_LOG_ORIGIN``   the custody log's name in its checkpoints (default
                                  ``drachma.police.uk/custody``).
``DRACHMA_EVIDENCE_MAX_BYTES``    largest single item taken in (default 5 GiB).
``DRACHMA_EVIDENCE_MAX_ARCHIVE_BYTES`` largest total unpacked from one archive (default 20 GiB).
``DRACHMA_EVIDENCE_MAX_ARCHIVE_FILES`` most members in one archive (default 10000).
``DRACHMA_EVIDENCE_MAX_RATIO``    highest compression ratio of an archive member (default 200).
``DRACHMA_EVIDENCE_TSA_URL``      RFC 3161 timestamp authority for checkpoints (default none).
``DRACHMA_EVIDENCE_TSA_CERT``     PEM file with that authority's certificate (and its CA chain):
                                 ``drachma evidence verify`` then checks each token's signature.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class EvidenceSettings:
    directory: Path
    master_key: Path
    signing_key: Path
    log_origin: str
    max_bytes: int
    max_archive_bytes: int
    max_archive_files: int
    max_ratio: int
    tsa_url: str | None
    tsa_certificate: Path | None = None  # PEM: the authority's certificate (and its CA chain)


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def load_evidence_settings(home: Path) -> EvidenceSettings:
    env = os.environ.get
    return EvidenceSettings(
        directory=Path(env("DRACHMA_EVIDENCE_DIR") or home / "evidence"),
        master_key=Path(env("DRACHMA_EVIDENCE_MASTER_KEY") or home / "keys/evidence-master.key"),
        signing_key=Path(env("DRACHMA_EVIDENCE_SIGNING_KEY") or home / "keys/checkpoint.pem"),
        log_origin=env("DRACHMA_EVIDENCE_LOG_ORIGIN") or "drachma.police.uk/custody",
        max_bytes=_int("DRACHMA_EVIDENCE_MAX_BYTES", 5 * 1024**3),
        max_archive_bytes=_int("DRACHMA_EVIDENCE_MAX_ARCHIVE_BYTES", 20 * 1024**3),
        max_archive_files=_int("DRACHMA_EVIDENCE_MAX_ARCHIVE_FILES", 10_000),
        max_ratio=_int("DRACHMA_EVIDENCE_MAX_RATIO", 200),
        tsa_url=env("DRACHMA_EVIDENCE_TSA_URL") or None,
        tsa_certificate=Path(cert) if (cert := env("DRACHMA_EVIDENCE_TSA_CERT")) else None,
    )


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
    evidence: EvidenceSettings | None = None  # None: the defaults under ``home``
    mfa_required_roles: tuple[str, ...] = ()  # --- security: roles that must use a second factor
    # --- records: the one folder backups made through the API go into (None: not allowed) ---
    backup_dir: Path | None = None

    def evidence_settings(self) -> EvidenceSettings:
        return self.evidence or load_evidence_settings(self.home)


# --- shared by e-mail senders (safeguarding alerts, password-change notices) ---
@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """``DRACHMA_SMTP_HOST`` (unset: no e-mail), ``DRACHMA_SMTP_PORT`` (25),
    ``DRACHMA_SMTP_FROM``, ``DRACHMA_ALERT_MAIL_DOMAIN`` (user ``jsmith`` is
    ``jsmith@<domain>``), ``DRACHMA_SMTP_TIMEOUT`` (10 seconds)."""

    host: str
    port: int
    sender: str
    domain: str
    timeout: float


def smtp_settings() -> SmtpSettings | None:
    host = os.environ.get("DRACHMA_SMTP_HOST", "").strip()
    domain = os.environ.get("DRACHMA_ALERT_MAIL_DOMAIN", "").strip()
    if not host or not domain:
        return None
    return SmtpSettings(host, int(os.environ.get("DRACHMA_SMTP_PORT", "25")),
                        os.environ.get("DRACHMA_SMTP_FROM", "drachma@localhost"), domain,
                        float(os.environ.get("DRACHMA_SMTP_TIMEOUT", "10")))


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
        evidence=load_evidence_settings(home),
        mfa_required_roles=tuple(  # --- security ---
            r.strip().lower() for r in os.environ.get("DRACHMA_MFA_ROLES", "").split(",")
            if r.strip()),
        backup_dir=Path(b) if (b := os.environ.get("DRACHMA_BACKUP_DIR")) else None,
    )

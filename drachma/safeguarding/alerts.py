"""The deconfliction alerts inbox: each investigator reads the alerts for their investigations;
the unread count is shown on every page (:func:`unread_count`). When SMTP is configured an
e-mail says an alert is waiting (it carries no personal data: the reader logs in to see it).

SMTP settings come from the environment:

``DRACHMA_SMTP_HOST`` (unset: no e-mail), ``DRACHMA_SMTP_PORT`` (25), ``DRACHMA_SMTP_FROM``
(``drachma@localhost``), ``DRACHMA_ALERT_MAIL_DOMAIN`` (an alert for user ``jsmith`` goes to
``jsmith@<domain>``), ``DRACHMA_SMTP_TIMEOUT`` (10 seconds).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import AlertEmailed, AlertInboxRead, AlertRead, AlertRefused
from drachma.config import SmtpSettings, smtp_settings
from drachma.errors import NotFoundError, PermissionDenied, ValidationError
from drachma.model.incident import DeconflictionAlert
from drachma.store import safeguarding as sg_store
from drachma.store.db import Store

log = logging.getLogger(__name__)
MAX_PAGE = 200


def unread_count(store: Store, actor: Actor) -> int:
    """How many unread alerts the actor has (for the header of every page)."""
    with store.begin() as conn:
        return sg_store.unread_count(conn, actor.name)


def inbox(store: Store, actor: Actor, *, unread_only: bool = False, limit: int = 50,
          offset: int = 0) -> tuple[list[DeconflictionAlert], int]:
    """The actor's own alerts, newest first. Reading the inbox is audited."""
    if limit < 1 or limit > MAX_PAGE:
        raise ValidationError(f"a page holds 1 to {MAX_PAGE} rows", field="limit")
    with store.begin() as conn:
        found = sg_store.alerts_for(conn, actor.name, unread_only=unread_only, limit=limit,
                                    offset=max(0, offset))
        audit.record(conn, actor, AlertInboxRead(inbox=actor.name, shown=len(found[0])))
    return found


def read_alert(store: Store, actor: Actor, alert_id: int) -> DeconflictionAlert:
    """One alert, marked read. Only its owner (or a supervisor) may read it; audited."""
    with store.begin() as conn:
        alert = sg_store.get_alert(conn, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}", field="alert_id")
        if alert.owner_username != actor.name and actor.role.value != "supervisor":
            audit.record(conn, actor, AlertRefused(alert_id=alert_id))
            denied = True
        else:
            denied = False
            if alert.owner_username == actor.name:
                sg_store.mark_read(conn, alert_id, datetime.now(UTC))
            audit.record(conn, actor, AlertRead(alert_id=alert_id))
    if denied:
        raise PermissionDenied("this alert is for the investigation's owner", field="alert_id")
    return alert


def _message(settings: SmtpSettings, alert: DeconflictionAlert) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = f"{alert.owner_username}@{settings.domain}"
    message["Subject"] = "Drachma: deconfliction alert for your investigation"
    message.set_content(
        "A person recorded in a new incident may be a subject of an investigation you own.\n"
        f"Log in to Drachma and open your alerts inbox (alert {alert.id}) for the details.\n")
    return message


def send_pending_mail(store: Store, actor: Actor, *, only: list[int] | None = None,
                      limit: int = 100) -> list[int]:
    """E-mail the owners of alerts not mailed yet (when SMTP is configured). Each alert is
    claimed before sending, so two workers never mail the same one; a failed send is released
    and tried again on the next pass."""
    settings = smtp_settings()
    if settings is None:
        return []
    with store.begin() as conn:
        pending = [a for a in sg_store.unmailed_alerts(conn, limit=limit)
                   if only is None or a.id in only]
    sent: list[int] = []
    for alert in pending:
        assert alert.id is not None
        with store.begin() as conn:
            if not sg_store.claim_mail(conn, alert.id, datetime.now(UTC)):
                continue
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
                smtp.send_message(_message(settings, alert))
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("e-mail for alert %s failed: %s", alert.id, exc)
            with store.begin() as conn:
                sg_store.unmark_mail(conn, alert.id)
            continue
        with store.begin() as conn:
            audit.record(conn, actor, AlertEmailed(alert_id=alert.id,
                                                   to=alert.owner_username or ""))
        sent.append(alert.id)
    return sent

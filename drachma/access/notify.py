"""Telling a user their password was changed (ASVS 2.5.5 / 2.2.3): a notice waits for their next
log-in (``account_notices``), and, when SMTP and a mail domain are configured
(:func:`drachma.config.smtp_settings`), an e-mail goes to ``<username>@<domain>`` at once. The
e-mail carries no personal data beyond the username, and says what to do if it was not them.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import PasswordChangeNotified
from drachma.config import SmtpSettings, smtp_settings
from drachma.model.user import User
from drachma.store.db import Store

log = logging.getLogger(__name__)


def _message(settings: SmtpSettings, user: User) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = f"{user.username}@{settings.domain}"
    message["Subject"] = "Drachma: your password was changed"
    message.set_content(
        f"The password of your Drachma account ({user.username}) was just changed, and every\n"
        "session and API token of yours was ended.\n\n"
        "If you did not change it, tell your supervisor or the system's administrator now.\n")
    return message


def notify_password_changed(store: Store, actor: Actor | None, user: User) -> bool:
    """E-mail the user that their password changed (when mail is configured); audited either
    way. A failed send is logged, never an error: the change itself has happened."""
    settings = smtp_settings()
    emailed = False
    if settings is not None:
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
                smtp.send_message(_message(settings, user))
            emailed = True
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("the password-change e-mail to %s failed: %s", user.username, exc)
    with store.begin() as conn:
        audit.record(conn, actor, PasswordChangeNotified(user_id=user.id, emailed=emailed),
                     actor_name="command-line")
    return emailed

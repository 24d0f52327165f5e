"""E-mail (``.eml``): one report per message, attachments kept as files of the report.

The body is the plain-text part (or the main text of the HTML part), after a short header block
(From, To, Date, Subject) because who sent what when is part of the submission. Attachments are
kept as bytes with the media type the message declares; they are never opened or rendered.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime

from drachma.intake.readers.base import (
    IntakeAttachment,
    IntakeFileError,
    IntakeItem,
    Origin,
    ReadResult,
    Source,
    decode_text,
    normalise_newlines,
    read_whole,
    short_title,
)
from drachma.intake.readers.html import html_main_text
from drachma.model.report import SourceKind

_HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]", re.MULTILINE)
_KEY_HEADERS = (b"from:", b"subject:", b"date:", b"message-id:", b"mime-version:", b"received:")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_filename(name: str | None, fallback: str) -> str:
    """A file name with no path and no control characters, for display and the table only."""
    if not name:
        return fallback
    base = re.split(r"[/\\]", name)[-1]
    cleaned = _UNSAFE_NAME.sub("_", base).strip(" .")
    return cleaned[:255] or fallback


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    if charset:
        try:
            return normalise_newlines(payload.decode(charset))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(payload)[0]


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # malformed header: keep what we can
        value = message.get_all(name, [""])[0] if message.get_all(name) else None
    return " ".join(str(value).split()) if value else ""


class EmailReader:
    format: str = "eml"
    extensions: tuple[str, ...] = (".eml", ".msg.eml", ".mbox.eml")
    streams: bool = False

    def sniff(self, head: bytes) -> bool:
        top = head[:4096].lstrip()
        if not _HEADER_LINE.match(top):
            return False
        lowered = top.lower()
        header_block = lowered.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
        found = sum(1 for key in _KEY_HEADERS if re.search(rb"(^|\n)" + key, header_block))
        return found >= 2

    def read(self, source: Source, name: str) -> Iterator[ReadResult]:
        data = read_whole(source)
        if not data.strip():
            raise IntakeFileError("empty file (no e-mail)")
        message = email.message_from_bytes(data, policy=email.policy.default)
        if not isinstance(message, EmailMessage) or not message.keys():
            raise IntakeFileError("not an e-mail message (no headers)")
        subject = _header(message, "Subject")
        sender = _header(message, "From")
        received_at: datetime | None = None
        date_header = _header(message, "Date")
        if date_header:
            try:
                received_at = parsedate_to_datetime(date_header)
            except (TypeError, ValueError, IndexError):
                received_at = None
            if received_at is not None and received_at.tzinfo is None:
                received_at = received_at.replace(tzinfo=UTC)

        text = ""
        encoding: str | None = None
        body_part = message.get_body(preferencelist=("plain", "html"))
        if body_part is not None:
            text = _part_text(body_part)
            encoding = body_part.get_content_charset()
            if body_part.get_content_type() == "text/html":
                text = html_main_text(text)[0]
        attachments: list[IntakeAttachment] = []
        for number, part in enumerate(message.iter_attachments(), start=1):
            content = part.get_payload(decode=True)
            if not isinstance(content, bytes):
                # A forwarded message (message/rfc822) is kept whole, as it was sent.
                content = part.as_bytes() if isinstance(part, Message) else b""
            filename = safe_filename(part.get_filename(), f"attachment-{number}")
            attachments.append(IntakeAttachment(filename, part.get_content_type(), content))

        header_lines = [
            f"{label}: {value}"
            for label, value in (("From", sender), ("To", _header(message, "To")),
                                 ("Date", date_header), ("Subject", subject))
            if value
        ]
        if attachments:
            header_lines.append("Attachments: " + ", ".join(a.filename for a in attachments))
        body_text = text.strip() or "(no message text)"
        body = "\n".join(header_lines) + "\n\n" + body_text
        yield IntakeItem(
            title=short_title(subject) if subject else short_title(f"E-mail from {sender}"),
            body=body,
            origin=Origin(name, 0, None, len(data)),
            kind_hint=SourceKind.PUBLIC,
            received_at=received_at,
            attachments=attachments,
            encoding=encoding,
        )

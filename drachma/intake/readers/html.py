"""HTML pages (news articles, saved posts): the main text without menus and adverts.

trafilatura finds the main text, the title and the publication date; when it finds nothing (a
page that is all list, a fragment) a plain ``html.parser`` pass takes the visible text, leaving out
scripts, navigation, headers, footers, asides, forms and anything whose class or id says advert,
cookie, menu or sidebar.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from datetime import date, datetime
from html.parser import HTMLParser
from typing import Any

import trafilatura

from drachma.intake.readers.base import (
    IntakeFileError,
    IntakeItem,
    Origin,
    ReadResult,
    Source,
    decode_text,
    first_line_title,
    normalise_newlines,
    read_whole,
    short_title,
)
from drachma.model.report import SourceKind

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b",
                         re.IGNORECASE | re.DOTALL)


def decode_html(data: bytes) -> tuple[str, str]:
    """Use the page's declared charset when it is a real codec and fits, else the usual guess."""
    declared = _CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "replace").lower()
        try:
            codec = codecs.lookup(name).name
            return normalise_newlines(data.decode(codec)), codec
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


_SKIP_TAGS = {
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "svg", "iframe", "button", "select", "object", "embed", "canvas", "head",
}
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "main", "blockquote", "pre", "hr", "dd", "dt", "figcaption",
}
_VOID_TAGS = {"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "source", "wbr"}
_BOILERPLATE = re.compile(r"advert|\bads?\b|ad-|cookie|banner|promo|sidebar|menu|\bnav", re.I)
_DATE_META = {
    "article:published_time", "og:published_time", "datepublished", "date", "dc.date",
    "dc.date.issued", "publish-date", "pubdate", "sailthru.date",
}


class _VisibleText(HTMLParser):
    """Visible text, the title and a declared publication date; nothing is rendered or fetched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.published: str | None = None
        self._skip_stack: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): (value or "") for key, value in attrs}
        if tag == "title":
            self._in_title = True
        if tag == "meta":
            key = (values.get("property") or values.get("name") or values.get("itemprop") or "")
            if key.lower() in _DATE_META and values.get("content") and not self.published:
                self.published = values["content"]
        if tag == "time" and values.get("datetime") and not self.published:
            self.published = values["datetime"]
        if tag in _VOID_TAGS:
            if tag in _BLOCK_TAGS and not self._skip_stack:
                self.parts.append("\n")
            return
        marker = f"{values.get('class', '')} {values.get('id', '')} {values.get('role', '')}"
        if self._skip_stack or tag in _SKIP_TAGS or _BOILERPLATE.search(marker):
            self._skip_stack.append(tag)
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._skip_stack:
            # Pop back to the matching tag; tolerate unclosed inner tags.
            if tag in self._skip_stack:
                while self._skip_stack and self._skip_stack.pop() != tag:
                    pass
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
        elif not self._skip_stack:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)


def _parse_date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def html_main_text(html: str) -> tuple[str, str, date | None]:
    """(main text, title, publication date) of an HTML page; empty strings if nothing is found."""
    document = trafilatura.bare_extraction(
        html,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        # Only dates the page declares: a date mentioned in the story is not its publication date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = title = ""
    published: date | None = None
    if document is not None:
        text = str(getattr(document, "text", "") or "")
        title = str(getattr(document, "title", "") or "")
        published = _parse_date(getattr(document, "date", None))
    if not text.strip() or not title or published is None:
        parser = _VisibleText()
        parser.feed(html)
        parser.close()
        if not text.strip():
            text = parser.text()
        title = title or " ".join("".join(parser.title_parts).split())
        published = published or _parse_date(parser.published)
    return normalise_newlines(text).strip(), title.strip(), published


class HtmlReader:
    format: str = "html"
    extensions: tuple[str, ...] = (".html", ".htm", ".xhtml")
    streams: bool = False

    def sniff(self, head: bytes) -> bool:
        return bool(_HTML_START.match(head[:2048]))

    def read(self, source: Source, name: str) -> Iterator[ReadResult]:
        data = read_whole(source)
        html, encoding = decode_html(data)
        if not html.strip():
            raise IntakeFileError("empty file (no HTML)")
        body, title, published = html_main_text(html)
        if published is not None and published > date.today():
            published = None  # a page's metadata, not the events: drop it rather than refuse
        if not body:
            raise IntakeFileError("HTML page has no readable text")
        yield IntakeItem(
            title=short_title(title) if title else first_line_title(body),
            body=body,
            origin=Origin(name, 0, None, len(data)),
            kind_hint=SourceKind.NEWS,
            published_on=published,
            encoding=encoding,
        )

"""Readers: each format read into items, without a database. Fixtures are invented content."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from drachma.errors import ValidationError
from drachma.intake.readers import (
    IntakeFileError,
    IntakeItem,
    UnreadableItem,
    binary_reason,
    choose_reader,
)
from drachma.intake.readers import html as html_reader
from drachma.intake.readers.base import decode_text, guess_encoding
from drachma.intake.readers.eml import EmailReader, safe_filename
from drachma.intake.readers.html import HtmlReader
from drachma.intake.readers.mapping import parse_mapping
from drachma.intake.readers.tabular import CsvReader, JsonReader
from drachma.intake.readers.text import TextReader
from drachma.model.report import SourceKind

FIXTURES = Path(__file__).parent / "fixtures" / "intake"


def items(results: object) -> list[IntakeItem]:
    return [r for r in results if isinstance(r, IntakeItem)]  # type: ignore[attr-defined]


def test_utf8_bom_cp1252_and_latin1_are_decoded_and_recorded() -> None:
    assert decode_text("Grüße\r\nline".encode()) == ("Grüße\nline", "utf-8")
    assert decode_text(b"\xef\xbb\xbfhello")[1] == "utf-8-sig"
    text, encoding = decode_text((FIXTURES / "note-cp1252.txt").read_bytes())
    assert encoding == "cp1252"
    assert text.startswith("Café owner said “they filmed him” – about 20 people.\nSecond")
    # 0x81 is not a cp1252 character: latin-1 is the last resort and never fails.
    assert decode_text(b"abc \x81 def")[1] == "latin-1"
    assert guess_encoding("é".encode()[:1], complete=False) == "utf-8"


def test_text_reader_keeps_raw_text_with_normalised_line_endings() -> None:
    [item] = items(TextReader().read(b"First line\r\nsecond\rthird\n", "note.txt"))
    assert item.body == "First line\nsecond\nthird\n"
    assert item.title == "First line"
    assert item.encoding == "utf-8"


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"%PDF-1.7 ...", "PDF"),
        (b"PK\x03\x04rest", "ZIP"),
        (b"abc\x00def", "NUL"),
        (b"\xff\xfeh\x00i\x00", "UTF-16"),
        (bytes(range(1, 32)) * 10, "control"),
    ],
)
def test_binary_content_is_recognised_from_the_first_bytes(head: bytes, reason: str) -> None:
    found = binary_reason(head)
    assert found is not None and reason in found


def test_empty_and_blank_files_are_refused() -> None:
    with pytest.raises(IntakeFileError, match="empty file"):
        choose_reader("a.txt", b"")
    with pytest.raises(IntakeFileError, match="empty"):
        choose_reader("a.txt", b"  \n\t ")


def test_readers_are_chosen_by_extension_then_by_content() -> None:
    assert choose_reader("x.CSV", b"a,b\n1,2").format == "csv"
    assert choose_reader("x.jsonl", b'{"a": 1}').format == "json"
    assert choose_reader("x.dat", b"<!DOCTYPE html><html>").format == "html"
    assert choose_reader("message", (FIXTURES / "tip-off.eml").read_bytes()[:8192]).format == "eml"
    assert choose_reader("export", b'[{"text": "x"}]').format == "json"
    assert choose_reader("notes", b"From the desk of nobody in particular").format == "text"
    assert choose_reader("x.html", b"plain words", "text").format == "text"


def test_html_main_text_without_menus_and_adverts_title_and_date_kept() -> None:
    [item] = items(HtmlReader().read(FIXTURES / "article.html", "article.html"))
    assert item.title == "Man arrested after group confrontation in Rochdale"
    assert item.published_on == date(2024, 3, 14)
    assert item.kind_hint is SourceKind.NEWS
    assert "Northern Watchers UK confronted him" in item.body
    assert "released on bail" in item.body
    for boilerplate in ("ADVERTISEMENT", "Malaga", "Cookie settings", "Most read", "Weather",
                        "All rights reserved"):
        assert boilerplate not in item.body


def test_html_falls_back_to_html_parser_when_trafilatura_finds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(html_reader.trafilatura, "bare_extraction", lambda *a, **k: None)
    page = (b"<html><head><title>Fallback page</title>"
            b"<meta property='article:published_time' content='2023-05-06T10:00:00Z'>"
            b"<script>var tracking = 1;</script></head><body>"
            b"<nav><a href='/'>Home</a></nav><div class='advert-box'>Buy now</div>"
            b"<p>First paragraph of the story.</p><p>Second &amp; last.</p>"
            b"<footer>Footer links</footer></body></html>")
    [item] = items(HtmlReader().read(page, "page.html"))
    assert item.body == "First paragraph of the story.\nSecond & last."
    assert item.title == "Fallback page"
    assert item.published_on == date(2023, 5, 6)


def test_html_with_no_text_is_refused() -> None:
    with pytest.raises(IntakeFileError, match="no readable text"):
        list(HtmlReader().read(b"<html><body><script>x()</script></body></html>", "x.html"))


def test_email_body_headers_and_attachments() -> None:
    [item] = items(EmailReader().read(FIXTURES / "tip-off.eml", "tip-off.eml"))
    assert item.title == "Live stream outside the Co-op on Yorkshire Street"
    assert item.received_at is not None and item.received_at.date() == date(2024, 3, 12)
    assert item.body.startswith('From: "A. Resident" <resident@example.org>\n')
    assert "About 40 people were watching the stream." in item.body
    assert [(a.filename, a.media_type) for a in item.attachments] == [
        ("notes.txt", "text/plain"), ("screen shot.png", "image/png")]
    assert item.attachments[0].data.startswith(b"Screenshot notes")
    assert item.attachments[1].data.startswith(b"\x89PNG")


def test_attachment_names_lose_paths_and_control_characters() -> None:
    assert safe_filename("..\\..\\evil\x00.exe", "x") == "evil_.exe"
    assert safe_filename("", "attachment-1") == "attachment-1"
    assert safe_filename("../..", "attachment-2") == "attachment-2"


def test_csv_auto_detects_columns_delimiter_and_multiline_fields() -> None:
    results = list(CsvReader().read(FIXTURES / "incidents.csv", "incidents.csv"))
    got = items(results)
    assert [i.title for i in got] == ["Stream in Oldham", "Sting, Bury", "Leaflet"]
    assert got[1].body == "Multi-line text: first line\nsecond line, with a comma"
    assert got[0].grading == "2BP" and got[0].source_kind == "public"
    assert got[1].grading is None and got[1].source_kind is None
    assert got[0].received_at is not None and got[0].received_at.date() == date(2024, 3, 14)
    assert [i.origin.where for i in got] == ["line 2", "line 4", "line 5"]
    assert [i.origin.index for i in got] == [0, 1, 2]


def test_csv_explicit_mapping_and_bad_values_named() -> None:
    data = (b"Ref,Story,When,Heading\n"
            b"1,Text of the first,01/02/2024,First\n"
            b"2,Text of the second,31/02/2024,Second\n"
            b"3,,01/02/2024,Third\n"
            b"4,Too,many,fields,here\n")
    mapping = parse_mapping(["body=Story", "received=When", "title=Heading"])
    results = list(CsvReader(mapping).read(data, "x.csv"))
    assert isinstance(results[0], IntakeItem) and results[0].title == "First"
    assert isinstance(results[1], UnreadableItem) and "'When'" in results[1].reason
    assert "31/02/2024" in results[1].reason
    assert isinstance(results[2], UnreadableItem) and "'Story' is empty" in results[2].reason
    assert isinstance(results[3], UnreadableItem) and "5 fields" in results[3].reason


def test_csv_mapping_naming_a_missing_column_is_a_clear_error() -> None:
    with pytest.raises(IntakeFileError, match="'Headline' \\(given for title\\)"):
        list(CsvReader({"title": "Headline"}).read(b"Text\nabc\n", "x.csv"))
    with pytest.raises(IntakeFileError, match="--map body=COLUMN"):
        list(CsvReader().read(b"Alpha,Beta\n1,2\n", "x.csv"))


def test_csv_every_column_as_body() -> None:
    data = b"Force,Year,Incidents\nGMP,2023,41\n"
    [item] = items(CsvReader({"body": "*"}).read(data, "foi.csv"))
    assert item.body == "Force: GMP\nYear: 2023\nIncidents: 41"


@pytest.mark.parametrize("pair", ["title", "nonsense=X", "title=*", "=X"])
def test_bad_mapping_options_are_refused(pair: str) -> None:
    with pytest.raises(ValidationError):
        parse_mapping([pair])


def test_json_array_streams_objects_with_mapped_fields() -> None:
    got = items(JsonReader().read(FIXTURES / "articles.json", "articles.json"))
    assert [i.title for i in got] == ["Group disbanded", "Appeal for calm"]
    assert got[0].source_kind == "news"
    assert got[1].grading == "1BC" and got[1].conditions == "Not for onward sharing"
    assert got[1].visible_to == ["analyst", "investigator"]
    assert [i.origin.where for i in got] == ["item 1", "item 2"]


def test_json_lines_skip_a_bad_line_and_go_on() -> None:
    results = list(JsonReader().read(FIXTURES / "posts.jsonl", "posts.jsonl"))
    assert len(results) == 4
    assert isinstance(results[2], UnreadableItem) and results[2].origin.where == "line 3"
    ok = items(results)
    assert ok[0].published_on == date(2024, 3, 1)
    assert ok[2].body == "A bare string is taken as the text of a report."


def test_json_single_object_and_non_objects() -> None:
    [item] = items(JsonReader().read(b'{\n  "title": "One",\n  "body": "Only one"\n}\n', "o.json"))
    assert item.body == "Only one"
    results = list(JsonReader().read(b'[1, {"text": "ok"}, [2]]', "mixed.json"))
    assert [type(r).__name__ for r in results] == ["UnreadableItem", "IntakeItem",
                                                  "UnreadableItem"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"text": "one"}, {"text": "tw', "truncated JSON"),
        (b'[{"text": "one"}, ', "truncated JSON"),
        (b'[{"text": "one"} {"text": "two"}]', "expected ',' or ']'"),
        (b'{\n "text": "one",\n', "truncated JSON"),
    ],
)
def test_truncated_or_broken_json_is_named_after_the_good_items(data: bytes, message: str) -> None:
    reader = JsonReader()
    got: list[object] = []
    with pytest.raises(IntakeFileError, match=message):
        got.extend(reader.read(data, "broken.json"))
    if data.startswith(b"["):
        assert [i.body for i in items(got)] == ["one"]


def test_json_array_larger_than_one_chunk_is_read_in_pieces() -> None:
    body = "x" * 200_000
    data = ("[" + ",".join(f'{{"text": "{n} {body}"}}' for n in range(5)) + "]").encode()
    got = items(JsonReader().read(data, "big.json"))
    assert [i.body[:2] for i in got] == ["0 ", "1 ", "2 ", "3 ", "4 "]


def test_a_200_mb_binary_is_refused_from_its_first_bytes(tmp_path: Path) -> None:
    big = tmp_path / "dump.csv"
    with big.open("wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    started = time.perf_counter()
    with big.open("rb") as handle:
        head = handle.read(8192)
    with pytest.raises(IntakeFileError, match="NUL"):
        choose_reader(big.name, head, complete=False)
    assert time.perf_counter() - started < 1

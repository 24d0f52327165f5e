"""One time rule: stored in UTC, typed and read in UK time, the same in the CLI, the API and the
pages (drachma.model.dates)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from drachma.cli.app import app
from drachma.model.dates import (
    received_moment,
    uk_date,
    uk_datetime,
    uk_day,
    uk_day_end,
    uk_day_start,
    uk_today,
)
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report, list_reports, parse_filters, search_reports
from drachma.store.db import Store
from tests.conftest import ActorFactory
from tests.web import log_in

LATE_ON_1_JULY = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London (BST)


def test_23_30_utc_on_1_july_reads_as_00_30_on_2_july() -> None:
    assert uk_datetime(LATE_ON_1_JULY) == "02/07/2026 00:30"
    assert uk_date(LATE_ON_1_JULY) == "02/07/2026"
    assert uk_day(LATE_ON_1_JULY) == date(2026, 7, 2)
    # In winter UK time is UTC.
    assert uk_datetime(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)) == "15/01/2026 23:30"


def test_the_pages_use_the_same_formatter() -> None:
    from drachma.web import render

    assert render.uk_datetime is uk_datetime and render.uk_date is uk_date


def test_received_today_means_now_and_another_day_its_start_in_uk_time() -> None:
    now = LATE_ON_1_JULY
    assert uk_today(now) == date(2026, 7, 2)
    assert received_moment(date(2026, 7, 2), now) == now
    assert received_moment(date(2026, 7, 1), now) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert received_moment(date(2026, 1, 10), now) == datetime(2026, 1, 10, 0, 0, tzinfo=UTC)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_uk_day_starts_where_the_day_before_ends_and_lasts_23_to_25_hours(day: date) -> None:
    start, end = uk_day_start(day), uk_day_end(day)
    assert uk_day_end(day - timedelta(days=1)) == start
    assert uk_day(start) == day and uk_day(end - timedelta(microseconds=1)) == day
    assert timedelta(hours=23) <= end - start <= timedelta(hours=25)


def _late_report(store: Store, make_actor: ActorFactory) -> int:
    analyst = make_actor(Role.ANALYST)
    report = add_report(store, analyst, ReportDraft(
        title="Late stream", body="A group streamed a confrontation near Wigan bus station.",
        grading="2BP", received_at=LATE_ON_1_JULY))
    assert report.id is not None
    # Received on 2 July, UK time: the review date counts from that day.
    assert report.review_date == date(2032, 7, 2)
    return report.id


def _cli(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, ["--database", store.url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_and_the_page_print_the_same_uk_time(
    store: Store, make_actor: ActorFactory, client: Any
) -> None:
    report_id = _late_report(store, make_actor)
    assert "Received 02/07/2026 00:30" in _cli(store, "reports", "show", str(report_id))
    assert "02/07/2026 00:30" in _cli(store, "reports", "list")
    log_in(client, make_actor(Role.ANALYST))
    page = client.get(f"/reports/{report_id}").text
    assert "02/07/2026 00:30" in page and "01/07/2026 23:30" not in page


@pytest.mark.parametrize(("received_from", "received_to", "found"), [
    ("02/07/2026", "02/07/2026", True),
    ("01/07/2026", "01/07/2026", False),
    ("03/07/2026", None, False),
])
def test_filters_count_uk_days_in_listing_and_search(
    store: Store, make_actor: ActorFactory, received_from: str, received_to: str | None,
    found: bool,
) -> None:
    report_id = _late_report(store, make_actor)
    analyst = make_actor(Role.ANALYST)
    filters = parse_filters(received_from=received_from, received_to=received_to)
    listed, _ = list_reports(store, analyst, filters)
    searched = search_reports(store, analyst, "confrontation", filters).hits
    assert ([r.id for r in listed] == [report_id]) is found
    assert ([h.report.id for h in searched] == [report_id]) is found


def test_received_today_is_now_in_the_cli_and_on_the_form(
    store: Store, make_actor: ActorFactory, client: Any
) -> None:
    today = uk_today()
    before = datetime.now(UTC)
    out = _cli(store, "reports", "add", "--grading", "2BP", "--text", "Typed in the CLI today.",
               "--received", today.strftime("%d/%m/%Y"), "--json")
    from_cli = datetime.fromisoformat(re.search(r'"received_at": "([^"]+)"', out)[1])  # type: ignore[index]
    csrf = log_in(client, make_actor(Role.ANALYST))
    client.post("/reports/new", data={
        "csrf_token": csrf, "body": "Typed on the form today.", "grading": "2BP",
        "source_kind": "officer", "received_at-day": str(today.day),
        "received_at-month": str(today.month), "received_at-year": str(today.year),
    })
    after = datetime.now(UTC)
    page, _ = list_reports(store, make_actor(Role.ANALYST))
    from_form = next(r.received_at for r in page if r.body == "Typed on the form today.")
    for moment in (from_cli, from_form):
        assert before - timedelta(seconds=1) <= moment <= after + timedelta(seconds=1)


def test_another_day_is_its_uk_start_in_the_cli_and_on_the_form(
    store: Store, make_actor: ActorFactory, client: Any
) -> None:
    _cli(store, "reports", "add", "--grading", "2BP", "--text", "Typed in the CLI.",
         "--received", "01/07/2026")
    csrf = log_in(client, make_actor(Role.ANALYST))
    client.post("/reports/new", data={
        "csrf_token": csrf, "body": "Typed on the form.", "grading": "2BP",
        "source_kind": "officer", "received_at-day": "1", "received_at-month": "7",
        "received_at-year": "2026",
    })
    page, _ = list_reports(store, make_actor(Role.ANALYST))
    moments = {r.body: r.received_at for r in page}
    start = datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert moments == {"Typed in the CLI.": start, "Typed on the form.": start}

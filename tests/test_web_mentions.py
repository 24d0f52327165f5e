"""Mentions on the report page and in the API: highlighted in the text, listed by type, and
confirmed, corrected or rejected by analysts and supervisors.

Storage tests run on SQLite and on PostgreSQL (the ``store`` fixture).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drachma.access.actor import Actor
from drachma.model.mention import Mention, MentionType, Review
from drachma.model.roles import Role
from drachma.reports import ReportDraft, add_report, get_report, known_groups, mentions_of
from drachma.store.db import Store
from drachma.web.render import highlighted_mentions, mention_value
from tests.conftest import PASSWORD, ActorFactory
from tests.web import log_in

TEXT = (
    "A group called Lanternfield Watch confronted a 41-year-old man outside a shop in Wigan "
    "on Sunday. Greater Manchester Police arrested him. He wrote <script>alert(1)</script> & left."
)


def new_report(store: Store, actor: Actor, text: str = TEXT) -> int:
    report = add_report(store, actor, ReportDraft(title="Sting in Wigan", body=text,
                                                  grading="2BP"))
    assert report.id is not None
    return report.id


def stored_mentions(store: Store, actor: Actor, report_id: int) -> list[Mention]:
    return mentions_of(store, actor, get_report(store, actor, report_id))


def first(mentions: list[Mention], kind: MentionType) -> Mention:
    return next(m for m in mentions if m.type is kind)


def text_section(page: str) -> str:
    found = re.search(r'<div class="report-text[^"]*"[^>]*>(.*?)</div>', page, re.S)
    assert found
    return found.group(1)


def row(page: str, mention_id: int | None) -> str:
    found = re.search(rf'<tr id="mention-{mention_id}".*?</tr>', page, re.S)
    assert found, f"no row for mention {mention_id}"
    return found.group(0)


# --- highlighting ------------------------------------------------------------------------------

def _m(kind: MentionType, start: int, end: int, text: str, ident: int,
       review: Review = Review.PENDING) -> Mention:
    return Mention(type=kind, start=start, end=end, text=text[start:end], value=text[start:end],
                   confidence=0.9, review=review, id=ident)


def test_highlighting_escapes_the_text_and_skips_spans_inside_another() -> None:
    text = "<b>Greater Manchester Police</b> arrested a man & left"
    force = _m(MentionType.FORCE, 3, 28, text, 1)
    nested = _m(MentionType.PLACE, 3, 21, text, 2)        # inside the force: not marked
    overlap = _m(MentionType.OUTCOME, 22, 41, text, 3)    # starts inside the force: not marked
    rejected = _m(MentionType.PERSON, 42, 51, text, 4, Review.REJECTED)
    stale = Mention(type=MentionType.DATE, start=52, end=60, text="Sunday", value="x",
                    confidence=0.5, id=5)                 # past the end of the text
    result, marked = highlighted_mentions(text, [overlap, nested, force, rejected, stale])
    assert marked == {1}
    assert str(result) == (
        '&lt;b&gt;<mark class="m-FORCE" id="m-1" title="Police force: Greater Manchester Police '
        '(read by machine, unconfirmed)">Greater Manchester Police</mark>&lt;/b&gt; '
        "arrested a man &amp; left"
    )


def test_a_mention_title_and_value_are_escaped_and_dates_are_day_first() -> None:
    text = 'on "Sunday"'
    date = Mention(type=MentionType.DATE, start=0, end=11, text=text, value="2024-05-05",
                   confidence=0.75, attributes={"original": text, "granularity": "day"}, id=7)
    assert mention_value(date) == '05/05/2024 (“on "Sunday"”)'
    result, _ = highlighted_mentions(text, [date])
    assert 'title="Date: 05/05/2024 (“on &#34;Sunday&#34;”) (read by machine' in str(result)
    assert ">on &#34;Sunday&#34;</mark>" in str(result)


def test_the_report_page_highlights_mentions_and_escapes_the_text(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    log_in(client, analyst)

    page = client.get(f"/reports/{report_id}").text
    body = text_section(page)
    found = stored_mentions(store, analyst, report_id)
    group = first(found, MentionType.GROUP)
    assert (f'<mark class="m-GROUP" id="m-{group.id}" title="Group: Lanternfield Watch '
            '(read by machine, unconfirmed)">Lanternfield Watch</mark>') in body
    assert re.search(r'<mark class="m-FORCE" id="m-\d+" title="Police force: Greater Manchester '
                     r'Police \(greater-manchester\)', body)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; left." in body
    assert "<script>" not in page
    # Everything marked in the text comes back as the text itself, untouched.
    assert html.unescape(re.sub(r"</?mark[^>]*>", "", body)) == TEXT

    # The table lists every mention by type, with the normalised value, the confidence and
    # whether anyone has confirmed it.
    place = row(page, first(found, MentionType.PLACE).id)
    assert "“Wigan”" in place and "Greater Manchester Police" in place
    assert "90%" in place and "Read by machine, unconfirmed" in place
    date = row(page, first(found, MentionType.DATE).id)
    assert re.search(r"\d\d/\d\d/\d{4} \(“on Sunday”\)", date)
    assert "Read by machine, unconfirmed" in page and "never that it is true" in page
    assert "Group (1)" in page and "Police force (1)" in page


def test_a_mention_inside_another_is_listed_but_not_highlighted(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    log_in(client, analyst)
    page = client.get(f"/reports/{report_id}?order=text").text
    found = stored_mentions(store, analyst, report_id)
    force = first(found, MentionType.FORCE)
    inside = [m for m in found if force.start < m.start < force.end]
    assert inside, "the extractor should find an outcome overlapping the force"
    for m in inside:
        assert f'id="m-{m.id}"' not in page
        assert "not highlighted" in row(page, m.id)
    rows = re.findall(r'<tr id="mention-(\d+)"', page)
    assert [int(r) for r in rows] == [m.id for m in sorted(found, key=lambda m: (m.start, m.end))]


# --- who may review ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("role", "may_review"),
    [(Role.ANALYST, True), (Role.SUPERVISOR, True), (Role.OFFICER, False),
     (Role.INVESTIGATOR, False), (Role.DISCLOSURE_OFFICER, False)],
)
def test_review_forms_are_only_for_analysts_and_supervisors(
    client: TestClient, store: Store, make_actor: ActorFactory, role: Role, may_review: bool
) -> None:
    report_id = new_report(store, make_actor(Role.ANALYST))
    log_in(client, make_actor(role))
    page = client.get(f"/reports/{report_id}").text
    assert "Lanternfield Watch" in page and "mention-list" in page
    assert (f'action="/reports/{report_id}/mentions/' in page) is may_review
    assert ('value="confirmed"' in page) is may_review
    assert ("Read again" in page) is may_review


def test_a_role_without_review_rights_gets_403_even_with_the_csrf_token(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    group = first(stored_mentions(store, analyst, report_id), MentionType.GROUP)
    csrf = log_in(client, make_actor(Role.OFFICER))
    response = client.post(f"/reports/{report_id}/mentions/{group.id}",
                           data={"csrf_token": csrf, "decision": "confirmed"})
    assert response.status_code == 403
    extract = client.post(f"/reports/{report_id}/mentions/extract", data={"csrf_token": csrf})
    assert extract.status_code == 403
    assert first(stored_mentions(store, analyst, report_id), MentionType.GROUP).review \
        is Review.PENDING


# --- reviewing through the forms ---------------------------------------------------------------

def test_confirming_through_the_form_needs_csrf_and_comes_back_to_the_mention(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    place = first(stored_mentions(store, analyst, report_id), MentionType.PLACE)
    csrf = log_in(client, analyst)
    url = f"/reports/{report_id}/mentions/{place.id}"

    for bad in ({"decision": "confirmed"}, {"decision": "confirmed", "csrf_token": "wrong"}):
        refused = client.post(url, data=bad)
        assert refused.status_code == 403
        assert "CSRF" in refused.text
    assert first(stored_mentions(store, analyst, report_id), MentionType.PLACE).review \
        is Review.PENDING

    response = client.post(url, data={"csrf_token": csrf, "decision": "confirmed"},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == (
        f"/reports/{report_id}?reviewed={place.id}#mention-{place.id}")
    page = client.get(response.headers["location"]).text
    assert "Your review is saved." in page
    confirmed = row(page, place.id)
    assert "Confirmed</strong> by analyst1" in confirmed
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", confirmed)
    assert "Read by machine, unconfirmed" not in confirmed
    assert "(confirmed)" in text_section(page)


def test_correcting_through_the_form_keeps_the_reading_and_shows_errors_by_the_field(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    place = first(stored_mentions(store, analyst, report_id), MentionType.PLACE)
    csrf = log_in(client, analyst)
    url = f"/reports/{report_id}/mentions/{place.id}"

    # Nothing changed: the page again, the message next to the value, nothing saved.
    unchanged = client.post(url, data={"csrf_token": csrf, "decision": "corrected",
                                       "value": "Wigan", "type": "PLACE"})
    assert unchanged.status_code == 422
    problem = row(unchanged.text, place.id)
    assert re.search(r'<details class="govuk-details[^"]*" open>', problem)
    assert f'id="value-{place.id}-error"' in problem and "confirm it" in problem
    assert re.search(rf'class="govuk-input[^"]*govuk-input--error" id="value-{place.id}"[^>]*'
                     r'autofocus', problem)
    bad_type = client.post(url, data={"csrf_token": csrf, "decision": "corrected",
                                      "value": "Wigan", "type": "SPACESHIP"})
    assert bad_type.status_code == 422
    assert f'id="type-{place.id}-error"' in bad_type.text
    assert first(stored_mentions(store, analyst, report_id), MentionType.PLACE).review \
        is Review.PENDING

    done = client.post(url, data={"csrf_token": csrf, "decision": "corrected",
                                  "value": "Wigan town centre", "type": "PLACE"})
    assert done.status_code == 200  # followed the redirect back to the report
    corrected = row(done.text, place.id)
    assert "Wigan town centre" in corrected
    assert "Corrected</strong> by analyst1" in corrected
    assert "read by machine as Wigan" in corrected

    # Correcting the type moves the mention to its new group.
    date = first(stored_mentions(store, analyst, report_id), MentionType.DATE)
    client.post(f"/reports/{report_id}/mentions/{date.id}",
                data={"csrf_token": csrf, "decision": "corrected", "value": "", "type": "PLACE"})
    again = first([m for m in stored_mentions(store, analyst, report_id) if m.id == date.id],
                  MentionType.PLACE)
    assert again.review is Review.CORRECTED and again.value == date.value


def test_rejecting_through_the_form_removes_the_highlight_but_keeps_the_row(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    supervisor = make_actor(Role.SUPERVISOR)
    report_id = new_report(store, make_actor(Role.ANALYST))
    age = first(stored_mentions(store, supervisor, report_id), MentionType.AGE_SUBJECT)
    csrf = log_in(client, supervisor)
    page = client.post(f"/reports/{report_id}/mentions/{age.id}",
                       data={"csrf_token": csrf, "decision": "rejected"}).text
    assert f'id="m-{age.id}"' not in text_section(page)
    rejected = row(page, age.id)
    assert 'review-rejected"' in rejected
    assert "Rejected</strong> by supervisor1" in rejected


# The review controls of every mention as GOV.UK Frontend's macros make them: the page writes this
# markup out (the macros, called for each mention, were most of a report page's time under load,
# bench/load.py) and must keep giving the same controls.
GOVUK_REVIEW_CONTROLS = """
{%- from "govuk_frontend_jinja/components/button/macro.html" import govukButton -%}
{%- from "govuk_frontend_jinja/components/input/macro.html" import govukInput -%}
{%- from "govuk_frontend_jinja/components/select/macro.html" import govukSelect -%}
{% set what = m.type|mention_type_label ~ " “" ~ m.text ~ "”" %}
{% set hidden = "<span class=\\"govuk-visually-hidden\\"> "|safe %}
<form method="post" action="/reports/{{ report_id }}/mentions/{{ m.id }}"
 class="drachma-inline-form">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
{% if m.review.value != "confirmed" %}{{ govukButton({
  "html": ("Confirm"|safe) ~ hidden ~ what ~ ("</span>"|safe), "name": "decision",
  "value": "confirmed", "classes": "govuk-button--secondary govuk-!-margin-right-1"}) }}{% endif %}
{% if m.review.value != "rejected" %}{{ govukButton({
  "html": ("Reject"|safe) ~ hidden ~ what ~ ("</span>"|safe), "name": "decision",
  "value": "rejected", "classes": "govuk-button--warning"}) }}{% endif %}
</form>
<details class="govuk-details govuk-!-margin-bottom-0">
<summary class="govuk-details__summary"><span class="govuk-details__summary-text">Correct
{{- hidden }}{{ what }}</span></span></summary>
<div class="govuk-details__text">
<form method="post" action="/reports/{{ report_id }}/mentions/{{ m.id }}" novalidate>
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<input type="hidden" name="decision" value="corrected">
{{ govukInput({"label": {"text": "Corrected value"}, "id": "value-" ~ m.id, "name": "value",
               "value": m.value, "autocomplete": "off", "classes": "govuk-input--width-20",
               "attributes": {"maxlength": "300"}}) }}
{% set type_items = [] %}
{% for t in types %}{% set _ = type_items.append({"value": t.value,
  "text": t|mention_type_label, "selected": m.type.value == t.value}) %}{% endfor %}
{{ govukSelect({"label": {"text": "Type"}, "id": "type-" ~ m.id, "name": "type",
                "items": type_items, "attributes": {}}) }}
{{ govukButton({"text": "Save correction", "classes": "govuk-!-margin-bottom-0"}) }}
</form>
</div>
</details>
"""


def same_markup(html_text: str) -> str:
    """Markup with every run of white space made one space: what a browser shows the same."""
    return re.sub(r"\s+", " ", html_text).strip()


def test_the_review_controls_are_govuk_frontends_markup(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    from drachma.web.render import templates

    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    found = stored_mentions(store, analyst, report_id)
    csrf = log_in(client, analyst)
    place, group, date = (first(found, kind) for kind in
                          (MentionType.PLACE, MentionType.GROUP, MentionType.DATE))
    url = f"/reports/{report_id}/mentions/"
    client.post(f"{url}{group.id}", data={"csrf_token": csrf, "decision": "confirmed"})
    client.post(f"{url}{date.id}", data={"csrf_token": csrf, "decision": "rejected"})
    client.post(f"{url}{place.id}", data={"csrf_token": csrf, "decision": "corrected",
                                          "value": "Wigan & \"Pier\" <b>'s", "type": "GROUP"})
    page = client.get(f"/reports/{report_id}").text
    macros = templates.env.from_string(GOVUK_REVIEW_CONTROLS)

    mentions = stored_mentions(store, analyst, report_id)
    assert {m.review for m in mentions} >= {Review.PENDING, Review.CONFIRMED, Review.REJECTED,
                                             Review.CORRECTED}
    for mention in mentions:
        cell = re.search(r'<td class="govuk-table__cell review-forms">(.*?)</td>',
                         row(page, mention.id), re.S)
        assert cell, mention
        written_out = cell.group(1)
        expected = macros.render(m=mention, report_id=report_id, csrf_token=csrf,
                                 types=list(MentionType))
        assert same_markup(written_out) == same_markup(expected), mention
    assert "Wigan &amp; &#34;Pier&#34; &lt;b&gt;&#39;s" in page


def test_a_mention_of_another_report_is_a_404(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    one = new_report(store, analyst)
    other = new_report(store, analyst, "Shadow Watch North streamed a sting in Bolton.")
    mention = stored_mentions(store, analyst, one)[0]
    stored_mentions(store, analyst, other)
    csrf = log_in(client, analyst)
    response = client.post(f"/reports/{other}/mentions/{mention.id}",
                           data={"csrf_token": csrf, "decision": "confirmed"})
    assert response.status_code == 404


def test_reading_again_keeps_reviewed_mentions(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    force = first(stored_mentions(store, analyst, report_id), MentionType.FORCE)
    csrf = log_in(client, analyst)
    client.post(f"/reports/{report_id}/mentions/{force.id}",
                data={"csrf_token": csrf, "decision": "rejected"})

    assert client.post(f"/reports/{report_id}/mentions/extract", data={}).status_code == 403
    response = client.post(f"/reports/{report_id}/mentions/extract", data={"csrf_token": csrf},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/reports/{report_id}?read_again=1#mentions-title"
    page = client.get(response.headers["location"]).text
    assert "Mentions already reviewed were kept" in page
    assert "Rejected</strong> by analyst1" in row(page, force.id)
    forces = [m for m in stored_mentions(store, analyst, report_id)
              if m.type is MentionType.FORCE]
    assert [(m.id, m.review) for m in forces] == [(force.id, Review.REJECTED)]


def test_a_confirmed_new_group_is_recognised_on_a_later_reports_page(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    group = first(stored_mentions(store, analyst, report_id), MentionType.GROUP)
    csrf = log_in(client, analyst)
    client.post(f"/reports/{report_id}/mentions/{group.id}",
                data={"csrf_token": csrf, "decision": "confirmed"})
    assert ("Lanternfield Watch", ()) in known_groups(store)

    # No "a group called" here: only the confirmed name lets the extractor see the group.
    later = new_report(store, analyst, "Lanternfield Watch posted another video on Tuesday.")
    body = text_section(client.get(f"/reports/{later}").text)
    assert re.search(r'<mark class="m-GROUP" id="m-\d+" title="Group: Lanternfield Watch '
                     r'\(read by machine, unconfirmed\)">Lanternfield Watch</mark>', body)


def test_a_code_c_report_hides_its_mentions_from_roles_it_does_not_allow(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    report = add_report(store, make_actor(Role.SUPERVISOR), ReportDraft(
        title="Covert", body=TEXT, grading="1AC", handling_conditions="Investigators only",
        visible_to=["investigator"]))
    log_in(client, make_actor(Role.ANALYST))
    denied = client.get(f"/reports/{report.id}")
    assert denied.status_code == 403 and "Lanternfield" not in denied.text
    assert client.get(f"/api/reports/{report.id}/mentions").status_code == 403


# --- the API -----------------------------------------------------------------------------------

def api_token(client: TestClient, actor: Actor) -> dict[str, str]:
    response = client.post("/api/login", json={"username": actor.name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_api_lists_mentions_and_takes_reviews(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    headers = api_token(client, analyst)

    listed = client.get(f"/api/reports/{report_id}/mentions", headers=headers)
    assert listed.status_code == 200
    body: dict[str, Any] = listed.json()
    assert body["report_id"] == report_id and "never that it is true" in body["notice"]
    by_type = {m["type"]: m for m in body["items"]}
    force = by_type["FORCE"]
    assert force["value"] == "greater-manchester"
    assert force["value_described"] == "Greater Manchester Police (greater-manchester)"
    assert force["text"] == "Greater Manchester Police"
    assert TEXT[force["start"]:force["end"]] == force["text"]
    assert force["review"] == "pending" and force["machine_read_unconfirmed"] is True

    url = f"/api/reports/{report_id}/mentions"
    confirmed = client.post(f"{url}/{force['id']}", headers=headers,
                            json={"decision": "confirmed"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["review"] == "confirmed"
    assert confirmed.json()["reviewed_by"] == "analyst1"
    assert confirmed.json()["machine_read_unconfirmed"] is False

    place = by_type["PLACE"]
    corrected = client.post(f"{url}/{place['id']}", headers=headers,
                            json={"decision": "corrected", "value": "Wigan town centre"})
    assert corrected.json()["value"] == "Wigan town centre"
    assert corrected.json()["attributes"]["extracted_value"] == "Wigan"
    retyped = client.post(f"{url}/{by_type['DATE']['id']}", headers=headers,
                          json={"decision": "corrected", "type": "OUTCOME"})
    assert retyped.status_code == 200 and retyped.json()["type"] == "OUTCOME"
    rejected = client.post(f"{url}/{by_type['AGE_SUBJECT']['id']}", headers=headers,
                           json={"decision": "rejected"})
    assert rejected.json()["review"] == "rejected"

    again = client.get(url, headers=headers).json()["items"]
    assert {m["id"]: m["review"] for m in again}[force["id"]] == "confirmed"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"decision": "pending"}, "decision"),
     ({"decision": "corrected"}, "value"),
     ({"decision": "corrected", "type": "SPACESHIP"}, "type"),
     ({"decision": "confirmed", "note": "x"}, "note")],
)
def test_the_api_refuses_a_bad_review_with_the_field_named(
    client: TestClient, store: Store, make_actor: ActorFactory, body: dict[str, str], field: str
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    mention = stored_mentions(store, analyst, report_id)[0]
    response = client.post(f"/api/reports/{report_id}/mentions/{mention.id}",
                           headers=api_token(client, analyst), json=body)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_the_api_review_needs_the_permission_and_csrf_with_the_cookie(
    client: TestClient, store: Store, make_actor: ActorFactory
) -> None:
    analyst = make_actor(Role.ANALYST)
    report_id = new_report(store, analyst)
    mention = stored_mentions(store, analyst, report_id)[0]
    url = f"/api/reports/{report_id}/mentions/{mention.id}"

    officer = api_token(client, make_actor(Role.OFFICER))
    assert client.get(f"/api/reports/{report_id}/mentions", headers=officer).status_code == 200
    assert client.post(url, headers=officer, json={"decision": "confirmed"}).status_code == 403

    login = client.post("/api/login", json={"username": analyst.name, "password": PASSWORD})
    no_csrf = client.post(url, json={"decision": "confirmed"})
    assert no_csrf.status_code == 403 and no_csrf.json()["field"] == "csrf_token"
    with_csrf = client.post(url, json={"decision": "confirmed"},
                            headers={"X-CSRF-Token": login.json()["csrf_token"]})
    assert with_csrf.status_code == 200
    assert client.post(f"/api/reports/{report_id}/mentions/999999", json={"decision": "rejected"},
                       headers={"X-CSRF-Token": login.json()["csrf_token"]}).status_code == 404

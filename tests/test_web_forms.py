"""How the pages read GOV.UK Frontend form patterns, and which navigation item is marked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from drachma.access.actor import Actor
from drachma.model.roles import Role
from drachma.model.user import User
from drachma.web.forms import date_value
from drachma.web.render import date_parts, navigation


def test_a_date_input_is_read_as_day_month_year() -> None:
    params = {"received_at-day": "5", "received_at-month": "6", "received_at-year": "2024"}
    assert date_value(params, "received_at") == "5/6/2024"


def test_an_empty_date_input_is_empty_and_a_single_field_is_read_as_it_is() -> None:
    assert date_value({"received_at-day": "", "received_at-month": " "}, "received_at") == ""
    assert date_value({"received_from": "01/01/2019"}, "received_from") == "01/01/2019"


def test_a_partly_filled_date_keeps_its_gaps_so_the_parser_refuses_it() -> None:
    assert date_value({"d-day": "5", "d-year": "2024"}, "d") == "5//2024"


@given(st.text(alphabet="0123456789", max_size=2), st.text(alphabet="0123456789", max_size=2),
       st.text(alphabet="0123456789", max_size=4))
def test_what_was_typed_goes_back_into_the_same_boxes(day: str, month: str, year: str) -> None:
    typed = date_value({"d-day": day, "d-month": month, "d-year": year}, "d")
    assert date_parts(typed) == ((day, month, year) if typed else ("", "", ""))


def _actor(role: Role) -> Actor:
    user = User(id=1, username="jo", display_name="Jo", role=role)
    return Actor(user, "127.0.0.1")


def test_the_navigation_shows_what_the_role_may_use_with_the_section_marked() -> None:
    items = navigation("/reports/12", _actor(Role.ANALYST))
    assert [i["text"] for i in items] == ["Reports", "Add report", "Take in files",
                                        "Public reports", "Analytics",
                                        "Who is who",  # --- linkage (issue 11) ---
                                        "Share"]  # --- sharing (issue 11) ---
    assert [i["text"] for i in items if i["active"]] == ["Reports"]
    adding = navigation("/reports/new", _actor(Role.ANALYST))
    assert [i["text"] for i in adding if i["active"]] == ["Add report"]
    assert [i["text"] for i in navigation("/audit", _actor(Role.ADMIN))] == ["Audit log"]
    assert navigation("/login", None) == []

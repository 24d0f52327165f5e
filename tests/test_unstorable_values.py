"""Values the database cannot hold are bad input (4xx), never a server error, on both databases:
integers beyond the column's range (found by the schemathesis fuzz run: ``GET
/api/reports/9223372036854775808`` was an unhandled ``OverflowError``; a PostgreSQL ``integer``
ends at 2^31) and NUL characters in text (which PostgreSQL refuses)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from drachma.model.roles import Role
from tests.conftest import ActorFactory
from tests.test_web_api import NEW_REPORT, api_login, stored


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_a_huge_report_id_is_a_4xx_not_a_server_error(
    client: TestClient, make_actor: ActorFactory, number: int
) -> None:
    token = api_login(client, make_actor, Role.ANALYST)["token"]
    answer = client.get(f"/api/reports/{number}", headers={"Authorization": f"Bearer {token}"})
    assert 400 <= answer.status_code < 500, answer.text


def test_a_nul_character_in_a_report_is_refused_or_stored_never_a_500(
    client: TestClient, make_actor: ActorFactory, store: object
) -> None:
    token = api_login(client, make_actor, Role.ANALYST)["token"]
    answer = client.post("/api/reports", headers={"Authorization": f"Bearer {token}"},
                         json={**NEW_REPORT, "body": "A post \x00 with a NUL in it."})
    assert answer.status_code == 201 or 400 <= answer.status_code < 500, answer.text
    if answer.status_code != 201:
        assert stored(store) == 0  # type: ignore[arg-type]

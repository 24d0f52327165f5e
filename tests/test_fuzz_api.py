"""Fuzzing the JSON API with schemathesis: every operation of the OpenAPI document, logged in with a
bearer token as each role, gets generated input (valid and invalid); no answer may be a server error
(5xx), and every answer must match what the document says (status code, content type, body schema).

The fuzz run uses SQLite only: it tests the web layer's handling of hostile input (validation,
error mapping, access control), which is the same code on both databases; what differs per database
(NUL bytes, huge integers reaching SQL) has its own tests on both backends in the storage and API
tests, and a fuzz run per backend would double the time for little more. The number of examples
per operation is bounded and generation is derandomised, so the run is repeatable and its time
bounded.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from drachma.demo.load import DEMO_USERS, demo_password, load_demo
from drachma.evidence.keys import ensure_evidence_keys
from drachma.model.roles import Role
from drachma.store.db import Store
from drachma.web.app import create_app
from tests.web import settings_for

EXAMPLES = 5  # of each kind (valid, invalid) per operation and role
# Log-out (or ending one's own session by its id) would end the session the rest of the run
# needs; they have their own tests.
SKIPPED = {("POST", "/api/logout"), ("DELETE", "/api/me/sessions/{session_id}")}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@dataclass
class Fuzzed:
    app: FastAPI
    tokens: dict[Role, str]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, _sqlite_template: Path) -> Iterator[Fuzzed]:
    home = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(_sqlite_template, home / "drachma.db")
    store = Store(f"sqlite:///{home / 'drachma.db'}")
    load_demo(store, 0, reports=40, incidents=10, investigations=2, progress=False)
    settings = settings_for(store, home)
    ensure_evidence_keys(settings.evidence_settings())  # as `drachma init` does
    app = create_app(store, settings)
    tokens = {}
    with TestClient(app) as client:
        for name, role in DEMO_USERS:
            answer = client.post("/api/login", json={"username": name,
                                                      "password": demo_password(name)})
            assert answer.status_code == 200, answer.text
            tokens[role] = answer.json()["token"]
    yield Fuzzed(app, tokens)
    store.dispose()


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    return [result.ok() for result in schema.get_all_operations()]


def fuzz_operation(operation: Any, mode: GenerationMode, auth: dict[str, str]) -> list[str]:
    """Send ``EXAMPLES`` generated requests to one operation; what went wrong, one line each."""
    failures: list[str] = []
    label = f"{operation.method.upper()} {operation.path} ({mode.value})"

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        try:
            response = case.call(headers=auth)
        except Exception as exc:  # the test transport re-raises what would be a 500
            failures.append(f"{label}: 500, {type(exc).__name__}: {exc}"[:800])
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except BaseException as exc:  # schemathesis raises an exception group
            failures.append(f"{label}: {exc}"[:800])

    try:
        fuzz()
    except Unsatisfiable:
        # No invalid input exists for an operation without parameters or body.
        assert mode is GenerationMode.NEGATIVE
    return failures


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_no_operation_answers_a_role_with_a_server_error_or_off_its_schema(
    fuzzed: Fuzzed, role: Role
) -> None:
    auth = {"Authorization": f"Bearer {fuzzed.tokens[role]}"}
    failures: list[str] = []
    for operation in _operations(fuzzed.app):
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += fuzz_operation(operation, mode, auth)
    assert not failures, "\n\n".join(failures)

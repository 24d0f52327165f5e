"""The demo data set includes a few invented exhibits with their custody history."""

from __future__ import annotations

from pathlib import Path

import pytest

from drachma.config import load_settings
from drachma.demo.evidence import load_demo_exhibits
from drachma.evidence import disclosure
from drachma.evidence.custody import history
from drachma.evidence.exhibits import list_exhibits
from drachma.evidence.locker import open_locker
from drachma.evidence.verify import verify_locker
from drachma.model.incident import Investigation
from drachma.model.roles import Role
from drachma.store.db import Store
from drachma.store.entities import insert_investigation
from tests.conftest import ActorFactory


def test_demo_exhibits_load_once_and_verify(store: Store, make_actor: ActorFactory,
                                            tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRACHMA_HOME", str(tmp_path))
    with store.begin() as conn:
        case = insert_investigation(conn, Investigation("OP DEMO", "DS Demo", None))
    assert load_demo_exhibits(store) == 6
    assert load_demo_exhibits(store) == 0  # already there
    actor = make_actor(Role.INVESTIGATOR)
    found, total = list_exhibits(store, actor)
    assert total == 6
    assert [e.media_type for e in found if e.reference.startswith("AD/1/")] == [
        "text/plain", "text/plain", "text/plain", "image/png"]
    assert [e.action.value for e in history(store, actor, "AD/1")] == [
        "received", "transferred", "returned"]
    assert [i.exhibit_reference for i in disclosure.schedule_items(store, actor, case)] == ["AD/2"]
    assert verify_locker(store, open_locker(load_settings().evidence_settings())).ok

"""Subject access requests (Data Protection Act 2018 Part 3, section 45).

:func:`subject_access` gathers everything Drachma holds that names a person (reports, incident
and investigation subjects, exhibits' descriptions, audit entries), marks on each item the
exemption a person must consider before it is disclosed (``data/sar_exemptions.toml``), writes
it all to one JSON file for the records officer, and records the request in the audit log. It
never decides what is disclosed: every item is marked ``decision: "to decide"``.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import SubjectAccessGathered
from drachma.access.permissions import Permission
from drachma.errors import DrachmaError, ValidationError
from drachma.store import records as records_store
from drachma.store.db import Store

MAX_PER_KIND = 1000
KINDS = ("report", "incident_subject", "investigation_subject", "exhibit", "audit")


class ExemptionsFileError(DrachmaError):
    kind = "sar_exemptions"
    http_status = 500


@dataclass(frozen=True, slots=True)
class SubjectAccessResult:
    path: Path
    items: int
    by_kind: dict[str, int]
    truncated: list[str]


def load_exemptions() -> tuple[str, dict[str, str]]:
    """The source named in the file and the exemption note for each kind of record."""
    text = resources.files("drachma.records").joinpath("data/sar_exemptions.toml").read_text(
        encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExemptionsFileError(f"sar_exemptions.toml is not valid TOML: {exc}") from None
    source, kinds = data.get("source"), data.get("kinds")
    if not isinstance(source, str) or not isinstance(kinds, dict):
        raise ExemptionsFileError("sar_exemptions.toml needs a source and a [kinds] table")
    missing = [k for k in KINDS if not isinstance(kinds.get(k), str) or not kinds[k].strip()]
    if missing:
        raise ExemptionsFileError(f"sar_exemptions.toml has no exemption note for {missing}")
    return source, {k: str(kinds[k]) for k in KINDS}


def _check_name(name: str) -> str:
    text = " ".join((name or "").split())
    if len(text) < 3:
        raise ValidationError("give the person's name (at least 3 characters)", field="name")
    if len(text) > 200:
        raise ValidationError("the name is longer than 200 characters", field="name")
    return text


def subject_access(store: Store, actor: Actor, name: str, out: Path, *,
                   reference: str) -> SubjectAccessResult:
    """Gather everything held that names ``name`` into the new JSON file ``out``; audited with
    the request's ``reference`` (the force's SAR case number)."""
    actor.require(Permission.MANAGE_RECORDS)
    who = _check_name(name)
    case = " ".join((reference or "").split())
    if not case or len(case) > 64:
        raise ValidationError("give the request's case reference (at most 64 characters)",
                              field="reference")
    if out.exists():
        raise ValidationError(f"{out} exists already; name a new file", field="out")
    source, notes = load_exemptions()
    with store.begin() as conn:
        held = records_store.held_about(conn, who, MAX_PER_KIND)
        audit.record(conn, actor, SubjectAccessGathered(reference=case, items=len(held)))
    by_kind = {k: sum(1 for h in held if h.kind == k) for k in KINDS}
    truncated = [k for k, n in by_kind.items() if n >= MAX_PER_KIND]
    document = {
        "subject_access_request": case,
        "name_searched": who,
        "gathered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "gathered_by": actor.name,
        "exemptions_source": source,
        "notice": "Everything below names the person; nothing is disclosed until a person has "
                  "decided each item's exemption. Reports are allegations, not proven facts.",
        "truncated_kinds": truncated,
        "items": [{"kind": h.kind, "record": h.record_id, "text": h.text,
                   "source_kind": h.source_kind, "exemption_to_consider": notes[h.kind],
                   "decision": "to decide"} for h in held],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    return SubjectAccessResult(out, len(held), by_kind, truncated)

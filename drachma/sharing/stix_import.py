"""A STIX 2.1 bundle from another force taken in as graded reports for review, never as facts.

Each ``report`` and each ``incident`` in the bundle becomes one Drachma report (source kind
"partner agency"), whose text is the sender's account with the objects it refers to listed as
"named in it, not confirmed". No group, person, place or incident record is created or changed:
an analyst reads the report, and its mentions go through review like any other report's.

Grading: the sender's 3x5x2 marking (``x-uk-3x5x2-grading``) is kept as it was given, conditions
and all; without one, a TLP:AMBER or TLP:RED marking makes handling code C with the TLP rule as
its condition; otherwise the import's own grading applies (default ``2CP``: source untested,
known indirectly, as it came through another agency). Statement markings are added to the
conditions of a code C report.

Checked before anything is written (``docs/sharing.md``): the size of the file, that it is JSON,
a bundle, of at most :data:`MAX_OBJECTS` objects, each of a known type and spec version 2.1, that
``stix2`` accepts it, and that no string holds a control character; then every report is checked
as if typed, and all are stored in one transaction with their audit entries. Any refusal names
what was wrong and stores nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import stix2
from stix2.exceptions import STIXError

from drachma.access import audit
from drachma.access.actor import Actor
from drachma.access.events import ReportAdded, StixBundleImported
from drachma.access.permissions import Permission
from drachma.analytics import upkeep
from drachma.errors import ConflictError, DrachmaError, ValidationError
from drachma.model.grading import parse_grading
from drachma.model.report import Report, SourceKind
from drachma.model.roles import parse_role
from drachma.reports.drafts import MAX_BODY, MAX_TITLE, ReportDraft, validate
from drachma.sharing.stix_export import GRADING_MARKING, GradingMarking  # noqa: F401 (registers)
from drachma.store import reports as report_store
from drachma.store.db import Store

MAX_BYTES = 5 * 1024 * 1024
MAX_OBJECTS = 5_000
MAX_REPORTS = 1_000
MAX_DEPTH = 12  # a bundle's objects hold lists of dicts of lists at most; 12 leaves room
DEFAULT_GRADING = "2CP"
KNOWN_TYPES = frozenset({
    "report", "incident", "threat-actor", "intrusion-set", "identity", "location",
    "relationship", "marking-definition", "note", "campaign", "attack-pattern", "indicator",
    "observed-data", "opinion", "grouping", "sighting",
})
TAKEN_IN = ("report", "incident")
NAMED_TYPES = {"threat-actor": "group (threat actor)", "intrusion-set": "intrusion set",
               "identity": "person or organisation (identity)", "location": "place",
               "campaign": "campaign", "incident": "incident", "report": "report"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
TLP_NAMES = {stix2.TLP_WHITE.id: "WHITE", stix2.TLP_GREEN.id: "GREEN",
             stix2.TLP_AMBER.id: "AMBER", stix2.TLP_RED.id: "RED"}


class BundleError(ValidationError):
    """A STIX bundle that cannot be taken in; ``field`` names where (``bundle.objects[3]``)."""

    kind = "invalid_bundle"


@dataclass(frozen=True, slots=True)
class ImportResult:
    bundle_id: str
    sender: str
    objects: int
    reports: list[Report]


# --------------------------------------------------------------------------------------------
# Checking the file


def _walk_strings(value: Any, where: str) -> None:
    """Refuse control characters (NUL, escapes, bidirectional overrides) in any string, strings
    over :data:`MAX_BODY` characters and nesting deeper than :data:`MAX_DEPTH`."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BundleError(f"{path} is nested more than {MAX_DEPTH} levels deep", field=path)
        if isinstance(item, str):
            bad = _CONTROL.search(item)
            if bad:
                raise BundleError(f"{path} holds the control character U+{ord(bad.group()):04X}, "
                                  "which is not taken in", field=path)
            if len(item) > MAX_BODY:
                raise BundleError(f"{path} is longer than {MAX_BODY:,} characters", field=path)
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, path, depth))
                stack.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))


def read_bundle(data: bytes) -> dict[str, Any]:
    """The bundle as a dict, or a :class:`BundleError` naming what is wrong."""
    if len(data) > MAX_BYTES:
        raise BundleError(f"the file is {len(data):,} bytes; a bundle may be at most "
                          f"{MAX_BYTES:,} bytes", field="file")
    if not data.strip():
        raise BundleError("the file is empty", field="file")
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BundleError(f"the file is not UTF-8 text (byte {exc.start})", field="file") from None
    except json.JSONDecodeError as exc:
        raise BundleError(f"the file is not JSON: {exc.msg} at line {exc.lineno}, column "
                          f"{exc.colno}", field="file") from None
    except RecursionError:
        raise BundleError("the JSON is nested too deeply", field="file") from None
    if not isinstance(parsed, dict) or parsed.get("type") != "bundle":
        raise BundleError('the JSON is not a STIX bundle (an object with "type": "bundle")',
                          field="bundle.type")
    objects = parsed.get("objects")
    if not isinstance(objects, list) or not objects:
        raise BundleError("the bundle has no objects", field="bundle.objects")
    if len(objects) > MAX_OBJECTS:
        raise BundleError(f"the bundle has {len(objects):,} objects; at most {MAX_OBJECTS:,} "
                          "are taken in", field="bundle.objects")
    for index, obj in enumerate(objects):
        where = f"bundle.objects[{index}]"
        if not isinstance(obj, dict):
            raise BundleError(f"{where} is not an object", field=where)
        kind = obj.get("type")
        if kind not in KNOWN_TYPES:
            raise BundleError(f"{where} has type {str(kind)[:60]!r}, which is not a STIX 2.1 "
                              "type Drachma takes in", field=f"{where}.type")
        if obj.get("spec_version") != "2.1":
            raise BundleError(f"{where} ({kind}) has spec_version "
                              f"{str(obj.get('spec_version'))[:20]!r}; only STIX 2.1 is taken in",
                              field=f"{where}.spec_version")
    _walk_strings(parsed, "bundle")
    try:
        stix2.parse(parsed, allow_custom=False, version="2.1")
    except (STIXError, ValueError, TypeError, KeyError, RecursionError) as exc:
        raise BundleError(f"the bundle is not valid STIX 2.1: {str(exc)[:300]}",
                          field="bundle") from None
    return parsed


# --------------------------------------------------------------------------------------------
# Turning objects into report drafts


def _describe(obj: dict[str, Any]) -> str:
    kind = NAMED_TYPES.get(obj["type"], obj["type"])
    name = str(obj.get("name") or obj["id"])
    line = f"- {kind}: {name}"
    aliases = obj.get("aliases")
    if isinstance(aliases, list) and aliases:
        line += " (also " + ", ".join(str(a) for a in aliases) + ")"
    if obj["type"] == "location" and obj.get("latitude") is not None:
        line += f" at {obj.get('latitude')}, {obj.get('longitude')}"
    return line


class _Bundle:
    def __init__(self, parsed: dict[str, Any]) -> None:
        self.id = str(parsed.get("id", "bundle"))
        self.objects: dict[str, dict[str, Any]] = {}
        for obj in parsed["objects"]:
            self.objects.setdefault(str(obj["id"]), obj)
        self.related: dict[str, list[tuple[str, str, str]]] = {}
        for obj in self.objects.values():
            if obj["type"] == "relationship":
                source, target = str(obj["source_ref"]), str(obj["target_ref"])
                kind = str(obj["relationship_type"])
                about = str(obj.get("description") or "")
                self.related.setdefault(source, []).append((kind, target, about))
                self.related.setdefault(target, []).append((kind + " (of)", source, about))

    def sender(self) -> str:
        for obj in self.objects.values():
            if obj["type"] == "identity" and obj.get("identity_class") == "organization":
                return str(obj.get("name", ""))[:200]
        return ""

    def grading(self, obj: dict[str, Any], default: str) -> tuple[str, str | None]:
        """The grading code and conditions to store, from the object's markings. TLP:AMBER or
        RED is never loosened: with a 3x5x2 marking of code P it makes code C too."""
        statements: list[str] = []
        tlp: str | None = None
        graded: tuple[str, str | None] | None = None
        for ref in obj.get("object_marking_refs", []):
            if ref in TLP_NAMES:
                tlp = TLP_NAMES[ref]
                continue
            marking = self.objects.get(ref)
            if marking is None:
                continue
            definition = marking.get("definition") or {}
            if marking.get("definition_type") == GRADING_MARKING:
                graded = (str(definition.get("code", "")), definition.get("handling_conditions"))
            elif marking.get("definition_type") == "statement":
                statements.append(str(definition.get("statement", "")))
            elif marking.get("definition_type") == "tlp":
                tlp = str(definition.get("tlp", "")).upper()
        code, conditions = graded or (default, None)
        if tlp in ("AMBER", "RED") and not code.upper().endswith("C"):
            rule = f"Sent under TLP:{tlp}; share only as TLP:{tlp} allows."
            extra = statements if graded is None else []
            return code[:2] + "C", " ".join([rule, *extra])
        return code, conditions

    def _named(self, ref: str) -> bool:
        obj = self.objects.get(ref)
        if obj is None or obj["type"] not in NAMED_TYPES:
            return False
        return obj["type"] != "identity" or obj.get("identity_class") != "organization"

    def draft(self, obj: dict[str, Any], sender: str, default: str, visible_to: list[str]
              ) -> ReportDraft:
        kind = obj["type"]
        name = str(obj.get("name") or obj["id"])
        named = [_describe(self.objects[r]) for r in dict.fromkeys(obj.get("object_refs", []))
                 if self._named(r)]
        code, conditions = self.grading(obj, default)
        lines = [
            f"Taken in from a STIX 2.1 {kind} sent by {sender or 'an unnamed sender'} "
            f"({obj['id']}). It is the sender's account, for review: nothing in it is "
            "confirmed, and a person named in it is not thereby shown to have done anything.",
            "",
            name,
        ]
        if obj.get("description"):
            lines += ["", str(obj["description"])]
        if named:
            lines += ["", "Named in it (not confirmed):", *named]
        relations = [f"- {k}: {_describe(self.objects[t])[2:]}" + (f" ({about})" if about else "")
                     for k, t, about in self.related.get(obj["id"], []) if t in self.objects]
        if relations:
            lines += ["", "Relationships the sender gave:", *relations]
        body = "\n".join(lines)
        if len(body) > MAX_BODY:
            raise BundleError(f"{obj['id']}: its text is longer than {MAX_BODY:,} characters",
                              field=obj["id"])
        title = f"Imported {kind}: {name}"[:MAX_TITLE]
        return ReportDraft(
            title=title, body=body, grading=code, source_kind=SourceKind.PARTNER.value,
            handling_conditions=conditions, visible_to=visible_to if code[-1:] == "C" else [])


def import_stix(store: Store, actor: Actor, data: bytes, *, grading: str = DEFAULT_GRADING,
                visible_to: list[str] | None = None) -> ImportResult:
    """Take in a STIX bundle as graded reports (see the module's text). ``grading`` applies to
    objects without a grading of their own; ``visible_to`` names the roles that may read those
    that come in with handling code C (the importer's own role is added)."""
    actor.require(Permission.CREATE_REPORTS)
    if grading.strip()[-1:].upper() == "C":
        raise ValidationError(
            "the import's own grading is for objects the sender did not mark; give handling P "
            "(handling C and its conditions come from the sender's markings)", field="grading")
    default = parse_grading(grading).code
    roles = visible_to or ["analyst"]
    for role in roles:
        parse_role(role)  # an unknown role is refused even when no object needs it
    parsed = read_bundle(data)
    bundle = _Bundle(parsed)
    sender = bundle.sender()
    chosen = [o for o in bundle.objects.values() if o["type"] in TAKEN_IN]
    if not chosen:
        raise BundleError("the bundle holds no report or incident to take in",
                          field="bundle.objects")
    if len(chosen) > MAX_REPORTS:
        raise BundleError(f"the bundle holds {len(chosen):,} reports and incidents; at most "
                          f"{MAX_REPORTS:,} are taken in at once", field="bundle.objects")
    reports: list[Report] = []
    for obj in chosen:
        try:
            report = validate(bundle.draft(obj, sender, default, roles), creator_role=actor.role)
        except BundleError:
            raise
        except DrachmaError as exc:
            raise BundleError(f"{obj['id']}: {exc.message}",
                              field=f"{obj['id']}.{exc.field or 'report'}") from None
        report.created_by = actor.user.id
        reports.append(report)
    with store.begin() as conn:
        for report, obj in zip(reports, chosen, strict=True):
            assert report.content_hash is not None
            twin = report_store.id_for_content_hash(conn, report.content_hash)
            if twin is not None:
                raise ConflictError(f"{obj['id']} is already stored as report {twin}; the "
                                    "bundle was taken in before", field="bundle")
            report_store.insert_report(conn, report)
            audit.record(conn, actor, ReportAdded(
                report_id=report.id, grading=report.grading.code,
                origin=f"STIX {obj['id']} in {bundle.id}"))
        # counts in step (analytics, and the report list's total)
        upkeep.settle(conn, reports=[r.id or 0 for r in reports])
        audit.record(conn, actor, StixBundleImported(
            bundle=bundle.id, sender=sender or "unnamed", objects=len(bundle.objects),
            reports=",".join(str(r.id) for r in reports)))
    return ImportResult(bundle.id, sender, len(bundle.objects), reports)

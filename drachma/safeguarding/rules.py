"""THRIVE risk rules and safeguarding playbooks, loaded from data files and checked at start.

``data/thrive_rules.yaml`` says which factors exist and how they set the risk level;
``data/playbooks.yaml`` says which tasks an assessment creates. Both name their source. A broken
file is a loud :class:`RulesFileError`, never a silent gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from drachma.errors import ValidationError
from drachma.model.incident import THRIVE_HEADINGS, AssessmentFocus, RiskLevel
from drachma.model.roles import Role


class RulesFileError(ValidationError):
    kind = "broken_data_file"


@dataclass(frozen=True, slots=True)
class Factor:
    key: str
    label: str
    heading: str
    focuses: frozenset[AssessmentFocus]


@dataclass(frozen=True, slots=True)
class Rule:
    level: RiskLevel
    any: frozenset[str]
    all: frozenset[str]
    at_least: int
    why: str

    def matched_by(self, factors: frozenset[str]) -> frozenset[str]:
        """The factors that make this rule match, or an empty set."""
        if self.all and self.all <= factors:
            return self.all
        hits = self.any & factors
        return hits if self.any and len(hits) >= self.at_least else frozenset()


@dataclass(frozen=True, slots=True)
class RiskRules:
    source: str
    version: int
    factors: dict[str, Factor]
    rules: tuple[Rule, ...]
    default: RiskLevel

    def level(self, factors: frozenset[str]) -> tuple[RiskLevel, tuple[str, ...], tuple[str, ...]]:
        """(level, the factors that drove it, why) for a set of factors."""
        best, drivers, whys = self.default, set[str](), list[str]()
        for rule in self.rules:
            hit = rule.matched_by(factors)
            if not hit:
                continue
            if rule.level.rank > best.rank:
                best, drivers, whys = rule.level, set(hit), [rule.why]
            elif rule.level is best:
                drivers |= hit
                whys.append(rule.why)
        return best, tuple(sorted(drivers)), tuple(whys)


@dataclass(frozen=True, slots=True)
class PlaybookTask:
    key: str
    title: str
    owner_role: Role
    due: timedelta
    any: frozenset[str]
    level_at_least: RiskLevel | None

    def applies(self, level: RiskLevel, factors: frozenset[str]) -> bool:
        if self.any & factors:
            return True
        return self.level_at_least is not None and level.rank >= self.level_at_least.rank


@dataclass(frozen=True, slots=True)
class Playbook:
    source: str
    version: int
    tasks: tuple[PlaybookTask, ...]

    def tasks_for(self, level: RiskLevel, factors: frozenset[str]) -> list[PlaybookTask]:
        return [task for task in self.tasks if task.applies(level, factors)]


def _load_yaml(name: str) -> dict[str, Any]:
    try:
        text = resources.files(__package__).joinpath("data", name).read_text("utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise RulesFileError(f"{name} cannot be read: {exc}", field=name) from None
    _check_source(data, name)
    return dict(data)


def _fail(name: str, where: str, problem: str) -> RulesFileError:
    return RulesFileError(f"{name}, {where}: {problem}", field=name)


def _level(name: str, where: str, value: object) -> RiskLevel:
    try:
        return RiskLevel(str(value))
    except ValueError:
        raise _fail(name, where, f"level {value!r} is not standard, medium or high") from None


def _names(name: str, where: str, value: object, known: set[str]) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(name, where, "expected a list of factor names")
    unknown = [v for v in value if v not in known]
    if unknown:
        raise _fail(name, where, f"unknown factor {unknown[0]!r}")
    return frozenset(value)


def _check_source(data: dict[str, Any], name: str) -> None:
    if not isinstance(data, dict) or not str(data.get("source") or "").strip():
        raise RulesFileError(f"{name} must be a mapping that names its source", field=name)


def parse_rules(data: dict[str, Any], name: str = "thrive_rules.yaml") -> RiskRules:
    _check_source(data, name)
    factors: dict[str, Factor] = {}
    for key, spec in (data.get("factors") or {}).items():
        if not isinstance(spec, dict) or not spec.get("label"):
            raise _fail(name, f"factor {key}", "needs a label")
        if spec.get("heading") not in THRIVE_HEADINGS:
            raise _fail(name, f"factor {key}", f"heading must be one of {THRIVE_HEADINGS}")
        try:
            focuses = frozenset(AssessmentFocus(f) for f in spec.get("for") or [])
        except ValueError:
            raise _fail(name, f"factor {key}", "'for' lists subject and/or household") from None
        if not focuses:
            raise _fail(name, f"factor {key}", "'for' lists subject and/or household")
        factors[str(key)] = Factor(str(key), str(spec["label"]), str(spec["heading"]), focuses)
    if not factors:
        raise _fail(name, "factors", "none defined")
    rules = []
    for number, spec in enumerate(data.get("rules") or [], start=1):
        where = f"rule {number}"
        if not isinstance(spec, dict):
            raise _fail(name, where, "expected a mapping")
        any_ = _names(name, where, spec.get("any"), set(factors))
        all_ = _names(name, where, spec.get("all"), set(factors))
        at_least = spec.get("at_least", 1)
        if not (any_ or all_) or not isinstance(at_least, int) or at_least < 1:
            raise _fail(name, where, "needs 'any' (with at_least >= 1) or 'all'")
        if not str(spec.get("why") or "").strip():
            raise _fail(name, where, "needs a 'why'")
        rules.append(Rule(_level(name, where, spec.get("level")), any_, all_, at_least,
                          str(spec["why"])))
    return RiskRules(str(data["source"]).strip(), int(data.get("version", 1)), factors,
                     tuple(rules), _level(name, "default", data.get("default", "standard")))


_DUE = re.compile(r"^(\d+)\s*([mhd])$")


def parse_due(text: str) -> timedelta:
    """``15m``, ``1h``, ``24h``, ``3d``."""
    match = _DUE.match(str(text).strip())
    if not match:
        raise ValueError(text)
    amount, unit = int(match.group(1)), match.group(2)
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount),
            "d": timedelta(days=amount)}[unit]


def parse_playbook(data: dict[str, Any], rules: RiskRules, name: str = "playbooks.yaml"
                   ) -> Playbook:
    _check_source(data, name)
    tasks = []
    keys: set[str] = set()
    for number, spec in enumerate(data.get("tasks") or [], start=1):
        where = f"task {number}"
        if not isinstance(spec, dict) or not spec.get("key") or not spec.get("title"):
            raise _fail(name, where, "needs a key and a title")
        key = str(spec["key"])
        if key in keys or len(key) > 64:
            raise _fail(name, where, f"key {key!r} is repeated or too long")
        keys.add(key)
        try:
            role = Role(str(spec.get("owner_role")))
        except ValueError:
            raise _fail(name, where, f"owner_role {spec.get('owner_role')!r} is not a role") \
                from None
        try:
            due = parse_due(str(spec.get("due")))
        except ValueError:
            raise _fail(name, where, f"due {spec.get('due')!r} is not like 15m, 1h, 3d") from None
        when = spec.get("when") or {}
        any_ = _names(name, where, when.get("any"), set(rules.factors))
        at_least = when.get("level_at_least")
        level = _level(name, where, at_least) if at_least is not None else None
        if not any_ and level is None:
            raise _fail(name, where, "'when' needs 'any' factors or 'level_at_least'")
        tasks.append(PlaybookTask(key, str(spec["title"]), role, due, any_, level))
    if not tasks:
        raise _fail(name, "tasks", "none defined")
    return Playbook(str(data["source"]).strip(), int(data.get("version", 1)), tuple(tasks))


@cache
def risk_rules() -> RiskRules:
    return parse_rules(_load_yaml("thrive_rules.yaml"))


@cache
def playbook() -> Playbook:
    return parse_playbook(_load_yaml("playbooks.yaml"), risk_rules())


def check_data_files() -> None:
    """Load every incidents and safeguarding data file now (at start: ``drachma serve`` and
    ``drachma worker``), so a broken one stops Drachma loudly."""
    from drachma.incidents.takedowns import settings
    from drachma.safeguarding.names import formal_names

    risk_rules()
    playbook()
    formal_names("robert")
    settings()

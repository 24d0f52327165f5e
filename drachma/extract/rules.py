"""Rule data: word lists and pattern rules read from ``drachma/extract/data/``, checked at load.

Domain knowledge lives in data files, not in the code (`docs/extraction.md`, "Rules as data"):

* ``words.toml``: named word lists (``[module.list_name]`` with ``about``, ``source``,
  ``ordered`` and ``words``), read with :func:`words` / :func:`word_tuple`.
* ``*.rules.toml``: pattern rules in a small format of our own (spaCy's ``Matcher`` cannot express
  what these need on a pipeline with no tagger: optional gaps of any words, number words captured
  as sentence lengths, look-arounds). Each rule has a ``label``, the whole ``triggers`` words it is
  tried near, one or more regular expression ``patterns`` over lower-cased text (macros
  ``{NAME}`` from the file's ``[macros]`` table), and invented ``examples`` (text that must give
  the label) and optionally ``counter_examples`` (text that must not); the tests run every one.

Whatever is wrong with a file (missing, unreadable TOML, a list that is empty or not strings, a
rule without examples, a pattern that does not compile, an undefined macro) raises
:class:`RuleDataError` naming the file and the entry, the first time it is loaded: never a
silent gap such as "no places found".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from drachma.errors import DrachmaError

PACKAGE = "drachma.extract"
MACRO_RE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


class RuleDataError(DrachmaError):
    """A rule data or pattern file is missing or broken (the message names the file and entry)."""

    kind = "rule_data"
    http_status = 500


# where the data files are read from: the package's data folder unless a test points elsewhere
data_dir: Path | None = None


def _root() -> Traversable:
    return data_dir if data_dir is not None else resources.files(PACKAGE).joinpath("data")


def data_text(name: str) -> str:
    """The text of ``drachma/extract/data/<name>``; a missing or unreadable file is an error."""
    try:
        return _root().joinpath(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleDataError(
            f"rule data file data/{name} cannot be read: {exc}", field=name
        ) from exc


@cache
def load_toml(name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(data_text(name))
    except tomllib.TOMLDecodeError as exc:
        raise RuleDataError(f"rule data file data/{name} is not valid TOML: {exc}",
                            field=name) from exc


def _word_entry(list_name: str, file: str = "words.toml") -> list[str]:
    table: Any = load_toml(file)
    for part in list_name.split("."):
        if not isinstance(table, dict) or part not in table:
            raise RuleDataError(f"data/{file} has no word list [{list_name}]", field=list_name)
        table = table[part]
    if not isinstance(table, dict):
        raise RuleDataError(f"data/{file} [{list_name}] is not a table", field=list_name)
    for key in ("about", "source", "words"):
        if key not in table:
            raise RuleDataError(f"data/{file} [{list_name}] has no {key!r}", field=list_name)
    found = table["words"]
    if (
        not isinstance(found, list)
        or not found
        or not all(isinstance(w, str) and w.strip() for w in found)
    ):
        raise RuleDataError(
            f"data/{file} [{list_name}] words must be a non-empty list of non-empty strings",
            field=list_name,
        )
    return list(found)


@cache
def words(list_name: str) -> frozenset[str]:
    """A word list from ``data/words.toml`` as a set."""
    return frozenset(_word_entry(list_name))


@cache
def word_tuple(list_name: str) -> tuple[str, ...]:
    """A word list from ``data/words.toml`` in file order."""
    return tuple(_word_entry(list_name))


@dataclass(frozen=True, slots=True)
class PatternRule:
    """One rule of a ``*.rules.toml`` file."""

    label: str
    triggers: tuple[str, ...]
    regex: re.Pattern[str]
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    note: str
    # characters before and after each trigger word the patterns are tried in (None: the
    # module's default)
    window: tuple[int, int] | None = None
    # labels that, found in the same sentence, take this one's place ("in custody" yields to
    # "remanded in custody": "refused bail and will remain in custody")
    yields_to: tuple[str, ...] = ()


def _window(value: Any, where: str) -> tuple[int, int] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int) and 0 <= v <= 1000 for v in value)
    ):
        raise RuleDataError(f"{where}: 'window' must be [before, after], 0-1000 characters",
                            field="window")
    return (value[0], value[1])


def _expand(pattern: str, macros: dict[str, str], where: str, counter: list[int]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            raise RuleDataError(f"{where}: undefined macro {{{name}}}", field=name)
        body = _expand(macros[name], macros, where, counter)
        # a macro may name its capture "<g>": each use gets its own numbered group
        if "(?P<g>" in body:
            counter[0] += 1
            body = body.replace("(?P<g>", f"(?P<{name.lower()}{counter[0]}>")
        return body

    return MACRO_RE.sub(sub, pattern)


def _strings(value: Any, where: str, key: str, *, required: bool = True) -> tuple[str, ...]:
    if value is None and not required:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value) or (
        required and not value
    ):
        raise RuleDataError(f"{where}: {key!r} must be a non-empty list of strings", field=key)
    return tuple(value)


@cache
def pattern_rules(file: str, labels: frozenset[str] | None = None) -> tuple[PatternRule, ...]:
    """The rules of ``data/<file>`` in file order (earlier rules win overlaps), checked.

    ``labels`` (if given) is the set of labels the file may use."""
    data = load_toml(file)
    macros = data.get("macros", {})
    if not isinstance(macros, dict) or not all(isinstance(v, str) for v in macros.values()):
        raise RuleDataError(f"data/{file}: [macros] must map names to strings", field="macros")
    for key in ("about", "source"):
        if not isinstance(data.get(key), str):
            raise RuleDataError(f"data/{file} has no {key!r}", field=key)
    rules = data.get("rule")
    if not isinstance(rules, list) or not rules:
        raise RuleDataError(f"data/{file} has no [[rule]] entries", field="rule")
    out: list[PatternRule] = []
    counter = [0]
    for i, rule in enumerate(rules, 1):
        where = f"data/{file} rule {i}"
        if not isinstance(rule, dict):
            raise RuleDataError(f"{where} is not a table", field="rule")
        label = rule.get("label")
        if not isinstance(label, str) or not label:
            raise RuleDataError(f"{where} has no label", field="label")
        where = f"data/{file} rule {i} ({label})"
        if labels is not None and label not in labels:
            raise RuleDataError(f"{where}: unknown label", field="label")
        unknown = set(rule) - {"label", "triggers", "patterns", "examples", "counter_examples",
                               "note", "window", "yields_to"}
        if unknown:
            raise RuleDataError(f"{where}: unknown keys {sorted(unknown)}", field="rule")
        patterns = _strings(rule.get("patterns"), where, "patterns")
        yields_to = _strings(rule.get("yields_to"), where, "yields_to", required=False)
        if labels is not None and not set(yields_to) <= labels:
            raise RuleDataError(f"{where}: yields_to names an unknown label", field="yields_to")
        source = "|".join(f"(?:{_expand(p, macros, where, counter)})" for p in patterns)
        try:
            regex = re.compile(source)
        except re.error as exc:
            raise RuleDataError(f"{where}: pattern does not compile: {exc}",
                                field="patterns") from exc
        out.append(
            PatternRule(
                label=label,
                triggers=tuple(t.lower() for t in _strings(rule.get("triggers"), where,
                                                           "triggers")),
                regex=regex,
                examples=_strings(rule.get("examples"), where, "examples"),
                counter_examples=_strings(rule.get("counter_examples"), where,
                                          "counter_examples", required=False),
                note=str(rule.get("note", "")),
                window=_window(rule.get("window"), where),
                yields_to=yields_to,
            )
        )
    return tuple(out)


PATTERNS_FILE = "patterns.toml"
WORDS_MACRO_RE = re.compile(r"\{WORDS:([a-z_]+\.[a-z_]+)\}")
FLAGS = {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE}


@dataclass(frozen=True, slots=True)
class NamedPattern:
    """One entry of ``data/patterns.toml``: a regular expression a rule module uses by name."""

    name: str
    regex: re.Pattern[str]
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    about: str


def _expand_words(source: str, where: str) -> str:
    """``{WORDS:list.name}``: the word list as an alternation, longest first, escaped."""

    def sub(m: re.Match[str]) -> str:
        found = sorted(words(m.group(1)), key=lambda w: (-len(w), w))
        return "|".join(re.escape(w) for w in found)

    try:
        return WORDS_MACRO_RE.sub(sub, source)
    except RuleDataError as exc:
        raise RuleDataError(f"{where}: {exc}", field=exc.field) from exc


@cache
def named_patterns() -> dict[str, NamedPattern]:
    """Every pattern of ``data/patterns.toml`` by its dotted name (``ages.year_old``), checked:
    each has ``about``, ``regex``, invented ``examples`` (text it must find something in) and
    ``counter_examples`` (text it must find nothing in); macros ``{NAME}`` from ``[macros]`` and
    ``{WORDS:list.name}`` from ``words.toml``; optional ``flags`` (IGNORECASE, MULTILINE)."""
    data = load_toml(PATTERNS_FILE)
    file = PATTERNS_FILE
    for key in ("about", "source"):
        if not isinstance(data.get(key), str):
            raise RuleDataError(f"data/{file} has no {key!r}", field=key)
    macros = data.get("macros", {})
    if not isinstance(macros, dict) or not all(isinstance(v, str) for v in macros.values()):
        raise RuleDataError(f"data/{file}: [macros] must map names to strings", field="macros")
    out: dict[str, NamedPattern] = {}
    for module, table in data.items():
        if module in ("about", "source", "macros"):
            continue
        if not isinstance(table, dict) or not table:
            raise RuleDataError(f"data/{file} [{module}] must hold pattern tables", field=module)
        for short, entry in table.items():
            name = f"{module}.{short}"
            where = f"data/{file} [{name}]"
            if not isinstance(entry, dict):
                raise RuleDataError(f"{where} is not a table", field=name)
            unknown = set(entry) - {"about", "regex", "flags", "examples", "counter_examples"}
            if unknown:
                raise RuleDataError(f"{where}: unknown keys {sorted(unknown)}", field=name)
            if not isinstance(entry.get("about"), str) or not entry["about"]:
                raise RuleDataError(f"{where} has no 'about'", field=name)
            source = entry.get("regex")
            if not isinstance(source, str) or not source:
                raise RuleDataError(f"{where} has no 'regex'", field=name)
            flags = 0
            for flag in _strings(entry.get("flags"), where, "flags", required=False):
                if flag not in FLAGS:
                    raise RuleDataError(f"{where}: unknown flag {flag!r}", field=name)
                flags |= FLAGS[flag]
            expanded = _expand(_expand_words(source, where), macros, where, [0])
            try:
                regex = re.compile(expanded, flags)
            except re.error as exc:
                raise RuleDataError(f"{where}: regex does not compile: {exc}", field=name) from exc
            out[name] = NamedPattern(
                name=name,
                regex=regex,
                examples=_strings(entry.get("examples"), where, "examples"),
                counter_examples=_strings(entry.get("counter_examples"), where,
                                          "counter_examples"),
                about=entry["about"],
            )
    return out


def pattern(name: str) -> re.Pattern[str]:
    """The compiled regular expression ``name`` (``module.short_name``) of ``data/patterns.toml``;
    a name the file does not define is an error."""
    found = named_patterns().get(name)
    if found is None:
        raise RuleDataError(f"data/{PATTERNS_FILE} has no pattern [{name}]", field=name)
    return found.regex


def macro(name: str) -> str:
    """The text of macro ``name`` of ``data/patterns.toml`` as written (for rules that also need
    its words)."""
    macros = load_toml(PATTERNS_FILE).get("macros", {})
    if not isinstance(macros, dict) or not isinstance(macros.get(name), str):
        raise RuleDataError(f"data/{PATTERNS_FILE} has no macro {name}", field=name)
    return str(macros[name])


def clear_caches() -> None:
    """Forget what was loaded (tests that load a broken file, then the real one)."""
    for f in (load_toml, words, word_tuple, pattern_rules, named_patterns):
        f.cache_clear()

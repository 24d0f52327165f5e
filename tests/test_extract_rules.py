"""Rules as data: every word list and pattern rule is read from a data file and checked when it
is loaded, every pattern rule carries invented examples that are run here, and a broken or
missing file is a loud error, never an extractor that silently finds nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from drachma.extract import Extractor, gaz, lexicon, offences, rules
from drachma.extract.outcomes import LABELS, RULES_FILE
from drachma.extract.rules import RuleDataError
from drachma.model.mention import MentionType

OUTCOME_RULES = rules.pattern_rules(RULES_FILE, LABELS)


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _outcomes(extractor: Extractor, text: str) -> set[str]:
    found = extractor.extract(text)
    return {m.value.split(" ")[0] if m.value.startswith("jailed") else m.value
            for m in found if m.type is MentionType.OUTCOME}


@pytest.mark.parametrize(
    ("label", "example"),
    [(r.label, ex) for r in OUTCOME_RULES for ex in r.examples],
)
def test_every_outcome_rule_example_gives_its_label(
    extractor: Extractor, label: str, example: str
) -> None:
    assert label in _outcomes(extractor, example)


@pytest.mark.parametrize(
    ("label", "example"),
    [(r.label, ex) for r in OUTCOME_RULES for ex in r.counter_examples],
)
def test_no_outcome_rule_counter_example_gives_its_label(
    extractor: Extractor, label: str, example: str
) -> None:
    assert label not in _outcomes(extractor, example)


OFFENCE_RULES = rules.pattern_rules(offences.RULES_FILE, offences.LABELS)


def _offences(extractor: Extractor, text: str) -> set[str]:
    return {m.value for m in extractor.extract(text) if m.type is MentionType.OFFENCE}


@pytest.mark.parametrize(
    ("label", "example"), [(r.label, ex) for r in OFFENCE_RULES for ex in r.examples]
)
def test_every_offence_rule_example_gives_its_offence(
    extractor: Extractor, label: str, example: str
) -> None:
    assert label in _offences(extractor, example)


@pytest.mark.parametrize(
    ("label", "example"), [(r.label, ex) for r in OFFENCE_RULES for ex in r.counter_examples]
)
def test_no_offence_rule_counter_example_gives_its_offence(
    extractor: Extractor, label: str, example: str
) -> None:
    assert label not in _offences(extractor, example)


def test_a_rule_window_must_be_two_small_numbers(data_copy: Path) -> None:
    text = _rule_file("patterns = ['''x''']\nexamples = [\"x\"]\nwindow = [5]\n")
    (data_copy / RULES_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(RuleDataError, match="'window' must be"):
        rules.pattern_rules(RULES_FILE, LABELS)


def test_every_word_list_names_what_it_is_for_and_its_source() -> None:
    data = rules.load_toml("words.toml")
    names = [f"{module}.{name}" for module, lists in data.items() for name in lists]
    assert len(names) >= 30
    for name in names:
        assert rules.words(name)  # loads, non-empty, all strings


# --- a broken or missing file is an error at load ----------------------------------------------

@pytest.fixture
def data_copy(tmp_path: Path) -> Iterator[Path]:
    """A copy of the package's data folder that a test may break; the real one afterwards."""
    src = Path(str(resources.files("drachma.extract").joinpath("data")))
    target = tmp_path / "data"
    shutil.copytree(src, target)
    rules.data_dir = target
    rules.clear_caches()
    _clear_lexicon()
    yield target
    rules.data_dir = None
    rules.clear_caches()
    _clear_lexicon()


def _clear_lexicon() -> None:
    for name in ("given_names", "platforms", "regions", "police_extra", "titles", "not_groups",
                 "countries"):
        getattr(lexicon, name).cache_clear()


def _rule_file(body: str) -> str:
    return (
        'about = "test"\nsource = "test"\n[macros]\nW = \'\\s+\'\n[[rule]]\nlabel = "charged"\n'
        'triggers = ["charged"]\n' + body
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("patterns = ['''\\bcharged''']\n", "'examples' must be a non-empty list"),
        ("patterns = ['''(charged''']\nexamples = [\"x\"]\n", "does not compile"),
        ("patterns = ['''{NOPE}charged''']\nexamples = [\"x\"]\n", "undefined macro {NOPE}"),
        ("patterns = \"\"\nexamples = [\"x\"]\n", "'patterns' must be a non-empty list"),
        ("patterns = ['''x''']\nexamples = [\"x\"]\nwhy = 1\n", "unknown keys ['why']"),
        ("patterns = ['''x\n", "is not valid TOML"),
    ],
)
def test_a_broken_pattern_rule_is_an_error_naming_file_and_rule(
    data_copy: Path, body: str, message: str
) -> None:
    (data_copy / RULES_FILE).write_text(_rule_file(body), encoding="utf-8")
    with pytest.raises(RuleDataError) as err:
        rules.pattern_rules(RULES_FILE, LABELS)
    assert message in err.value.message
    assert RULES_FILE in err.value.message


def test_an_unknown_outcome_label_is_an_error(data_copy: Path) -> None:
    text = _rule_file("patterns = ['''x''']\nexamples = [\"x\"]\n").replace(
        'label = "charged"', 'label = "shamed"')
    (data_copy / RULES_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(RuleDataError, match="unknown label"):
        rules.pattern_rules(RULES_FILE, LABELS)


def test_a_rule_may_yield_only_to_known_labels(data_copy: Path) -> None:
    text = _rule_file("patterns = ['''x''']\nexamples = [\"x\"]\nyields_to = [\"shamed\"]\n")
    (data_copy / RULES_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(RuleDataError, match="yields_to names an unknown label"):
        rules.pattern_rules(RULES_FILE, LABELS)


def test_in_custody_yields_to_remanded_in_custody_in_the_same_sentence(
    extractor: Extractor,
) -> None:
    assert _outcomes(extractor, "He was refused bail and will remain in custody.") == {
        "remanded in custody"
    }
    assert "in custody" in _outcomes(
        extractor, "He was refused bail last month. He will remain in custody until June."
    )


def test_a_missing_rule_file_is_an_error(data_copy: Path) -> None:
    (data_copy / RULES_FILE).unlink()
    with pytest.raises(RuleDataError, match="cannot be read"):
        rules.pattern_rules(RULES_FILE, LABELS)


def test_an_empty_or_missing_word_list_is_an_error(data_copy: Path) -> None:
    text = (data_copy / "words.toml").read_text(encoding="utf-8")
    start = text.index("[places.venue_heads]")
    end = text.index("]\n", text.index("words = [", start)) + 2
    (data_copy / "words.toml").write_text(
        text[:start] + '[places.venue_heads]\nabout = "x"\nsource = "x"\nwords = []\n'
        + text[end:], encoding="utf-8")
    with pytest.raises(RuleDataError, match=r"\[places.venue_heads\] words must be a non-empty"):
        rules.words("places.venue_heads")
    with pytest.raises(RuleDataError, match=r"no word list \[places.no_such_list\]"):
        rules.words("places.no_such_list")


def test_an_empty_or_malformed_lexicon_file_is_an_error(data_copy: Path) -> None:
    (data_copy / "given_names.txt").write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(RuleDataError, match=r"given_names\.txt has no entries"):
        lexicon.given_names()
    (data_copy / "platforms.tsv").write_text("Snapchat\tSnapchat\n", encoding="utf-8")
    with pytest.raises(RuleDataError, match="needs 3 tab-separated columns"):
        lexicon.platforms()


def test_a_broken_gazetteer_is_an_error_not_an_extractor_without_places(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from drachma import gazetteers

    def broken() -> dict[str, list[object]]:
        raise ValueError("places.csv line 12: 3 columns, expected 9")

    gaz.load.cache_clear()
    monkeypatch.setattr(gazetteers, "place_names", broken)
    try:
        with pytest.raises(RuleDataError, match=r"gazetteers cannot be read: places\.csv line 12"):
            gaz.load()
    finally:
        monkeypatch.undo()
        gaz.load.cache_clear()
    assert gaz.load().places


# --- named regular expressions (data/patterns.toml) ---------------------------------------------

NAMED = rules.named_patterns()


def test_the_rule_modules_take_their_regular_expressions_from_the_pattern_file() -> None:
    assert len(NAMED) >= 65
    modules = {name.split(".")[0] for name in NAMED}
    assert {"ages", "outcomes", "forces", "places", "statistics", "offences", "groups", "people",
            "dates", "sentences", "platforms"} <= modules


@pytest.mark.parametrize(
    ("name", "example"), [(n, ex) for n, p in NAMED.items() for ex in p.examples]
)
def test_every_named_pattern_finds_its_invented_example(name: str, example: str) -> None:
    assert NAMED[name].regex.search(example), f"{name} finds nothing in {example!r}"


@pytest.mark.parametrize(
    ("name", "example"), [(n, ex) for n, p in NAMED.items() for ex in p.counter_examples]
)
def test_no_named_pattern_finds_anything_in_its_counter_example(name: str, example: str) -> None:
    assert not NAMED[name].regex.search(example), f"{name} finds something in {example!r}"


def _patterns_file(entry: str) -> str:
    return 'about = "test"\nsource = "test"\n[macros]\nS = \'[ ]\'\n[ages.year_old]\n' + entry


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('about = "x"\nregex = \'\'\'(\\d\'\'\'\nexamples = ["1"]\ncounter_examples = ["a"]\n',
         "does not compile"),
        ('about = "x"\nregex = \'\'\'{NOPE}\\d\'\'\'\nexamples = ["1"]\ncounter_examples = ["a"]\n',
         "undefined macro {NOPE}"),
        ('about = "x"\nregex = \'\'\'{WORDS:ages.nope}\'\'\'\nexamples = ["1"]\n'
         'counter_examples = ["a"]\n', "no word list [ages.nope]"),
        ('about = "x"\nregex = \'\'\'\\d\'\'\'\ncounter_examples = ["a"]\n',
         "'examples' must be a non-empty list"),
        ('about = "x"\nregex = \'\'\'\\d\'\'\'\nexamples = ["1"]\n',
         "'counter_examples' must be a non-empty list"),
        ('regex = \'\'\'\\d\'\'\'\nexamples = ["1"]\ncounter_examples = ["a"]\n', "no 'about'"),
        ('about = "x"\nregex = \'\'\'\\d\'\'\'\nflags = ["DOTALL"]\nexamples = ["1"]\n'
         'counter_examples = ["a"]\n', "unknown flag 'DOTALL'"),
        ('about = "x"\nregex = \'\'\'\\d', "is not valid TOML"),
    ],
)
def test_a_broken_patterns_file_is_an_error_naming_file_and_entry(
    data_copy: Path, entry: str, message: str
) -> None:
    (data_copy / rules.PATTERNS_FILE).write_text(_patterns_file(entry), encoding="utf-8")
    with pytest.raises(RuleDataError) as err:
        rules.named_patterns()
    assert message in err.value.message
    assert rules.PATTERNS_FILE in err.value.message


def test_a_pattern_the_file_does_not_define_is_an_error(data_copy: Path) -> None:
    (data_copy / rules.PATTERNS_FILE).write_text(
        _patterns_file('about = "x"\nregex = \'\'\'\\d\'\'\'\nexamples = ["1"]\n'
                       'counter_examples = ["a"]\n'), encoding="utf-8")
    with pytest.raises(RuleDataError, match=r"no pattern \[ages.aged\]"):
        rules.pattern("ages.aged")


def test_the_rule_modules_fail_at_import_when_the_patterns_file_is_missing(
    data_copy: Path
) -> None:
    import importlib

    import drachma.extract.ages as ages

    real = Path(str(resources.files("drachma.extract").joinpath("data", rules.PATTERNS_FILE)))
    (data_copy / rules.PATTERNS_FILE).unlink()
    with pytest.raises(RuleDataError, match="cannot be read"):
        importlib.reload(ages)
    shutil.copy(real, data_copy / rules.PATTERNS_FILE)  # the module whole again for what follows
    rules.clear_caches()
    importlib.reload(ages)

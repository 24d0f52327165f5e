"""Group names in the language of reporting (issue 12, third round): people who call
themselves by a name, handle-shaped names with digits, a number after a cued name, names headed
by protector nouns, "Long Name (ACR)" in a sentence about what groups do, "X, a Facebook page";
and police units that are not groups. Every sentence is invented (all names too) and was
written before the rules it checks were changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drachma.extract import Extractor, to_corpus_annotation


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _groups(extractor: Extractor, text: str) -> list[str]:
    return sorted(str(v) for v in to_corpus_annotation(extractor.extract(text), text)["groups"])


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("The men called themselves Nachtrabe and posted their videos on Snapchat.", ["Nachtrabe"]),
        (
            "The three friends, who call themselves Tollgate Sentinels, filmed the man.",
            ["Tollgate Sentinels"],
        ),
        (
            "A vigilante group filmed him. A video posted by SafeKidz365 was shared widely.",
            ["SafeKidz365"],
        ),
        ("The group Wachtrupp 030 lured the man to a park.", ["Wachtrupp 030"]),
        (
            "Footage was filmed by the Fenland Child Defenders Network, which has 3,000 followers.",
            ["Fenland Child Defenders Network"],
        ),
        ("Marshgate Watchdogs said it had passed its evidence to police.", ["Marshgate Watchdogs"]),
        (
            "Keepers of the Lantern (KOTL) confronted the man. KOTL said it would go on.",
            ["KOTL", "Keepers of the Lantern"],
        ),
        (
            "Guardyans of the Young, a Facebook page with 8,000 followers, streamed the meeting.",
            ["Guardyans of the Young"],
        ),
    ],
)
def test_group_names_in_more_shapes(extractor: Extractor, text: str, groups: list[str]) -> None:
    assert _groups(extractor, text) == groups


@pytest.mark.parametrize(
    "text",
    [
        "Officers from the Sexual Crimes Squad are investigating.",
        "The force's Child Abuse Squad took over the case.",
        "Detectives from the Online Exploitation Unit arrested him.",
        "He called himself Dazza in the chat.",
    ],
)
def test_police_units_and_nicknames_are_not_groups(extractor: Extractor, text: str) -> None:
    assert _groups(extractor, text) == []


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        (
            "Groups such as Heron Vigil, Kidsafe Patrol and the Brothers of the Lamp say so.",
            ["Brothers of the Lamp", "Heron Vigil", "Kidsafe Patrol"],
        ),
        (
            "The group, which operates under the name Wachtrupp 030, posted the video.",
            ["Wachtrupp 030"],
        ),
        ("The page, which styles itself DOKA, said it had passed the logs on.", ["DOKA"]),
        (
            "He was caught by the Fenmoor Child Watch, known to its followers as the FCW.",
            ["FCW", "Fenmoor Child Watch"],
        ),
    ],
)
def test_group_names_after_naming_phrases_and_in_lists(
    extractor: Extractor, text: str, groups: list[str]
) -> None:
    assert _groups(extractor, text) == groups


# Fifth round (issue 12): words coined as names, the agent of a group's sting, an appositive
# that ends at its group noun. Every sentence is invented and was written, and run against the
# rules before they changed (none of them gave the group then), before the rules were changed.
HUNTER_LEAD = "A self-styled paedophile hunter group confronted a man in the street. "


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        (HUNTER_LEAD + "He was confronted by ProtectOurKidz outside a supermarket.",
         ["ProtectOurKidz"]),
        (HUNTER_LEAD + "The meeting was livestreamed by Justice4Kids, which has 40,000 followers.",
         ["Justice4Kids"]),
        ("A group calling itself 4TheChildren confronted him on Tuesday.", ["4TheChildren"]),
        (HUNTER_LEAD + "The group, 2Protect, said it had passed its evidence to police.",
         ["2Protect"]),
        (HUNTER_LEAD + "He was caught in a sting by Guardian Angels of the North.",
         ["Guardian Angels of the North"]),
        (HUNTER_LEAD + "Shieldline, another group, said it had also spoken to the man.",
         ["Shieldline"]),
        (HUNTER_LEAD + "Kestrel Lane, a rival group, said it had been there first.",
         ["Kestrel Lane"]),
    ],
)
def test_coined_names_agents_and_closed_appositives(
    extractor: Extractor, text: str, groups: list[str]
) -> None:
    assert _groups(extractor, text) == groups


@pytest.mark.parametrize(
    "text",
    [
        # a coined word with no cue, or a single inner capital, is not taken for a group
        "He bought a PlayStation and paid with PayPal before the group arrived.",
        HUNTER_LEAD + "The man, Callum McAllister, was confronted by Jamie MacLeod.",
        "The 4G signal and a 5K run were mentioned by the group.",
        HUNTER_LEAD + "Dean Morrow, a group leader, said the man had left.",
    ],
)
def test_coined_words_need_a_cue(extractor: Extractor, text: str) -> None:
    assert _groups(extractor, text) == []


@pytest.mark.parametrize(
    ("word", "coined"),
    [
        ("ProtectOurKidz", True),
        ("SafeKidsUK", True),
        ("Justice4Kids", True),
        ("4TheChildren", True),
        ("2Protect", True),
        ("McAllister", False),
        ("MacLeod", False),
        ("YouTube", False),
        ("Covid19", False),
        ("4G", False),
        ("M25", False),
        ("Leeds", False),
    ],
)
def test_what_counts_as_a_coined_word(word: str, coined: bool) -> None:
    from drachma.extract.groups import _coined

    assert _coined(word) is coined


@given(st.text(alphabet="aZ4Kb9Mx", min_size=0, max_size=14))
def test_coined_digit_rule_matches_its_plain_definition(word: str) -> None:
    """The one-pass test agrees with the definition it implements: a capitalised word with
    lower case in it, and a letter, a digit run, then a letter (or two inner capitals)."""
    import re
    from itertools import pairwise

    from drachma.extract.groups import _coined

    if len(word) < 4 or not word[:1].isupper() or not any(c.islower() for c in word):
        return
    inner = sum(1 for a, b in pairwise(word) if a.islower() and b.isupper())
    expected = re.search(r"[A-Za-z][0-9]+[A-Za-z]", word) is not None or inner >= 2
    assert _coined(word) is expected


def test_a_word_too_long_to_be_a_name_is_not_tested() -> None:
    """A hostile "word" of a million characters is refused by its length, not scanned (or
    cached) character by character."""
    from drachma.extract.groups import MAX_NAME_WORD, _coined, _run_together

    huge = "A" + "1" * 1_000_000 + "b"
    assert not _coined(huge) and not _run_together(huge)
    assert _coined("Justice4Kids") and len("Justice4Kids") <= MAX_NAME_WORD

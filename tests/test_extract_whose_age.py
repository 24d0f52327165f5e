"""Whose age is it? Rules about how reporting marks the owner of an age (issue 12, third round).

An article about a confrontation or a prosecution gives the ages of many people: the man
confronted, hunters (some of them prosecuted themselves), relatives, victims, officers, other
defendants. Only the first is a subject age. Every sentence here is invented; none comes from
the evaluation corpus. Written before the rules they check were changed."""

from __future__ import annotations

import pytest

from drachma.extract import Extractor, to_corpus_annotation


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _ages(extractor: Extractor, text: str) -> list[int]:
    return sorted(to_corpus_annotation(extractor.extract(text), text)["subject_ages"])


@pytest.mark.parametrize(
    "text",
    [
        # a member of the group: "from the group", "of the page", a group naming itself
        "A 29-year-old woman from the group was later arrested on suspicion of assault.",
        "A 35-year-old man with the page filmed the whole meeting.",
        "The men, aged 19, 22 and 24, called themselves Tollgate Sentinels and posted videos.",
        "Darcy Whelan, 41, of Halesowen, who runs the Ashgrove Vigil page, said he was warned.",
        # prosecuted for what hunters do to the man they confront, not for a child offence
        "A 26-year-old man and a 23-year-old woman were charged with affray after the meeting.",
        "Orla Fenn, 38, was found guilty of harassment after posting the man's address online.",
        "A 44-year-old was arrested on suspicion of causing grievous bodily harm.",
        "Jory Pask, 30, admitted common assault and was fined.",
        # the agent of running the group; witnesses, neighbours and reporters named with a role
        "The page is run by a 33-year-old woman from Hull.",
        "The group was founded by a 41-year-old former soldier.",
        "Witness Dora Pell, 55, told the court she saw the group arrive.",
        "Neighbour Amos Kray, 70, said he heard shouting.",
        # relatives and the subject's victims: a possessive before the relation noun
        "His daughter, aged 22, said the family had received threats.",
        "The man's brother, 51, was not involved.",
        "His victim, 27, gave evidence by video link.",
        "His mother, Jean Orrell, 70, said she had not known.",
        "The man's wife, Petra, 44, was at home.",
    ],
)
def test_ages_that_belong_to_someone_other_than_the_subject(
    extractor: Extractor, text: str
) -> None:
    assert _ages(extractor, text) == []


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("Marek Dunning, who was 31 at the time, told the court he believed she was an adult.",
         [31]),
        ("A man of 41 was arrested after the sting.", [41]),
        ("The pensioner, a man of 72, was confronted outside a shop.", [72]),
        ("Two men were sentenced: Aldous Pryor, 63, and Linus Crane, 27.", [27, 63]),
        ("Police arrested three men, aged 24, 37 and 58, in the car park.", [24, 37, 58]),
        # another case's defendant is still a person prosecuted (the corpus's definition of a
        # subject); first written as a negative, turned round on reading that definition again
        ("In an unrelated case last year, a 51-year-old from Ripon was jailed for grooming.", [51]),
        ("Last month a different man, 39, was jailed at the same court in a separate case.", [39]),
        # a group naming itself after the group talk does not take the man's age away
        ("A 43-year-old man was confronted by members of a page calling themselves Dusk Patrol.",
         [43]),
        # the subject charged with a child offence and something else stays a subject
        ("Fenton Rake, 45, was charged with attempting to meet a child and with assault.", [45]),
        # a hunter's assault on the subject does not take the subject's age away
        ("A 52-year-old man was assaulted by members of the group after the confrontation.",
         [52]),
    ],
)
def test_subject_ages_in_more_shapes(extractor: Extractor, text: str, ages: list[int]) -> None:
    assert _ages(extractor, text) == ages

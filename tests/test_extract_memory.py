"""Memory stays flat however many reports pass through: spaCy memory zones free the strings each
report adds to the vocabulary (new names, handles, references), in bulk and one at a time."""

from __future__ import annotations

import threading

import pytest

from drachma.extract import Extractor
from drachma.model.mention import MentionType


def _report(i: int) -> str:
    # an invented report whose subject, profile handle and reference no other report shares
    return (
        f"Zorvath Quellbrin{i}, 41, of Halifax, was arrested by West Yorkshire Police after the "
        f"profile @qx{i}handle was reported under reference WY-{i:06d}-QQ{i}Z."
    )


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(zone_reports=50)


def test_pipe_frees_the_strings_of_each_zone(extractor: Extractor) -> None:
    list(extractor.pipe(_report(i) for i in range(10)))  # warm up the fixed strings
    before = len(extractor.nlp.vocab.strings)
    results = list(extractor.pipe(_report(i) for i in range(1000, 1400)))
    assert len(results) == 400
    # the mentions outlive their zone: plain Python values, not views of freed Docs
    assert any(m.type is MentionType.PERSON and m.text == "Zorvath Quellbrin1399"
               for m in results[-1])
    assert len(extractor.nlp.vocab.strings) <= before + 5


def test_without_zones_the_vocabulary_grows_with_every_report() -> None:
    unzoned = Extractor(zone_reports=0)
    list(unzoned.pipe(_report(i) for i in range(10)))
    before = len(unzoned.nlp.vocab.strings)
    list(unzoned.pipe(_report(i) for i in range(2000, 2200)))
    assert len(unzoned.nlp.vocab.strings) >= before + 200 * 3


def test_one_report_at_a_time_also_stays_flat(extractor: Extractor) -> None:
    extractor.extract(_report(1))
    before = len(extractor.nlp.vocab.strings)
    for i in range(3000, 3100):
        assert extractor.extract(_report(i))
    assert len(extractor.nlp.vocab.strings) <= before + 5


def test_threads_sharing_an_extractor_get_the_same_answers(extractor: Extractor) -> None:
    expected = [[(m.type, m.value) for m in extractor.extract(_report(i))] for i in range(20)]
    got: dict[int, list[tuple[MentionType, str]]] = {}

    def work(i: int) -> None:
        for _ in range(5):
            got[i] = [(m.type, m.value) for m in extractor.extract(_report(i))]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(20)] == expected


def test_extract_inside_a_pipe_zone_does_not_nest_zones(extractor: Extractor) -> None:
    for ms in extractor.pipe([_report(5), _report(6)]):
        inner = extractor.extract(_report(7))  # same thread, zone already open: no new zone
        assert ms and inner


def test_a_negative_zone_size_is_refused() -> None:
    from drachma.errors import ValidationError

    with pytest.raises(ValidationError, match="zone_reports"):
        Extractor(zone_reports=-1)


def test_the_pipeline_is_built_afresh_after_renew_reports_with_the_same_answers() -> None:
    # zones free each zone's strings, but the vocabulary's lexeme index keeps growing its table;
    # a fresh spaCy pipeline every ``renew_reports`` reports starts it small again
    renewing = Extractor(zone_reports=50)
    renewing.renew_reports = 120
    first = renewing.nlp
    reference = Extractor(zone_reports=50)
    reports = [_report(i) for i in range(4000, 4300)]
    got = [[(m.type, m.value, m.start) for m in ms] for ms in renewing.pipe(reports)]
    assert renewing.nlp is not first
    want = [[(m.type, m.value, m.start) for m in ms] for ms in reference.pipe(reports)]
    assert got == want
    second = renewing.nlp
    for i in range(4300, 4430):
        assert renewing.extract(_report(i))
    assert renewing.nlp is not second

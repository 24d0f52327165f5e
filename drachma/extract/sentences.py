"""A fast sentence splitter as a spaCy component ("drachma_sentences").

spaCy's rule-based ``sentencizer`` walks Python ``Token`` objects and costs about as much as the
tokenizer itself. This component finds boundaries with one compiled regex over the text (end
punctuation followed by a capital, or a line break), skips common abbreviations ("Mr.", "Sgt.",
"Ind."), and writes ``SENT_START`` with one vectorised ``Doc.from_array`` call. The character
offsets of sentence starts are kept in ``doc.user_data["sent_starts"]``."""

from __future__ import annotations

import re
from typing import Any

import numpy
from spacy.language import Language

from drachma.extract.rules import pattern, words

BOUNDARY_RE = pattern("sentences.boundary")
NEWLINE_RE = re.compile(r"\n\s*")
ABBREVIATIONS = words("sentences.abbreviations")


def sentence_starts(text: str) -> list[int]:
    starts = [0]
    n = len(text)
    found = [(m.end(), m.start() + 1) for m in BOUNDARY_RE.finditer(text)]
    if "\n" in text:
        found.extend((m.end(), -1) for m in NEWLINE_RE.finditer(text))
        found.sort()
    for end, punct_end in found:
        if end >= n:
            continue
        if punct_end > 0 and text[punct_end - 1] == ".":
            # the word before the full stop: an abbreviation or an initial is no boundary
            before = text[max(0, punct_end - 8) : punct_end - 1].rsplit(None, 1)
            word = before[-1].lower().lstrip("(\"'‘“").replace(".", "") if before else ""
            if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
        if end > starts[-1]:
            starts.append(end)
    return starts


@Language.component("drachma_sentences")
def drachma_sentences(doc: Any) -> Any:
    return set_sentences(doc, doc.text)


def set_sentences(doc: Any, text: str) -> Any:
    """Set sentence starts on ``doc`` (whose text is ``text``; passing it avoids ``doc.text``,
    which spaCy rebuilds from the tokens on every access)."""
    starts = sentence_starts(text)
    doc.user_data["sent_starts"] = starts
    n = len(doc)
    if n == 0:
        return doc
    idx = doc.to_array("IDX")
    # SENT_START values as spaCy stores them: 1 = starts a sentence, -1 (as uint64) = does not
    flags = numpy.full(n, numpy.iinfo(numpy.uint64).max, dtype=numpy.uint64)
    token_starts = numpy.searchsorted(idx, numpy.asarray(starts, dtype=idx.dtype), side="left")
    token_starts = token_starts[token_starts < n]
    flags[token_starts] = 1
    flags[0] = 1
    doc.from_array(["SENT_START"], flags.reshape(n, 1))
    return doc

"""The extraction pipeline: spaCy tokenisation and sentence splitting, then rules per concern."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from itertools import islice
from types import TracebackType
from typing import Any

import spacy

from drachma.errors import ValidationError
from drachma.extract import forces, platforms
from drachma.extract.ages import extract_ages
from drachma.extract.common import TRIGGER_WORDS, Context, find_chunks, strip_ends
from drachma.extract.dates import extract_dates, find_report_date
from drachma.extract.forces import extract_forces
from drachma.extract.groups import GroupFinder
from drachma.extract.offences import extract_offences
from drachma.extract.outcomes import extract_outcomes
from drachma.extract.people import PeopleFinder
from drachma.extract.places import PlaceFinder
from drachma.extract.platforms import extract_platforms
from drachma.extract.sentences import (  # noqa: F401
    drachma_sentences,
    sentence_starts,
    set_sentences,
)
from drachma.extract.statistics import extract_statistics
from drachma.extract.version import pipeline_version
from drachma.model.mention import Mention, MentionType, PersonRole

log = logging.getLogger(__name__)

CORPUS_FIELDS = (
    "groups",
    "police_forces",
    "places",
    "platforms",
    "subject_ages",
    "decoy_ages",
    "outcomes",
    "people",
    "dates",
)
MAX_CHARS = 2_000_000
# Reports read inside one spaCy memory zone by ``Extractor.pipe``: the strings their Docs add to
# the vocabulary (every new name, handle and reference) are freed when the zone closes.
ZONE_REPORTS = 2_000
# Reports read before the spaCy pipeline is built afresh. Memory zones free each zone's strings
# and lexemes, but the vocabulary's lexeme index (a hash table) keeps the slots they used and
# doubles as new ones arrive, so a stream of millions of unique strings still grows it step by
# step (about 55 MB over 400,000 reports of six new words each, measured); a new pipeline starts
# with a small table. Building one takes under a second, once per this many reports.
RENEW_REPORTS = 100_000


# MentionType -> its value (an Enum's ``.value`` is a property, slow in a sort key)
TYPE_VALUES = {t: t.value for t in MentionType}


def installed_models() -> list[str]:
    """Names of spaCy pipelines installed in this environment (none are ever downloaded)."""
    try:
        return sorted(spacy.util.get_installed_models())
    except Exception:  # pragma: no cover
        return []


class Extractor:
    """Reads reports into :class:`Mention` lists. Build once and reuse: it holds the spaCy pipeline.

    ``known_groups`` are confirmed group names with their aliases, e.g. from the store.
    ``model`` names an installed spaCy pipeline to add its NER on top of the rules ("auto" takes
    the first installed one); by default only ``spacy.blank("en")`` and ``drachma_sentences``.
    ``zone_reports`` is how many reports :meth:`pipe` reads inside one spaCy memory zone (0: no
    zones, so the vocabulary keeps every string it sees; for measuring only).
    """

    def __init__(
        self,
        known_groups: Iterable[tuple[str, Iterable[str]]] = (),
        *,
        model: str | None = None,
        min_confidence: float = 0.0,
        zone_reports: int = ZONE_REPORTS,
    ) -> None:
        self.model_name: str | None = None
        if model:
            name = model
            if model == "auto":
                names = installed_models()
                name = names[0] if names else ""
            self.model_name = name or None
        self.min_confidence = min_confidence
        if zone_reports < 0:
            raise ValidationError("zone_reports must be 0 or more", field="zone_reports")
        self.zone_reports = zone_reports
        self.renew_reports = RENEW_REPORTS if zone_reports else 0
        self._since_renewal = 0
        self.nlp = self._build_nlp()
        self.groups = GroupFinder(known_groups)
        self.places = PlaceFinder()
        self.people = PeopleFinder()
        self.version = pipeline_version()
        # one zone at a time: a zone's end frees every string added while it was open, so two
        # threads sharing this extractor (a web server's workers) must not overlap in zones
        self._lock = threading.RLock()
        self._zone_open = False
        self._build_matchers()

    def _build_nlp(self) -> Any:
        """The spaCy pipeline: ``spacy.blank("en")`` + ``drachma_sentences``, or the installed
        model named at construction."""
        nlp: Any
        if self.model_name is not None:
            try:
                nlp = spacy.load(self.model_name, exclude=["lemmatizer", "textcat"])
            except OSError as exc:
                raise ValidationError(
                    f"spaCy model {self.model_name!r} is not installed", field="model"
                ) from exc
        else:
            nlp = spacy.blank("en")
        if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
            nlp.add_pipe("drachma_sentences", first=True)
        nlp.max_length = MAX_CHARS
        return nlp

    def _renew_if_due(self, coming: int) -> None:
        """Build the spaCy pipeline afresh once ``renew_reports`` reports have been read by it
        (called under the lock, outside any zone; see ``RENEW_REPORTS``)."""
        self._since_renewal += coming
        if not self.renew_reports or self._zone_open or self._since_renewal <= self.renew_reports:
            return
        self.nlp = self._build_nlp()
        self._build_matchers()
        self._since_renewal = coming

    def _build_matchers(self) -> None:
        from spacy.matcher import PhraseMatcher

        make = self.nlp.make_doc
        lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        lower.add("PLACE", [make(n) for n in self.places.names()])
        lower.add("FORCE", [make(n) for n in forces.name_surfaces()])
        lower.add("PLATFORM_I", [make(n) for n in platforms.insensitive_surfaces()])
        # case-sensitive surfaces ("PSNI", "KIK"): matched in lower case with the rest (one pass
        # over the Doc), then kept only where every token is written exactly as listed
        exact = {
            "FORCE_ACR": [make(n) for n in forces.acronym_surfaces()],
            "PLATFORM_S": [make(n) for n in platforms.sensitive_surfaces()],
        }
        for label, docs in exact.items():
            lower.add(label, docs)
        # trigger words: rules look for their patterns only near these (label "t:<word>")
        for w in sorted(TRIGGER_WORDS):
            lower.add("t:" + w, [make(w)])
        self.lower_matcher = lower
        strings = self.nlp.vocab.strings
        # match id -> trigger word ("t:<word>" labels), and match id -> label for the others
        self._triggers = {strings.add("t:" + w): w for w in TRIGGER_WORDS}
        self._labels = {
            strings.add(label): label
            for label in ("PLACE", "FORCE", "PLATFORM_I", "FORCE_ACR", "PLATFORM_S")
        }
        # match id of a case-sensitive label -> the token texts of its surfaces
        self._exact = {
            strings.add(label): frozenset(tuple(t.orth for t in d) for d in docs)
            for label, docs in exact.items()
        }

    # -- public API --------------------------------------------------------------------------
    def extract(self, text: str, report_date: date | None = None) -> list[Mention]:
        """Mentions in ``text``; relative dates resolve against ``report_date`` (default: a date in
        the report's first lines, else today)."""
        if not isinstance(text, str):
            raise ValidationError("report text must be a string", field="text")
        if len(text) > MAX_CHARS:
            raise ValidationError(f"report text longer than {MAX_CHARS} characters", field="text")
        with self._lock:
            self._renew_if_due(1)
            with self._zone():
                return self._run(self._doc(text), text, report_date)

    def _zone(self) -> AbstractContextManager[object]:
        """A spaCy memory zone, unless this thread is already inside one (zones do not nest).

        Only plain Python values (mentions) leave a zone; its Docs never do."""
        if self._zone_open:
            return nullcontext()
        return _Zone(self)

    def pipe(
        self,
        texts: Iterable[str],
        report_dates: Iterable[date | None] | None = None,
        batch_size: int = 64,
    ) -> Iterator[list[Mention]]:
        """Stream mention lists for ``texts``, in memory zones of ``ZONE_REPORTS`` reports so
        that memory stays flat however many reports pass through."""
        dates_iter = iter(report_dates) if report_dates is not None else None
        texts_iter = iter(texts)
        while True:
            zone = list(islice(texts_iter, self.zone_reports or 10_000))
            if not zone:
                return
            with self._lock:
                self._renew_if_due(len(zone))
                with self._zone() if self.zone_reports else nullcontext():
                    yield from self._pipe_zone(zone, dates_iter, batch_size)

    def _pipe_zone(
        self, texts: list[str], dates_iter: Iterator[date | None] | None, batch_size: int
    ) -> Iterator[list[Mention]]:
        if self.model_name is not None:
            pairs = ((t, t) for t in texts)
            for doc, text in self.nlp.pipe(pairs, batch_size=batch_size, as_tuples=True):
                rd = next(dates_iter, None) if dates_iter is not None else None
                yield self._run(doc, text, rd)
            return
        # tokenise a batch, then read it: the tokenizer's tables stay warm in the CPU caches
        for i in range(0, len(texts), batch_size):
            yield from self._run_batch(texts[i : i + batch_size], dates_iter)

    def _run_batch(
        self, batch: list[str], dates_iter: Iterator[date | None] | None
    ) -> Iterator[list[Mention]]:
        # only the tokenizer here: the rules read sentence starts from the text (``_run``), so
        # writing them into each Doc as well would be wasted work
        docs = list(self.nlp.tokenizer.pipe(batch))
        for doc, text in zip(docs, batch, strict=True):
            rd = next(dates_iter, None) if dates_iter is not None else None
            yield self._run(doc, text, rd)

    def _doc(self, text: str) -> Any:
        """Tokenise and split sentences. Without a statistical model the pipeline's only component
        is ``drachma_sentences``, run here directly with the original text."""
        if self.model_name is not None:
            return self.nlp(text)
        return set_sentences(self.nlp.make_doc(text), text)

    # -- internals ---------------------------------------------------------------------------
    def _run(self, doc: Any, text: str, report_date: date | None) -> list[Mention]:
        if report_date is None:
            report_date = find_report_date(text) or date.today()
        sent_starts = doc.user_data.get("sent_starts") if doc.user_data else None
        if sent_starts is None:
            if self.model_name is None:
                sent_starts = sentence_starts(text)  # only the tokenizer ran (``_run_batch``)
            elif doc.has_annotation("SENT_START"):  # a statistical model's parser or senter
                sent_starts = [s.start_char for s in doc.sents] if len(doc) else [0]
            else:
                sent_starts = sentence_starts(text)
        ctx = Context(
            text=text, report_date=report_date, sent_starts=sent_starts, chunks=find_chunks(text)
        )
        labels, triggers, exact = self._labels, self._triggers, self._exact
        idx: list[int] = doc.to_array("IDX").tolist() if len(doc) else []
        n_tok, n_chr = len(idx), len(text)
        trig_at = ctx.triggers.setdefault
        for match_id, ts, te in self.lower_matcher(doc):
            word = triggers.get(match_id)
            if word is not None:
                trig_at(word, []).append(idx[ts])
                continue
            surfaces = exact.get(match_id)
            if surfaces is not None and tuple(t.orth for t in doc[ts:te]) not in surfaces:
                continue  # a case-sensitive surface written otherwise ("zoom", "Psni")
            label = labels[match_id]
            end = idx[te] if te < n_tok else n_chr
            while end > idx[ts] and text[end - 1].isspace():
                end -= 1
            ctx.matches.setdefault(label, []).append((idx[ts], end))
        extract_dates(ctx)
        extract_platforms(ctx)
        extract_forces(ctx)
        self.groups.extract(ctx)
        self.places.extract(ctx, doc)
        self.people.extract(ctx)
        _drop_surname_places(ctx)
        if self.model_name is not None:
            self._model_entities(ctx, doc)
        extract_ages(ctx)
        extract_outcomes(ctx)
        extract_offences(ctx)
        extract_statistics(ctx)
        out = [m for m in ctx.mentions if m.confidence >= self.min_confidence and m.end > m.start]
        out.sort(key=lambda m: (m.start, m.end, TYPE_VALUES[m.type]))
        version = self.version
        for m in out:
            m.pipeline_version = version
        return out

    def _model_entities(self, ctx: Context, doc: Any) -> None:
        """Add what an installed statistical NER finds that the rules did not (lower confidence)."""
        for ent in getattr(doc, "ents", ()):
            s, e = ent.start_char, ent.end_char
            if ctx.is_claimed(s, e):
                continue
            if ent.label_ == "PERSON" and len(ent.text.split()) >= 2:
                ctx.add(MentionType.PERSON, s, e, ent.text, 0.5, {"role": PersonRole.OTHER.value})
            elif (
                ent.label_ in ("GPE", "LOC", "FAC")
                and ent.text.lower() not in self.places.countries
            ):
                ctx.add(MentionType.PLACE, s, e, ent.text, 0.45)


class _Zone:
    """``nlp.memory_zone()`` that marks the extractor as inside a zone while it is open."""

    def __init__(self, extractor: Extractor) -> None:
        self._extractor = extractor
        self._cm: AbstractContextManager[Any] = extractor.nlp.memory_zone()

    def __enter__(self) -> object:
        self._cm.__enter__()
        self._extractor._zone_open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._extractor._zone_open = False
        self._cm.__exit__(exc_type, exc, tb)


def _drop_surname_places(ctx: Context) -> None:
    """A place name that is also a named person's surname, written without "in"/"at"/"near"
    ("Holloway pleaded guilty", "messages from Holloway"), is the person."""
    people = ctx.of_type(MentionType.PERSON)
    if not people:
        return
    surnames = {p.text.split()[-1] for p in people if len(p.text.split()) >= 2}
    keep = []
    for m in ctx.mentions:
        if m.type is MentionType.PLACE and m.text in surnames and m.confidence < 0.95:
            pw = ctx.low[max(0, m.start - 12) : m.start].split()[-1:]
            # "in/at/near Holloway" is the place; "messages from Holloway", "talked to
            # Holloway", "the case of Holloway" are the person
            if not pw or pw[0] not in ("in", "at", "near"):
                continue
        keep.append(m)
    ctx.mentions[:] = keep


def _surface(m: Mention) -> str:
    return strip_ends(" ".join(m.text.split()))


def to_corpus_annotation(mentions: Iterable[Mention], text: str) -> dict[str, list[Any]]:
    """Mentions in the shape of the shared corpus annotations (see its README): surface strings,
    fixed outcome labels, integer ages, each person once in their fullest form, the calendar part
    of dates only."""
    out: dict[str, list[Any]] = {f: [] for f in CORPUS_FIELDS}

    def put(field: str, value: Any) -> None:
        if value in ("", None):
            return
        if value not in out[field]:
            out[field].append(value)

    for m in sorted(mentions, key=lambda x: x.start):
        if m.start < 0 or m.end > len(text):
            continue
        t = m.type
        if t is MentionType.GROUP:
            put("groups", _surface(m))
        elif t is MentionType.FORCE:
            put("police_forces", _surface(m))
        elif t is MentionType.PLACE:
            put("places", _surface(m))
        elif t is MentionType.PLATFORM:
            put("platforms", _surface(m))
        elif t is MentionType.AGE_SUBJECT and m.value.isdigit():
            put("subject_ages", int(m.value))
        elif t is MentionType.AGE_DECOY and m.value.isdigit():
            put("decoy_ages", int(m.value))
        elif t is MentionType.OUTCOME:
            put("outcomes", m.value)
        elif t is MentionType.PERSON:
            put("people", m.value)
        elif t is MentionType.DATE and m.attributes.get("calendar"):
            put("dates", strip_ends(m.attributes["calendar"]))
    # a bare "jailed" (a headline's) says nothing a "jailed <term>" of the same report does not
    if "jailed" in out["outcomes"] and any(o.startswith("jailed ") for o in out["outcomes"]):
        out["outcomes"].remove("jailed")
    return out

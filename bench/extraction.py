#!/usr/bin/env python3
"""Extraction benchmark: accuracy on the dev and invented sets, throughput, memory over a stream.

    .venv/bin/python bench/extraction.py [--reports N] [--zone N] [--rounds N] [--skip speed]
                                         [--speed-method batches|passes]

1. Speed: words per second of the full pipeline and of spaCy's tokenizer alone on the dev texts
   (real prose) repeated to ~150,000 words, CPU time; each round times the two sides on every
   batch of 64 texts back to back (alternating which goes first), and the ratio is the median
   of the per-round ratios.
2. Memory: streams N generated reports (default 1,000,000) through ``Extractor.pipe``; each one
   carries strings no other report has (a surname, a profile handle, a police reference), and
   the resident set size is printed after each fifth of the stream.
3. Accuracy: runs the extractor over the dev corpus (default ../shared/corpus/dev) and over the
   invented yardstick (tests/extraction_corpus/invented), scores both with the corpus's own
   score.py (a subprocess; only its numbers are read) and prints per-field P/R/F1 side by side
   with the gap. The invented articles' text and gold are never printed.
The LAST line printed is the overall F1 of both sets.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drachma.cli.extract import write_corpus_json  # noqa: E402
from drachma.extract import Extractor, installed_models  # noqa: E402

FIELDS = [
    "groups",
    "police_forces",
    "places",
    "platforms",
    "subject_ages",
    "decoy_ages",
    "outcomes",
    "people",
    "dates",
]

# --- synthetic reports: invented names, real UK places/forces, varied templates --------------
SYL_A = [
    "Bar",
    "Cor",
    "Del",
    "Fen",
    "Gar",
    "Hal",
    "Jor",
    "Kel",
    "Lom",
    "Mar",
    "Nor",
    "Pel",
    "Quen",
    "Ros",
    "Sal",
    "Tam",
    "Vor",
    "Wen",
    "Yar",
    "Zel",
]
SYL_B = ["ric", "den", "wyn", "ton", "mar", "lis", "bert", "vin", "ley", "ric", "nor", "ath"]
SUR_A = [
    "Ash",
    "Brack",
    "Crom",
    "Dun",
    "Elm",
    "Fair",
    "Grims",
    "Hol",
    "Kirk",
    "Lang",
    "Moss",
    "Nether",
    "Oak",
    "Pen",
    "Rad",
    "Stan",
    "Thorn",
    "Wex",
]
SUR_B = ["ford", "ley", "wick", "by", "thorpe", "worth", "field", "ham", "ridge", "well", "combe"]
TOWNS = [
    "Leeds",
    "Bolton",
    "Swindon",
    "Exeter",
    "Carlisle",
    "Ipswich",
    "Wrexham",
    "Derby",
    "Lincoln",
    "Dundee",
    "Newport",
    "Luton",
    "Hull",
    "Stockport",
    "Wigan",
    "Norwich",
]
FORCES = [
    "Greater Manchester Police",
    "West Yorkshire Police",
    "Kent Police",
    "Police Scotland",
    "Thames Valley Police",
    "Merseyside Police",
    "Essex Police",
    "the PSNI",
    "Avon and Somerset Police",
]
PLATFORMS = ["Facebook", "Snapchat", "WhatsApp", "Kik", "Instagram", "Grindr", "Facebook Live"]
GROUP_A = ["Silent", "Northern", "Iron", "Shield", "Watchful", "Guardian", "Phoenix", "Valley"]
GROUP_B = ["Predator Hunters", "Troll Catchers", "Child Watch", "Justice Team", "Predator Patrol"]
MONTHS = ["January", "March", "April", "June", "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def _name(rng: random.Random) -> str:
    return rng.choice(SYL_A) + rng.choice(SYL_B) + " " + rng.choice(SUR_A) + rng.choice(SUR_B)


ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def _unique(i: int, salt: int) -> str:
    """A word no other report has: report number ``i`` spelt in letters (base 26), salted."""
    n = i * 7 + salt
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = ALPHABET[r] + out
        if n == 0:
            return out


def synthetic_reports(n: int, seed: int = 7) -> Iterator[str]:
    """Yield ``n`` varied invented reports, one at a time (never all held in memory).

    Each report carries strings no other report has, as real reports do: the subject's surname,
    the decoy profile's handle and the police reference are built from the report's number, so a
    vocabulary that keeps every string it sees grows with the stream."""
    rng = random.Random(seed)
    for i in range(n):
        surname = _unique(i, 1).capitalize() + rng.choice(SUR_B)
        subj = f"{rng.choice(SYL_A)}{rng.choice(SYL_B)} {surname}"
        officer, hunter = _name(rng), _name(rng).split()[0]
        handle = f"@{_unique(i, 3)}_{rng.randint(10, 99)}"
        ref = f"{rng.choice(['WY', 'GM', 'KE', 'TV'])}-{i:07d}-{_unique(i, 5).upper()}"
        town, town2 = rng.choice(TOWNS), rng.choice(TOWNS)
        group = f"{rng.choice(GROUP_A)} {rng.choice(GROUP_B)}"
        age, decoy = rng.randint(19, 78), rng.randint(11, 15)
        months = rng.choice([6, 8, 12, 14, 18, 20, 24, 30])
        sents = [
            f"A {age}-year-old man from {town} has been arrested after a group calling itself "
            f"{group} confronted him on {rng.choice(WEEKDAYS)} evening.",
            f"{subj}, {age}, of {rng.choice(['Mill', 'Church', 'Station'])} Road, {town}, "
            f"believed he was talking to a {decoy}-year-old girl on {rng.choice(PLATFORMS)}.",
            f"Members of {group} streamed the confrontation on {rng.choice(PLATFORMS)} and "
            f"called {rng.choice(FORCES)}, quoting reference {ref}.",
            f"Det Sgt {officer} said officers attended and the man was charged with attempting to "
            f"meet a child following sexual grooming.",
            f"He appeared at {town2} Crown Court on {rng.randint(1, 28)} {rng.choice(MONTHS)} "
            f"{rng.randint(2015, 2024)} and was jailed for {months} months.",
            f"A spokesman for {group}, who gave his name only as {hunter}, said the decoy "
            f"profile {handle} had posed as a {decoy}-year-old for {rng.randint(2, 9)} weeks.",
            f"Police recorded {rng.randint(20, 400)} reports of vigilante activity in "
            f"{rng.randint(2016, 2023)}, and warned that such stings can jeopardise investigation"
            f"s.",
        ]
        rng.shuffle(sents)
        # the sentences carrying the unique strings always come first
        sents.sort(key=lambda x: not (subj in x or handle in x or ref in x))
        k = rng.randint(3, len(sents))
        yield f"Report {ref}\n\n" + " ".join(sents[:k]) + "\n"


def rss_mb() -> float:
    """The process's resident set size now (not the peak), in MB."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def run_memory(
    extractor: Extractor, n: int, progress: bool = False
) -> tuple[list[tuple[int, float]], float, int, int]:
    """Stream ``n`` unique-string reports through ``extractor.pipe``; RSS after each fifth
    (printed as it is measured when ``progress``, so a long run shows where it is).

    Returns ([(reports so far, RSS MB)], seconds, words, mentions)."""
    marks = {max(1, round(n * k / 5)) for k in range(1, 6)}
    points: list[tuple[int, float]] = [(0, rss_mb())]
    t_start = time.perf_counter()
    if progress:
        print(f"  after {0:>9,} reports: RSS {points[0][1]:7.1f} MB", flush=True)
    words = [0]

    def counted() -> Iterator[str]:
        for text in synthetic_reports(n):
            words[0] += len(text.split())
            yield text

    n_mentions = 0
    t0 = time.perf_counter()
    for done, ms in enumerate(extractor.pipe(counted(), batch_size=128), 1):
        n_mentions += len(ms)
        if done in marks:
            points.append((done, rss_mb()))
            if progress:
                print(
                    f"  after {done:>9,} reports: RSS {points[-1][1]:7.1f} MB "
                    f"({time.perf_counter() - t_start:,.0f}s)",
                    flush=True,
                )
    return points, time.perf_counter() - t0, words[0], n_mentions


def _pairs(corpus: Path) -> tuple[list[Path], Path]:
    """The raw texts and the gold folder of a corpus laid out as raw/NNN.txt + gold/NNN.json, or
    as NNN.txt next to NNN.json."""
    if (corpus / "raw").is_dir():
        return sorted((corpus / "raw").glob("*.txt")), corpus / "gold"
    return sorted(corpus.glob("*.txt")), corpus


def run_accuracy(extractor: Extractor, corpus: Path, scorer: Path) -> dict[str, Any]:
    """Score the extractor on a corpus with the corpus's own score.py (numbers only are read)."""
    raw, gold = _pairs(corpus)
    with tempfile.TemporaryDirectory(prefix="drachma-extract-") as tmp:
        write_corpus_json(extractor, raw, Path(tmp))
        proc = subprocess.run(
            [sys.executable, str(scorer), str(gold), tmp, "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def print_table(result: dict[str, Any]) -> None:
    print(f"{'field':<14}{'P':>8}{'R':>8}{'F1':>8}{'hits':>7}{'false':>7}{'missed':>7}")
    for field in [*FIELDS, "overall"]:
        r = result[field]
        print(
            f"{field:<14}{r['precision']:>8.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}"
            f"{r['hits']:>7}{r['false']:>7}{r['missed']:>7}"
        )
    print(f"documents: {result['documents']}")


def print_side_by_side(dev: dict[str, Any], inv: dict[str, Any] | None) -> None:
    """Per field: dev P/R/F1, invented-set P/R/F1, and the gap in F1 (dev minus invented)."""
    head = f"{'field':<14}{'dev P':>7}{'dev R':>7}{'dev F1':>8}"
    if inv is not None:
        head += f"{'inv P':>8}{'inv R':>7}{'inv F1':>8}{'gap':>8}"
    print(head)
    for field in [*FIELDS, "overall"]:
        d = dev[field]
        line = f"{field:<14}{d['precision']:>7.3f}{d['recall']:>7.3f}{d['f1']:>8.3f}"
        if inv is not None:
            v = inv[field]
            line += (
                f"{v['precision']:>8.3f}{v['recall']:>7.3f}{v['f1']:>8.3f}"
                f"{d['f1'] - v['f1']:>+8.3f}"
            )
        print(line)
    docs = f"documents: dev {dev['documents']}"
    if inv is not None:
        docs += f", invented {inv['documents']}"
    print(docs)


SPEED_BATCH = 64  # texts per timed pair: the pipeline's own batch size (``Extractor.pipe``)


def run_speed(
    extractor: Extractor, texts: list[str], rounds: int = 7, method: str = "batches"
) -> tuple[float, float, float]:
    """(pipeline words/s, tokenizer words/s, median ratio) on ``texts``.

    CPU time of this process is measured, so other work on a shared machine counts against
    neither side. The ratio reported is the median over ``rounds`` of each round's ratio
    (tokenizer seconds / pipeline seconds); the speeds are from the fastest round of each side.

    ``method="batches"`` (the default): a round walks through ``texts`` in batches of
    ``SPEED_BATCH`` and times the tokenizer alone and the full pipeline on each batch back to
    back, the tokenizer first on even batches and the pipeline first on odd ones, summing each
    side over the round. One ``Extractor.pipe`` call reads the whole round (its memory zones,
    batching and caches are those of a real stream); the timer only pauses it between batches.
    Both sides of a pair run within a fraction of a second of each other, so a machine whose
    speed drifts (other sessions starting and stopping) moves both alike; alternating the order
    cancels any advantage of going second (warm CPU caches).

    ``method="passes"``: the measure before 28/11/2026, kept for comparison: each round times
    the tokenizer over all of ``texts``, then the pipeline over all of them (seconds apart, so a
    drift in the machine's speed between the two moves the ratio)."""
    words = sum(len(t.split()) for t in texts)
    tok = extractor.nlp.tokenizer
    for _ in extractor.pipe(texts[:50]):  # warm up both
        pass
    tok_times: list[float] = []
    pipe_times: list[float] = []
    clock = time.process_time
    for _ in range(rounds):
        if method == "passes":
            t0 = clock()
            for _doc in tok.pipe(texts, batch_size=SPEED_BATCH):
                pass
            tok_times.append(clock() - t0)
            t0 = clock()
            for _ms in extractor.pipe(texts, batch_size=SPEED_BATCH):
                pass
            pipe_times.append(clock() - t0)
            continue
        if method != "batches":
            raise ValueError(f"unknown speed method {method!r}")
        stream = extractor.pipe(texts, batch_size=SPEED_BATCH)
        tok_s = pipe_s = 0.0
        read = 0
        for k, i in enumerate(range(0, len(texts), SPEED_BATCH)):
            batch = texts[i : i + SPEED_BATCH]
            for side in ("tok", "pipe") if k % 2 == 0 else ("pipe", "tok"):
                t0 = clock()
                if side == "tok":
                    for _doc in tok.pipe(batch, batch_size=SPEED_BATCH):
                        pass
                    tok_s += clock() - t0
                else:
                    for _ms in islice(stream, len(batch)):
                        read += 1
                    pipe_s += clock() - t0
        t0 = clock()
        extra = next(stream, None)  # ends the stream: its memory zone closes (pipeline time)
        pipe_s += clock() - t0
        if read != len(texts) or extra is not None:
            raise RuntimeError(f"the pipeline read {read} of {len(texts)} texts in a round")
        tok_times.append(tok_s)
        pipe_times.append(pipe_s)
    ratios = sorted(t / p for t, p in zip(tok_times, pipe_times, strict=True))
    return words / min(pipe_times), words / min(tok_times), ratios[len(ratios) // 2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--corpus",
        type=Path,
        default=ROOT.parent.parent / "shared" / "corpus" / "dev"
        if not (ROOT.parent / "shared").is_dir()
        else ROOT.parent / "shared" / "corpus" / "dev",
        help="dev corpus directory with raw/ and gold/ (default: the shared corpus's dev set)",
    )
    ap.add_argument(
        "--invented",
        type=Path,
        default=ROOT / "tests" / "extraction_corpus" / "invented",
        help="the invented yardstick (default tests/extraction_corpus/invented); scored, never "
        "printed",
    )
    ap.add_argument(
        "--scorer",
        type=Path,
        default=None,
        help="score.py to use for both sets (default: the one next to the dev corpus directory)",
    )
    ap.add_argument(
        "--reports",
        type=int,
        default=1_000_000,
        help="unique-string reports streamed for the memory measure (default 1000000)",
    )
    ap.add_argument(
        "--zone",
        type=int,
        default=None,
        help="reports per spaCy memory zone in the stream (default the extractor's; 0 = no "
        "zones, to show the growth they prevent)",
    )
    ap.add_argument("--rounds", type=int, default=7, help="paired speed rounds (default 7)")
    ap.add_argument(
        "--speed-method",
        choices=["batches", "passes"],
        default="batches",
        help="batches (default): tokenizer and pipeline timed on each batch of 64 texts back "
        "to back, alternating which goes first; passes: the older measure, each side over all "
        "the texts in turn (seconds apart, so drift in the machine's speed moves the ratio)",
    )
    ap.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["speed", "memory"],
        help="leave out a measure (repeatable)",
    )
    ap.add_argument(
        "--model",
        default=None,
        help="also measure with this installed spaCy model ('auto' = first installed)",
    )
    args = ap.parse_args(argv)
    corpus = args.corpus.resolve()
    scorer = (args.scorer or corpus.parent / "score.py").resolve()

    extractor = Extractor()
    models = installed_models()
    installed = ", ".join(models) if models else "no statistical model installed"
    print(
        "spaCy pipeline: blank('en') + drachma_sentences + PhraseMatchers + rules; "
        f"installed statistical models: {installed}; pipeline version {extractor.version}"
    )

    if "speed" not in args.skip:
        # throughput: the dev texts (real prose) repeated to a measurable size
        raw_texts = [p.read_text(encoding="utf-8") for p in _pairs(corpus)[0]]
        reps = max(1, 150_000 // max(1, sum(len(t.split()) for t in raw_texts)))
        speed_texts = raw_texts * reps
        pipe_wps, tok_wps, ratio = run_speed(
            extractor, speed_texts, rounds=args.rounds, method=args.speed_method
        )
        print(
            f"throughput on corpus text ({sum(len(t.split()) for t in speed_texts):,} words, CPU "
            f"time): pipeline {pipe_wps:,.0f} words/s, tokenizer alone {tok_wps:,.0f} words/s, "
            f"ratio {ratio:.2f} (median of {args.rounds} rounds, {args.speed_method} paired; "
            "target >= 0.33)",
            flush=True,
        )

    if "memory" not in args.skip:
        stream = Extractor() if args.zone is None else Extractor(zone_reports=args.zone)
        zone = "no memory zones" if stream.zone_reports == 0 else (
            f"memory zones of {stream.zone_reports:,} reports")
        print(f"memory: streaming {args.reports:,} unique-string reports ({zone})", flush=True)
        points, elapsed, n_words, n_mentions = run_memory(stream, args.reports, progress=True)
        after = [mb for done, mb in points[1:]]
        spread = (max(after) - min(after)) / min(after) if after else 0.0
        print(
            f"  {n_words:,} words, {n_mentions:,} mentions in {elapsed:.1f}s; RSS from the first "
            f"fifth to the end varies by {spread:.0%} (target: within 20%)"
        )

    dev = run_accuracy(extractor, corpus, scorer)
    inv_dir = args.invented.resolve()
    inv = run_accuracy(extractor, inv_dir, scorer) if _pairs(inv_dir)[0] else None
    if args.model:
        if models or args.model != "auto":
            with_model = Extractor(model=args.model)
            r2 = run_accuracy(with_model, corpus, scorer)
            print(
                f"with model {with_model.model_name}: dev overall F1 {r2['overall']['f1']:.3f} "
                f"(rules only {dev['overall']['f1']:.3f}; gain "
                f"{r2['overall']['f1'] - dev['overall']['f1']:+.3f})"
            )
            for f in FIELDS:
                print(f"  {f:<14}{dev[f]['f1']:>7.3f} -> {r2[f]['f1']:.3f}")
        else:
            print("--model auto: no statistical model installed, nothing to compare")

    print()
    print(f"accuracy (scored by {scorer}): dev = {corpus}, invented = {inv_dir}")
    if inv is None:
        print("(no invented articles found: dev only)")
    print_side_by_side(dev, inv)
    print(f"overall F1: dev {dev['overall']['f1']:.3f}" + (
        f", invented {inv['overall']['f1']:.3f}" if inv is not None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

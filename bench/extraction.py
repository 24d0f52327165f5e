#!/usr/bin/env python3
"""Extraction benchmark: accuracy on the shared corpus, throughput and peak memory.

    .venv/bin/python bench/extraction.py [--corpus DIR] [--reports N] [--model NAME]

1. Runs the extractor over DIR/raw/*.txt (default ../shared/corpus/dev from the repo root),
   writes corpus-shaped JSON to a temporary directory and scores it against DIR/gold/ with the
   corpus's own score.py (run as a subprocess); prints the per-field table.
2. Throughput in words per second of the full pipeline and of spaCy's tokenizer alone on the same
   text in the same run, and their ratio.
3. Peak memory (max RSS) while streaming N generated synthetic reports (invented names) through
   the pipeline.
The LAST line printed is the overall F1.
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
from pathlib import Path

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


def synthetic_reports(n: int, seed: int = 7) -> Iterator[str]:
    """Yield ``n`` varied invented reports, one at a time (never all held in memory)."""
    rng = random.Random(seed)
    for i in range(n):
        subj, officer, hunter = _name(rng), _name(rng), _name(rng).split()[0]
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
            f"called {rng.choice(FORCES)}.",
            f"Det Sgt {officer} said officers attended and the man was charged with attempting to "
            f"meet a child following sexual grooming.",
            f"He appeared at {town2} Crown Court on {rng.randint(1, 28)} {rng.choice(MONTHS)} "
            f"{rng.randint(2015, 2024)} and was jailed for {months} months.",
            f"A spokesman for {group}, who gave his name only as {hunter}, said the decoy had "
            f"posed as a {decoy}-year-old for {rng.randint(2, 9)} weeks.",
            f"Police recorded {rng.randint(20, 400)} reports of vigilante activity in "
            f"{rng.randint(2016, 2023)}, and warned that such stings can jeopardise investigation"
            f"s.",
        ]
        rng.shuffle(sents)
        k = rng.randint(3, len(sents))
        yield f"Report {i}\n\n" + " ".join(sents[:k]) + "\n"


def run_accuracy(extractor: Extractor, corpus: Path, scorer: Path) -> dict:
    raw = sorted((corpus / "raw").glob("*.txt"))
    with tempfile.TemporaryDirectory(prefix="drachma-extract-") as tmp:
        write_corpus_json(extractor, raw, Path(tmp))
        proc = subprocess.run(
            [sys.executable, str(scorer), str(corpus / "gold"), tmp, "--json"],
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(proc.stdout)


def print_table(result: dict) -> None:
    print(f"{'field':<14}{'P':>8}{'R':>8}{'F1':>8}{'hits':>7}{'false':>7}{'missed':>7}")
    for field in [*FIELDS, "overall"]:
        r = result[field]
        print(
            f"{field:<14}{r['precision']:>8.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}"
            f"{r['hits']:>7}{r['false']:>7}{r['missed']:>7}"
        )
    print(f"documents: {result['documents']}; worst: {', '.join(result['worst_documents'])}")


def run_speed(
    extractor: Extractor, texts: list[str], rounds: int = 7
) -> tuple[float, float, float]:
    """(pipeline words/s, tokenizer words/s, median ratio) on ``texts``.

    CPU time of this process is measured, so other work on a shared machine counts against
    neither. Each round times the tokenizer alone and then the full pipeline back to back; the
    ratio reported is the median over rounds of the per-round ratios (robust to a busy machine),
    the speeds are the best of the rounds."""
    words = sum(len(t.split()) for t in texts)
    tok = extractor.nlp.tokenizer
    for _ in extractor.pipe(texts[:50]):  # warm up both
        pass
    tok_times: list[float] = []
    pipe_times: list[float] = []
    for _ in range(rounds):
        t0 = time.process_time()
        for _doc in tok.pipe(texts, batch_size=64):
            pass
        tok_times.append(time.process_time() - t0)
        t0 = time.process_time()
        for _ms in extractor.pipe(texts, batch_size=64):
            pass
        pipe_times.append(time.process_time() - t0)
    ratios = sorted(t / p for t, p in zip(tok_times, pipe_times, strict=True))
    return words / min(pipe_times), words / min(tok_times), ratios[len(ratios) // 2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--corpus",
        type=Path,
        default=ROOT.parent / "shared" / "corpus" / "dev",
        help="corpus directory with raw/ and gold/ (default: ../shared/corpus/dev)",
    )
    ap.add_argument(
        "--scorer",
        type=Path,
        default=None,
        help="score.py to use (default: the one next to the corpus directory)",
    )
    ap.add_argument(
        "--reports",
        type=int,
        default=100_000,
        help="synthetic reports streamed for the memory measure (default 100000)",
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
        f"installed statistical models: {installed}"
    )

    # throughput: the corpus texts (real prose) repeated to a measurable size
    raw_texts = [p.read_text(encoding="utf-8") for p in sorted((corpus / "raw").glob("*.txt"))]
    reps = max(1, 150_000 // max(1, sum(len(t.split()) for t in raw_texts)))
    speed_texts = raw_texts * reps
    pipe_wps, tok_wps, ratio = run_speed(extractor, speed_texts)
    synth = list(synthetic_reports(2000, seed=11))
    spipe, stok, sratio = run_speed(extractor, synth, rounds=3)

    # peak memory over N streamed synthetic reports
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    n_mentions = 0
    n_words = 0
    for text, ms in zip(
        synthetic_reports(args.reports),
        extractor.pipe(synthetic_reports(args.reports), batch_size=128),
        strict=True,
    ):
        n_mentions += len(ms)
        n_words += len(text.split())
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    result = run_accuracy(extractor, corpus, scorer)
    if args.model:
        if models or args.model != "auto":
            with_model = Extractor(model=args.model)
            r2 = run_accuracy(with_model, corpus, scorer)
            print(
                f"with model {with_model.model_name}: overall F1 {r2['overall']['f1']:.3f} "
                f"(rules only {result['overall']['f1']:.3f}; gain "
                f"{r2['overall']['f1'] - result['overall']['f1']:+.3f})"
            )
            for f in FIELDS:
                print(f"  {f:<14}{result[f]['f1']:>7.3f} -> {r2[f]['f1']:.3f}")
        else:
            print("--model auto: no statistical model installed, nothing to compare")

    print()
    print(
        f"throughput on corpus text ({sum(len(t.split()) for t in speed_texts)} words, CPU time): "
        f"pipeline {pipe_wps:,.0f} words/s, tokenizer alone {tok_wps:,.0f} words/s, "
        f"ratio {ratio:.2f} (median of 7 paired rounds)"
    )
    print(
        f"throughput on synthetic reports (repetitive text the tokenizer caches almost "
        f"entirely): pipeline {spipe:,.0f} words/s, tokenizer alone {stok:,.0f} words/s, "
        f"ratio {sratio:.2f}"
    )
    print(
        f"memory: {args.reports} synthetic reports ({n_words:,} words, {n_mentions:,} mentions) "
        f"in {elapsed:.1f}s; peak RSS {peak / 1024:.1f} MB (before streaming "
        f"{before / 1024:.1f} MB)"
    )
    print()
    print(f"accuracy on {corpus} (scored by {scorer}):")
    print_table(result)
    print(f"overall F1: {result['overall']['f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``drachma extract``: read report files into mentions (table, JSON, or corpus annotations)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from drachma.cli.common import fail
from drachma.errors import DrachmaError, ValidationError


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"--date must be YYYY-MM-DD, got {value!r}", field="date") from exc


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}", field="file") from exc


def write_corpus_json(
    extractor: Any, files: list[Path], out_dir: Path, report_date: date | None = None
) -> list[Path]:
    """Write OUT_DIR/<stem>.json in the shared corpus annotation shape for each input file."""
    from drachma.extract import to_corpus_annotation

    out_dir.mkdir(parents=True, exist_ok=True)
    texts = [_read(f) for f in files]
    written: list[Path] = []
    dates = [report_date] * len(texts)
    for path, text, mentions in zip(files, texts, extractor.pipe(texts, dates), strict=True):
        target = out_dir / f"{path.stem}.json"
        target.write_text(
            json.dumps(to_corpus_annotation(mentions, text), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        written.append(target)
    return written


def _mention_dict(m: Any) -> dict[str, Any]:
    return {
        "type": m.type.value,
        "start": m.start,
        "end": m.end,
        "text": m.text,
        "value": m.value,
        "confidence": round(m.confidence, 3),
        "attributes": m.attributes,
        "pipeline_version": m.pipeline_version,
    }


def _confirmed_groups() -> list[tuple[str, list[str]]]:
    """The groups analysts have confirmed in the database, if there is one already."""
    from drachma.cli.common import open_existing_store
    from drachma.reports import known_groups

    store = open_existing_store()
    if store is None:
        return []
    try:
        return [(name, list(aliases)) for name, aliases in known_groups(store)]
    finally:
        store.dispose()


def _reprocess(limit: int | None, as_json: bool) -> None:
    """``--reprocess``: the stored reports read by older rules, read again, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from drachma.cli.common import cli_actor, err_console, open_store
    from drachma.link.reprocess import out_of_date, reprocess

    try:
        store = open_store()
        actor = cli_actor()
        try:
            version, stale = out_of_date(store, actor)
            total = stale if limit is None else min(stale, limit)
            progress = Progress(
                "{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=err_console, disable=as_json,
            )
            with progress:
                task = progress.add_task(f"reading with {version}", total=total)
                result = reprocess(
                    store, actor, limit=limit,
                    progress=lambda done: progress.update(task, completed=done),
                )
        finally:
            store.dispose()
    except DrachmaError as exc:
        raise fail(exc.message) from exc
    summary = {
        "version": result.version,
        "reports": result.reports,
        "skipped": result.skipped,
        "added": result.added,
        "removed": result.removed,
        "kept": result.kept,
    }
    if as_json:
        sys.stdout.write(json.dumps(summary) + "\n")
        return
    typer.echo(
        f"{result.reports} report(s) read again with {result.version}: {result.added} unreviewed "
        f"mention(s) now, {result.removed} replaced, {result.kept} reviewed kept as they were"
        + (f"; {result.skipped} skipped (handling conditions)" if result.skipped else "")
    )


def register(app: typer.Typer) -> None:
    """Add the ``extract`` command to ``app``."""

    @app.command("extract")
    def extract_command(
        files: Annotated[
            list[Path] | None,
            typer.Argument(
                help="Report text files (UTF-8) to read (none with --reprocess).",
                show_default=False,
            ),
        ] = None,
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the mentions as JSON instead of a table.")
        ] = False,
        report_date: Annotated[
            str | None,
            typer.Option(
                "--date",
                help="The report's own date (YYYY-MM-DD) for relative dates; default: a "
                "date found in the text's first lines, else today.",
            ),
        ] = None,
        corpus_json: Annotated[
            Path | None,
            typer.Option(
                "--corpus-json",
                help="Write OUT_DIR/NNN.json for each input NNN.txt in the shared "
                "corpus annotation shape instead of printing.",
                metavar="OUT_DIR",
            ),
        ] = None,
        model: Annotated[
            str | None,
            typer.Option(
                "--model",
                help="An installed spaCy pipeline to add to the rules ('auto' = first "
                "installed); default: rules only. Nothing is downloaded.",
            ),
        ] = None,
        min_confidence: Annotated[
            float,
            typer.Option(
                "--min-confidence",
                min=0.0,
                max=1.0,
                help="Leave out mentions below this confidence.",
            ),
        ] = 0.0,
        known_groups: Annotated[
            Path | None,
            typer.Option(
                "--known-groups", help="JSON file of confirmed groups: [[name, [alias, ...]], ...]."
            ),
        ] = None,
        reprocess: Annotated[
            bool,
            typer.Option(
                "--reprocess",
                help="Read again the stored reports whose machine mentions an older version of "
                "the rules read, replacing only unreviewed mentions (confirmed, corrected and "
                "rejected ones are kept).",
            ),
        ] = False,
        limit: Annotated[
            int | None,
            typer.Option(
                "--limit", min=1, help="With --reprocess: read at most this many reports."
            ),
        ] = None,
    ) -> None:
        """Extract groups, people, places, forces, platforms, dates, ages, outcomes, offences and
        statistics from report text, or bring stored reports up to date (--reprocess)."""
        from drachma.extract import Extractor

        if reprocess:
            if files:
                raise fail("--reprocess reads the stored reports: give no files")
            _reprocess(limit, as_json)
            return
        if not files:
            raise fail("give the report files to read (or --reprocess)")
        try:
            rd = _parse_date(report_date)
            groups: list[tuple[str, list[str]]] = []
            if known_groups is not None:
                try:
                    raw = json.loads(_read(known_groups))
                    groups = [(str(g[0]), [str(a) for a in g[1]]) for g in raw]
                except (ValueError, TypeError, IndexError) as exc:
                    raise ValidationError(
                        "--known-groups must be a JSON list of [name, [aliases]]",
                        field="known_groups",
                    ) from exc
            groups.extend(_confirmed_groups())
            extractor = Extractor(groups, model=model, min_confidence=min_confidence)
            if corpus_json is not None:
                written = write_corpus_json(extractor, files, corpus_json, rd)
                typer.echo(f"wrote {len(written)} file(s) to {corpus_json}")
                return
            results = []
            for path in files:
                text = _read(path)
                results.append((path, extractor.extract(text, rd)))
        except DrachmaError as exc:
            raise fail(exc.message, code=2) from exc
        if as_json:
            payload: Any
            if len(results) == 1:
                payload = [_mention_dict(m) for m in results[0][1]]
            else:
                payload = {str(p): [_mention_dict(m) for m in ms] for p, ms in results}
            sys.stdout.write(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
            return
        from rich.console import Console
        from rich.table import Table

        console = Console()
        for path, mentions in results:
            table = Table(title=str(path))
            for col in ("type", "text", "value", "conf", "details", "span"):
                table.add_column(col, overflow="fold")
            for m in mentions:
                details = ", ".join(
                    f"{k}={v}" for k, v in m.attributes.items() if k not in ("original",)
                )
                table.add_row(
                    m.type.value,
                    m.text,
                    m.value,
                    f"{m.confidence:.2f}",
                    details,
                    f"{m.start}-{m.end}",
                )
            console.print(table)

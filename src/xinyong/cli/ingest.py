"""``xinyong import``: import a providing unit's bulk file; ``xinyong batches``: look at batches, download
their error reports, record their verification.

Exit codes of ``import``: 0 every row accepted (or unchanged), 1 some rows rejected, 2 a usage error or a
refused file (unknown unit, unreadable or hostile file, idempotency key reused for other content):
nothing was stored.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from xinyong.cli.context import platform as _platform
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal

app = typer.Typer(help="Submission batches 报送批次: status, error reports, verification.",
                  no_args_is_help=True)
console = Console()
err = Console(stderr=True)
OPERATOR = Actor(Role.operator, "cli")


def _fail(exc: Refusal, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"error": exc.to_dict()}, ensure_ascii=False))
    err.print(f"[red]{escape(exc.message_zh)}[/red]\n{escape(exc.message_en)}")
    raise typer.Exit(2)


def _print_summary(summary: dict[str, Any]) -> None:
    replayed = " (replayed 重复提交)" if summary["replayed"] else ""
    console.print(f"batch 批次 [bold]{summary['batch']}[/bold]{replayed}: "
                  f"{summary['rows']} rows, [green]{summary['accepted']} accepted 接收[/green] "
                  f"({summary['corrected']} corrected 更正), {summary['unchanged']} unchanged 未变, "
                  f"[red]{summary['rejected']} rejected 退回[/red]")
    due = summary["verify_due"]
    console.print(f"verification due 核查期限: {due} ({summary['verify_cite']})" if due
                  else "verification due 核查期限: the regulation sets no time limit 法规未规定期限")
    late = summary.get("late_publication")
    if late:
        console.print(f"[yellow]{late['decisions']} decisions published late 逾期公示的决定[/yellow]: recorded as "
                      f"this unit's violations 已记为本单位违规 ({escape(late['cite'] or '')}; liability 法律责任 "
                      f"{escape(late['liability'] or '-')})")
    for error in summary["errors"]:
        where = escape(f"row {error['row']} [{error['code']}] {error['field'] or ''}")
        console.print(f"  {where}: {escape(error['message_zh'])}")
        console.print(f"      {escape(error['message_en'])}", style="dim")
    hidden = summary["errors_total"] - len(summary["errors"])
    if hidden > 0:
        console.print(f"  … {hidden} more; download them all: "
                      f"xinyong batches errors {summary['batch']} -o errors.csv")


def import_file(
    file: Path = typer.Argument(..., help="A CSV (UTF-8 or GB18030), XLSX or JSONL file."),
    unit: str = typer.Option(..., "--unit", help="The providing unit's code (xinyong units list)."),
    key: str = typer.Option(None, "--key", help="Idempotency key; default: the file's SHA-256."),
    file_format: str = typer.Option(None, "--format", help="csv, xlsx or jsonl (default: from the name)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Import FILE for a providing unit as one batch: every row is accepted or rejected with its reasons.

    The import is all or nothing: interrupted, it leaves nothing behind and can simply be run again;
    run again after success, it stores nothing new and prints the same summary.
    """
    from xinyong.services.aggregation import batches
    if not file.is_file():
        err.print(f"[red]找不到文件 {file}[/red] / no such file: {file}")
        raise typer.Exit(2)
    platform = _platform()
    columns = (TextColumn("[bold]importing 导入中"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rows]:,} rows"), TextColumn("{task.fields[rate]:,.0f} rows/s"),
               TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task("import", total=100, rows=0, rate=0.0)

        def report(rows: int, fraction: float) -> None:
            elapsed = progress.tasks[0].elapsed or 0.0
            rate = rows / elapsed if elapsed else 0.0
            progress.update(task, completed=fraction * 100, rows=rows, rate=rate)

        try:
            summary = batches.import_file(platform, Actor(Role.operator, "cli", unit), unit, file, key=key,
                                          file_format=file_format, progress=report).to_dict()
        except Refusal as exc:
            _fail(exc, as_json)
        finally:
            platform.engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)
    raise typer.Exit(1 if summary["rejected"] else 0)


@app.command("show")
def show(batch: int = typer.Argument(..., help="The batch number."),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Status, counts, verification due date and the first errors of a batch."""
    from xinyong.services.aggregation import batches
    platform = _platform()
    with platform.sessions() as session:
        try:
            summary = batches.get_batch(session, batch).to_dict()
        except Refusal as exc:
            _fail(exc, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)


@app.command("errors")
def errors(
    batch: int = typer.Argument(..., help="The batch number."),
    fmt: str = typer.Option("csv", "--format", help="csv or xlsx."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the report."),
) -> None:
    """Write a batch's rejected rows (row, field, reason code, messages) as CSV or XLSX for the unit."""
    from xinyong.services.aggregation import batches, files
    if fmt not in ("csv", "xlsx"):
        err.print("--format 须为 csv 或 xlsx / --format must be csv or xlsx")
        raise typer.Exit(2)
    platform = _platform()
    with platform.sessions() as session:
        try:
            rows = batches.batch_errors(session, batch)
            with output.open("wb") as out:
                count = (files.write_errors_csv if fmt == "csv" else files.write_errors_xlsx)(rows, out)
        except Refusal as exc:
            output.unlink(missing_ok=True)
            _fail(exc, False)
    console.print(f"{count} errors written to {output}")


@app.command("verify")
def verify(batch: int = typer.Argument(..., help="The batch number."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Record that the platform verified a batch (``aggregation.verify``); says whether it was on time."""
    from xinyong.services.aggregation import batches
    try:
        summary = batches.verify_batch(_platform(), OPERATOR, batch).to_dict()
    except Refusal as exc:
        _fail(exc, as_json)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        due = summary["verify_due"] or "-"
        console.print(f"batch {batch} verified at {summary['verified_at']} (due {due})")

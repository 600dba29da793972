"""``xinyong sweep`` and ``xinyong compliance``: the center's tools for the duties of the subjects'
rights workflows. The sweep marks overdue duties, records their violations (article breached, liability
article) and purges inquiry-log rows past retention, one sweep at a time across processes;
``--as-of DATE --dry-run`` forecasts without writing anything. ``compliance`` is the monitor the
competent department reads (open, due soon, overdue, violations by unit, by article and by month)."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console
from rich.table import Table

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.platform.refusal import Refusal

console = Console()


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        exit_refused(Refusal("as_of", "bad_date", f"日期格式应为 YYYY-MM-DD：{value}",
                             f"a date is YYYY-MM-DD: {value}"))


def sweep(
    as_of: str = typer.Option(None, "--as-of",
                              help="The day to sweep as of (YYYY-MM-DD; later days only with --dry-run)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Forecast what will be overdue; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Sweep: mark overdue duties and record their violations, purge inquiry-log rows past retention."""
    from xinyong.services.compliance import sweep as run

    try:
        report = run(_platform(), as_of=_day(as_of), dry_run=dry_run)
    except Refusal as exc:
        exit_refused(exc)
    data = report.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    if data["skipped_because_locked"]:
        console.print("skipped 跳过: another sweep is running 另一次扫描正在进行")
        return
    what = "forecast 预测" if dry_run else "swept 已扫描"
    console.print(f"{what} as of {data['as_of']}: overdue 逾期 {data['overdue']}, "
                  f"provisional recounted 重算 {data['provisional_recounted']}, "
                  f"inquiry-log rows purged 删除查询记录 {data['purged_log_rows']}, "
                  f"penalties whose publicity ended 公示期届满的行政处罚 {data['publicity_ended']}")
    table = Table("key", "owner", "count", "liability 法律责任")
    for v in data["violations"]:
        table.add_row(v["key"], v["owner"], str(v["count"]), v["liability"] or "")
    if data["violations"]:
        console.print(table)


def compliance(
    soon: int = typer.Option(3, "--soon", min=1, max=60, help="'Due soon' means within this many working days."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """The compliance monitor: open duties, due soon, overdue, violations by unit, article and month."""
    from xinyong.services.compliance import monitor

    platform = _platform()
    with platform.sessions() as session:
        data = monitor(platform, session, soon=soon).to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    c = data["counts"]
    console.print(f"as of 截至 {data['as_of']}: open 未办结 {c['open']}, due soon 即将到期 {c['due_soon']} "
                  f"(≤ {data['due_soon_until']}), overdue 逾期 {c['overdue']}, violations 违规 {c['violations']}")
    table = Table("duty 义务", "article 条款", "liability 法律责任", "count 次数")
    for a in data["by_article"]:
        table.add_row(f"{a['label']['zh']} / {a['label']['en']}", a["cite"] or "", a["liability"] or "",
                      str(a["count"]))
    console.print(table)
    owners = Table("owner 责任方", "count 次数")
    for o in data["by_owner"]:
        owners.add_row(f"{o['owner_label']['zh']} / {o['owner_label']['en']}", str(o["count"]))
    console.print(owners)

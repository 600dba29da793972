"""``xinyong inquiry``: the inquiry log of a subject, and the retention sweep."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from xinyong.cli.context import platform as _platform
from xinyong.domain.identity.actors import Actor

app = typer.Typer(help="Inquiry log 查询记录: who looked at a subject's information, and the "
                  "retention sweep.", no_args_is_help=True)
console = Console()
CLI = Actor.system("cli")


def _subject_id(platform, subject: str) -> int | None:  # type: ignore[no-untyped-def]
    from xinyong.domain.subjects.identifiers import check_identifier
    from xinyong.services.subjects import registry as subjects
    with platform.unit_of_work(CLI) as uow:
        if subject.isdigit() and len(subject) <= 12:
            row = subjects.get(uow, int(subject))
        elif check_identifier(subject).valid:
            row = subjects.find_by_identifier(uow, subject)
        else:
            row = None
        return row.id if row is not None else None


@app.command("log")
def log(
    subject: str = typer.Argument(..., help="The subject's id, identity number or USCC."),
    limit: int = typer.Option(100, min=1, max=500, help="How many entries, newest first."),
    offset: int = typer.Option(0, min=0, help="Skip this many entries."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: total and entries."),
) -> None:
    """Every inquiry into SUBJECT: when, who (role, organisation, principal), mode, purpose,
    authorization, records returned, or the reason it was refused."""
    from xinyong.services.disclosure.inquiry_log import subject_inquiries

    platform = _platform()
    subject_id = _subject_id(platform, subject)
    if subject_id is None:
        typer.echo("没有该信用主体 / no such credit subject", err=True)
        raise typer.Exit(1)
    with platform.sessions() as session:
        total, views = subject_inquiries(platform, session, subject_id, limit=limit, offset=offset)
    if as_json:
        out = {"subject_id": subject_id, "total": total, "entries": [v.to_dict() for v in views]}
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    table = Table(title=f"subject {subject_id}: {total} inquiries 被查询记录")
    for column in ("id", "at (UTC)", "who", "mode", "purpose", "auth", "returned", "refused"):
        table.add_column(column)
    for v in views:
        who = f"{v.role}:{v.principal}" + (f"@{v.organisation}" if v.organisation else "")
        table.add_row(str(v.id), v.at.strftime("%Y-%m-%d %H:%M:%S"), who, v.mode, v.purpose or "-",
                      str(v.authorization_id or "-"), str(len(v.returned_record_ids)),
                      v.refused_reason or "-")
    console.print(table)


@app.command("purge")
def purge(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Delete inquiry log entries past ``inquiry_log.retention`` (years, per rule file); nothing where the
    retention is unlimited or not provided. The purge is recorded in the audit ledger."""
    from xinyong.services.disclosure.inquiry_log import purge_expired_logs

    result = purge_expired_logs(_platform(), CLI)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    elif result.cutoff is None:
        reason = "retention unlimited 长期保存" if result.kept_because == "unlimited" \
            else "the regulation sets no retention 法规未规定保存期限"
        console.print(f"Nothing purged: {reason}" + (f" ({result.cite})" if result.cite else ""))
    else:
        console.print(f"[green]Purged {result.purged}[/green] entries made before "
                      f"{result.cutoff.isoformat()} (retention {result.retention} years, "
                      f"{result.cite}) 已清理")

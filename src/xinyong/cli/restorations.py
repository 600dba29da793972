"""``xinyong restorations``: credit restoration at the center's counter (free of charge): ``apply`` (a
paper application, with the day it was received), ``show``, ``decide --grant|--refuse``, ``list`` (by
the decision's due date). Every command has ``--json``; a refusal exits 2."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import business_tz
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal

app = typer.Typer(help="Credit restoration 信用修复 (free of charge): apply, show, decide, list.", no_args_is_help=True)
console = Console()
OPERATOR = Actor(Role.operator, "cli")


def _print(view, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    data = view.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    console.print(f"restoration 信用修复 #{data['id']} {data['status']} record 记录 {data['record']['reference']}")
    for d in data["duties"]:
        console.print(f"  {d['key']} {d['owner']} {d['time_limit']['zh']} / {d['time_limit']['en']} "
                      f"{d['cite'] or ''} {d['status']}")


def _subject_id(uow, ref: str) -> int:  # type: ignore[no-untyped-def]
    from xinyong.services.subjects import registry as subjects
    found = subjects.get(uow, int(ref)) if ref.isdigit() and len(ref) <= 12 else subjects.find_by_identifier(uow, ref)
    if found is None:
        raise Refusal("subject", "subject_unknown", "没有该信用主体", "no such credit subject", status=NOT_FOUND)
    return found.id


@app.command("apply")
def apply(
    subject: str = typer.Option(..., "--subject", help="The subject's id, identity number or USCC."),
    record: str = typer.Option(..., "--record", help="A record id, or unit/record_key."),
    commitment: str = typer.Option(None, "--commitment", help="The credit commitment letter's text."),
    received: datetime = typer.Option(None, "--received", help="When the paper application was received."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a restoration application received at the counter."""
    from xinyong.services import restoration
    platform = _platform()
    try:
        with platform.unit_of_work(OPERATOR) as uow:
            if received is not None and received.tzinfo is None:      # a clerk's local time: business time
                received = received.replace(tzinfo=business_tz())
            view = restoration.apply_restoration(uow, _subject_id(uow, subject), record, commitment=commitment,
                                                 received=received, channel="counter")
    except Refusal as exc:
        exit_refused(exc)
    _print(view, as_json)


@app.command("show")
def show(restoration_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """An application with its duties, notices and the cascade still to come."""
    from xinyong.services import restoration
    platform = _platform()
    try:
        with platform.sessions() as session:
            view = restoration.get_restoration(platform, session, restoration_id, OPERATOR)
    except Refusal as exc:
        exit_refused(exc)
    _print(view, as_json)


@app.command("decide")
def decide(
    restoration_id: int = typer.Argument(...),
    grant: bool = typer.Option(None, "--grant/--refuse", help="Grant or refuse."),
    reasons: str = typer.Option(..., "--reasons"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Grant (the record leaves every read path at once) or refuse, with reasons."""
    from xinyong.services import restoration
    if grant is None:
        exit_refused(Refusal("decision", "decision_required", "请指定 --grant 或 --refuse",
                             "give --grant or --refuse"))
    platform = _platform()
    try:
        with platform.unit_of_work(OPERATOR) as uow:
            view = restoration.decide_restoration(uow, restoration_id, grant=grant, reasons=reasons)
    except Refusal as exc:
        exit_refused(exc)
    _print(view, as_json)


@app.command("list")
def list_(
    status: str = typer.Option(None, "--status", help="received, granted or refused."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Applications by the decision's due date."""
    from xinyong.services import restoration
    platform = _platform()
    with platform.sessions() as session:
        views = restoration.list_restorations(platform, session, OPERATOR, status=status)
    if as_json:
        typer.echo(json.dumps([v.to_dict() for v in views], ensure_ascii=False))
        return
    table = Table("id", "status", "record", "decide by 决定期限")
    for v in views:
        decide_duty = next((d for d in v.duties if d["key"] == "restoration.decide"), None)
        table.add_row(str(v.id), v.status, v.record["reference"],
                      decide_duty["time_limit"]["zh"] if decide_duty else "")
    console.print(table)

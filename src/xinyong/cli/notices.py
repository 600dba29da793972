"""``xinyong notices``: the written notices of a subject (``list SUBJECT``), one notice (``show ID``), and the
record of a notice served outside the portal (``deliver ID --via post|counter|email --on DATE [--reference
R]``: by post with its tracking number, in person at the counter with the signed receipt). Every command has
``--json``; a refusal exits 2."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal

app = typer.Typer(help="Written notices 书面告知: read them, and record one served by post or at the counter.",
                  no_args_is_help=True)
console = Console()
OPERATOR = Actor(Role.operator, "cli")


def _print(view, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    data = view.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    console.print(f"notice 告知书 #{data['id']} {data['kind']} issued 作出 {data['issued_on']}; portal 平台送达 "
                  f"{data['delivered_at'] or '-'}; read 已读 {data['read_at'] or '-'}")
    for d in data["deliveries"]:
        console.print(f"  served 送达 {d['via']} {d['delivered_on']} {d['reference'] or ''}")


@app.command("list")
def list_notices(subject: str = typer.Argument(..., help="The subject: a credit code, identity number or id."),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """A subject's written notices, newest first."""
    from xinyong.cli.objections import _subject_id
    from xinyong.services import notices

    platform = _platform()
    try:
        with platform.unit_of_work(OPERATOR) as uow:
            found = notices.notices_of_subject(uow.session, _subject_id(uow, subject))
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps([n.to_dict() for n in found], ensure_ascii=False))
        return
    for n in found:
        console.print(f"#{n.id} {n.kind} {n.issued_on.isoformat()}")


@app.command("show")
def show(notice_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """One notice: what it is, when it was issued, read and served."""
    from xinyong.services import notices

    platform = _platform()
    try:
        with platform.sessions() as session:
            view = notices.notice_for_subject(session, notice_id, None)
    except Refusal as exc:
        exit_refused(exc)
    _print(view, as_json)


@app.command("deliver")
def deliver(
    notice_id: int = typer.Argument(...),
    via: str = typer.Option(..., "--via", help="post, counter or email."),
    on: str = typer.Option(..., "--on", help="The day it was served, YYYY-MM-DD."),
    reference: str | None = typer.Option(None, "--reference", help="A tracking number or the receipt's reference."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record that a notice was served outside the portal (the subject sees it on the notice)."""
    from xinyong.services import notices

    platform = _platform()
    try:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise Refusal("on", "date_invalid", "日期须为 YYYY-MM-DD", "a date is written YYYY-MM-DD") from None
        with platform.unit_of_work(OPERATOR) as uow:
            view = notices.record_delivery(uow, notice_id, via=via, delivered_on=day, reference=reference)
    except Refusal as exc:
        exit_refused(exc)
    _print(view, as_json)

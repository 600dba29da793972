"""``xinyong duties``: the duties of the subjects' rights workflows (list, the overdue ones; pause and
resume a duty's period where the rule file allows it). Run as the center's operator; every change is in
the audit ledger."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal

app = typer.Typer(help="Duties 法定期限义务: every timed step of an objection, a revocation or a restoration.",
                  no_args_is_help=True)
console = Console()
OPERATOR = Actor(Role.operator, "cli")


@app.command("list")
def list_duties(
    overdue: bool = typer.Option(False, "--overdue", help="Only open duties past their due date."),
    org: str = typer.Option(None, "--org", help="Only duties owed by this providing unit (its code)."),
    limit: int = typer.Option(500, "--limit", min=1, max=100_000),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON list."),
) -> None:
    """Open duties by due date (the nearest first)."""
    from xinyong.services import duties

    platform = _platform()
    with platform.sessions() as session:
        views = duties.list_duties(platform, session, overdue=overdue, owner_org=org, limit=limit)
    if as_json:
        typer.echo(json.dumps([v.to_dict() for v in views], ensure_ascii=False))
        return
    table = Table("id", "matter", "key", "owner", "due 期限", "working days left 剩余工作日", "status", "cite")
    for v in views:
        due = (v.due.isoformat() + (" (provisional 暂定)" if v.provisional else "")) if v.due else v.basis
        owner = v.owner + (f" {v.owner_org}" if v.owner_org else "")
        left = "" if v.working_days_left is None else str(v.working_days_left)
        table.add_row(str(v.id), f"{v.matter_kind} {v.matter_id}", v.key, owner, due, left, v.status, v.cite or "")
    console.print(table)


def _change(what: str, duty_id: int, reason: str | None, as_json: bool) -> None:
    from xinyong.services import duties

    try:
        with _platform().unit_of_work(OPERATOR) as uow:
            duty = (duties.pause(uow, duty_id, reason=reason or "") if what == "pause"
                    else duties.resume(uow, duty_id))
            data = {"id": duty.id, "key": duty.key, "due": duty.due.isoformat() if duty.due else None,
                    "provisional": duty.provisional, "cite": duty.cite, "paused": what == "pause"}
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    else:
        console.print(f"{'paused 已中止计算' if what == 'pause' else 'resumed 已恢复计算'}: duty {data['id']} "
                      f"{data['key']}, due 期限 {data['due'] or '—'}")


@app.command("pause")
def pause(
    duty_id: int = typer.Argument(..., min=1),
    reason: str = typer.Option(..., "--reason", help="inspection, testing, evaluation or expert_review."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Stop counting a duty's period (only where the rule file allows it for this duty)."""
    _change("pause", duty_id, reason, as_json)


@app.command("resume")
def resume(
    duty_id: int = typer.Argument(..., min=1),
    reason: str = typer.Option(None, "--reason", help="Why the pause ends (not stored)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Count a paused duty's period again from tomorrow."""
    _change("resume", duty_id, None, as_json)

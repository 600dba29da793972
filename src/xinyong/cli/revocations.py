"""``xinyong revocations``: a providing unit's report that a record's basis was revoked or changed, as
the center's clerk enters it (``report``: the record leaves service and its content is erased at once),
and ``show``. Every command has ``--json``; a refusal exits 2."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal

app = typer.Typer(help="Revocations 撤销: a record whose basis was revoked leaves service and its content is erased.",
                  no_args_is_help=True)
console = Console()
OPERATOR = Actor(Role.operator, "cli")


def _print(view, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    data = view.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    console.print(f"revocation 撤销 #{data['id']} {data['status']} record 记录 {data['record']['reference']} "
                  f"({data['grounds']})")
    for d in data["duties"]:
        console.print(f"  {d['key']} {d['owner']} {d['time_limit']['zh']} / {d['time_limit']['en']} "
                      f"{d['cite'] or ''} {d['status']}")


@app.command("report")
def report(
    record: str = typer.Argument(..., help="A record id, or unit/record_key (market-regulation/CF-2025-001)."),
    basis: str = typer.Option(..., "--basis", help="The revoking or changing document."),
    grounds: str = typer.Option("deciding_organ", "--grounds",
                                help="deciding_organ, reconsideration, court or changed."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Report that a record's basis was revoked: out of service at once, its content erased."""
    from xinyong.services import revocation
    platform = _platform()
    try:
        with platform.unit_of_work(OPERATOR) as uow:
            view = revocation.report_revocation(uow, record, grounds=grounds, basis=basis)
    except Refusal as exc:
        exit_refused(exc)
    _print(view, as_json)


@app.command("show")
def show(revocation_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """A revocation with its duties and notices."""
    from xinyong.services import revocation
    platform = _platform()
    try:
        with platform.sessions() as session:
            view = revocation.get_revocation(platform, session, revocation_id, OPERATOR)
    except Refusal as exc:
        exit_refused(exc)
    _print(view, as_json)

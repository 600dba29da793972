"""``xinyong duty-purposes``: the inquiry purposes departments registered for their duties
(where the rule file lists no ``inquiry.duty_purposes``): list, register, withdraw. Run as the platform
(the operator's console); every change is in the audit ledger."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import Refusal

app = typer.Typer(help="Duty purposes 依职责查询事项: what each department registered it inquires for, by duty.",
                  no_args_is_help=True)
console = Console()
OPERATOR = Actor.system("cli")


@app.command("list")
def list_purposes(
    organisation: str = typer.Option(None, "--org", help="Only this department's purposes."),
    include_withdrawn: bool = typer.Option(False, "--all", help="Withdrawn purposes too."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List registered duty purposes (in force, or with --all every registration)."""
    from xinyong.services.disclosure import duty_purposes
    platform = _platform()
    with platform.sessions() as session:
        views = duty_purposes.listing(session, platform.clock.today(), organisation=organisation,
                                      include_withdrawn=include_withdrawn)
    if as_json:
        typer.echo(json.dumps([v.to_dict() for v in views], ensure_ascii=False))
        return
    table = Table("organisation", "key", "label", "legal basis", "registered", "state")
    for v in views:
        table.add_row(v.organisation, v.key, f"{v.label_zh} / {v.label_en}", v.legal_basis,
                      v.registered_on.isoformat(), v.state)
    console.print(table)


@app.command("register")
def register(
    organisation: str = typer.Option(..., "--org", help="The department's organisation code."),
    key: str = typer.Argument(..., help="The purpose key (lower-case letters, digits, _)."),
    duty: str = typer.Option(..., "--duty", help="The statutory duty the inquiry serves."),
    legal_basis: str = typer.Option(..., "--basis", help="The law or regulation and article giving the duty."),
    label_zh: str = typer.Option(..., "--label-zh"),
    label_en: str = typer.Option(..., "--label-en"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a duty purpose for a department, in force from today."""
    from xinyong.services.disclosure import duty_purposes
    try:
        with _platform().unit_of_work(OPERATOR) as uow:
            view = duty_purposes.register(uow, organisation=organisation, key=key, duty=duty,
                                          legal_basis=legal_basis, label_zh=label_zh, label_en=label_en)
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(view.to_dict(), ensure_ascii=False))
    else:
        console.print(f"registered 已登记 {view.organisation} {view.key}")


@app.command("withdraw")
def withdraw(
    organisation: str = typer.Option(..., "--org", help="The department's organisation code."),
    key: str = typer.Argument(..., help="The purpose key."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Withdraw a department's duty purpose from today."""
    from xinyong.services.disclosure import duty_purposes
    try:
        with _platform().unit_of_work(OPERATOR) as uow:
            view = duty_purposes.withdraw(uow, organisation=organisation, key=key)
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(view.to_dict(), ensure_ascii=False))
    else:
        console.print(f"withdrawn 已撤回 {view.organisation} {view.key}")

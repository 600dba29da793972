"""``xinyong units``: providing units, the catalog items each may submit, and their API tokens.

A token is printed once, at ``token issue``; only its SHA-256 digest is stored.
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from xinyong.cli.context import platform as _platform
from xinyong.domain.identity.actors import Actor
from xinyong.domain.platform.refusal import Refusal

app = typer.Typer(help="Providing units 信息提供单位: register, grant catalog items, issue and revoke "
                       "tokens.",
                  no_args_is_help=True)
token_app = typer.Typer(help="API tokens of a providing unit: issue (shown once) and revoke.",
                        no_args_is_help=True)
app.add_typer(token_app, name="token")
console = Console()
CLI_ACTOR = Actor.system("cli")


def _fail(exc: Refusal) -> None:
    """A refused unit command: both messages, exit 2 (bad usage)."""
    typer.echo(f"{exc.message_zh} / {exc.message_en}", err=True)
    raise typer.Exit(2)


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False))


@app.command("list")
def list_units(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Every providing unit with its kind, granted items and live tokens."""
    from xinyong.services.identity import units
    with _platform().sessions() as session:
        found = units.list_units(session)
    if as_json:
        _echo_json({"units": [u.to_dict() for u in found]})
        return
    if not found:
        console.print("尚无信息提供单位 / no providing units yet (xinyong units add)")
        return
    table = Table("code", "名称 name", "kind", "active", "items 可报送事项", "tokens")
    for u in found:
        live = sum(1 for c in u.credentials if c.active)
        table.add_row(u.code, f"{u.name_zh}\n{u.name_en}", u.kind, "yes" if u.active else "no",
                      ", ".join(u.items) or "-", str(live))
    console.print(table)


@app.command("add")
def add(
    code: str = typer.Argument(..., help="A short code, e.g. market-regulation (lower case, digits, . _ -)."),
    name: str = typer.Option(..., "--name", help="The unit's name in Chinese."),
    name_en: str = typer.Option("", "--name-en", help="The unit's name in English."),
    kind: str = typer.Option("administrative_organ", "--kind",
                             help="administrative_organ, judicial_organ, public_enterprise, "
                                  "public_institution, mass_organisation or market_unit."),
    origin: str = typer.Option("public", "--origin", help="public or market credit information."),
    uscc: str = typer.Option(None, "--uscc", help="The unit's own Unified Social Credit Code."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Register a providing unit."""
    from xinyong.services.identity import units
    try:
        with _platform().unit_of_work(CLI_ACTOR) as uow:
            view = units.register_unit(uow, code=code, name_zh=name, name_en=name_en, kind=kind,
                                       origin=origin, uscc=uscc)
    except Refusal as exc:
        _fail(exc)
    if as_json:
        _echo_json(view.to_dict())
    else:
        console.print(f"[green]registered 已登记[/green] {view.code} {view.name_zh}")


@app.command("grant")
def grant(
    code: str = typer.Argument(..., help="The unit's code."),
    items: list[str] = typer.Argument(..., help="Catalog item codes the unit may submit."),
    revoke: bool = typer.Option(False, "--revoke", help="Withdraw the grants instead."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Allow (or with --revoke, stop) a unit submitting catalog items."""
    from xinyong.services.identity import units
    try:
        with _platform().unit_of_work(CLI_ACTOR) as uow:
            view = None
            for item in items:
                view = (units.revoke_grant if revoke else units.grant_item)(uow, code, item)
    except Refusal as exc:
        _fail(exc)
    assert view is not None
    if as_json:
        _echo_json(view.to_dict())
    else:
        console.print(f"{view.code}: {', '.join(view.items) or '-'}")


@token_app.command("issue")
def token_issue(
    code: str = typer.Argument(..., help="The unit's code."),
    label: str = typer.Option("", "--label", help="What the token is for (e.g. the sending system)."),
    scopes: list[str] = typer.Option(None, "--scope", help="submit, batches.read, objections.answer "
                                                           "(repeat; default submit and batches.read)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (the token included)."),
) -> None:
    """Issue a token for the unit. It is printed this once and cannot be shown again."""
    from xinyong.services.identity import units
    try:
        with _platform().unit_of_work(CLI_ACTOR) as uow:
            issued = units.issue_token(uow, code, label=label, scopes=scopes or None)
    except Refusal as exc:
        _fail(exc)
    if as_json:
        _echo_json(issued.to_dict())
        return
    console.print(f"token for {code} (credential {issued.credential.id}), shown once 仅显示一次:")
    typer.echo(issued.token)


@token_app.command("revoke")
def token_revoke(
    credential_id: int = typer.Argument(..., help="The credential id (xinyong units list --json)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Revoke a token: it authenticates nothing from now on."""
    from xinyong.services.identity import units
    try:
        with _platform().unit_of_work(CLI_ACTOR) as uow:
            view = units.revoke_token(uow, credential_id)
    except Refusal as exc:
        _fail(exc)
    if as_json:
        _echo_json(view.to_dict())
    else:
        console.print(f"[yellow]revoked 已撤销[/yellow] credential {view.id} ({view.hint}…)")

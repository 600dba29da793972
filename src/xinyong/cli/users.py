"""``xinyong users``: accounts, roles and API tokens; ``xinyong institutions``: filings and agreements."""

from __future__ import annotations

import json
from datetime import date, datetime

import typer
from rich.console import Console
from sqlalchemy import select

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal

app = typer.Typer(help="Accounts 用户: create users with a role, issue and revoke API tokens, resolve a disputed "
                  "real-name binding.", no_args_is_help=True)
institutions_app = typer.Typer(help="Credit service institutions 信用服务机构: filings and agreements.",
                               no_args_is_help=True)
console = Console()
ADMIN = Actor.system("cli")


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name (1-64 characters)."),
    role: Role = typer.Option(..., "--role", help="What this account may do."),
    organisation: str = typer.Option(None, "--org", help="Unit, department or institution code."),
    password: str = typer.Option(None, "--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                 help="At least 10 characters; prompted when not given."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create an account with a role (operator, duty_department, competent_department, …)."""
    from xinyong.services.identity import accounts as auth
    try:
        with _platform().unit_of_work(ADMIN) as uow:
            user = auth.create_user(uow, username=username, role=role, password=password, organisation=organisation)
            out = {"id": user.id, "username": user.username, "role": user.role}
    except Refusal as exc:
        exit_refused(exc)
    typer.echo(json.dumps(out, ensure_ascii=False)) if as_json else console.print(f"created {out}")


@app.command("token")
def token(username: str = typer.Argument(...), label: str = typer.Option("", help="What the token is for."),
          expires: str = typer.Option(None, "--expires",
                                      help="Expiry, ISO 8601 with an offset (2026-12-31T18:00:00+08:00); "
                                           "must be later than now."),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """Issue an API token for USERNAME. The token is printed once and never stored in clear."""
    from xinyong.services.identity import accounts as auth
    from xinyong.store.models.auth import User

    expires_at = None
    if expires is not None:
        try:
            expires_at = datetime.fromisoformat(expires)
        except ValueError:
            exit_refused(Refusal("expires_at", "expires_at_invalid",
                          "到期时间须为 ISO 8601 格式，例如 2026-12-31T18:00:00+08:00",
                          "the expiry time must be ISO 8601, e.g. 2026-12-31T18:00:00+08:00"))
    try:
        with _platform().unit_of_work(ADMIN) as uow:
            user = uow.session.scalar(select(User).where(User.username == username))
            if user is None:
                typer.echo(f"没有该用户 / no such user: {username}", err=True)
                raise typer.Exit(2)
            secret = auth.issue_token(uow, user, label=label, expires_at=expires_at)
    except Refusal as exc:
        exit_refused(exc)
    typer.echo(json.dumps({"token": secret}) if as_json else secret)


@app.command("revoke-token")
def revoke_token(token_id: int = typer.Argument(..., help="The token's id.")) -> None:
    """Revoke an API token at once."""
    from xinyong.services.identity import accounts as auth
    try:
        with _platform().unit_of_work(ADMIN) as uow:
            auth.revoke_token(uow, token_id)
    except Refusal as exc:
        exit_refused(exc)
    console.print("revoked 已撤销")


@app.command("unbind")
def unbind(username: str = typer.Argument(..., help="The account whose real-name binding is disputed."),
           reason: str = typer.Option(..., "--reason",
                                      help="Why (who decided, the case number): written to the audit ledger, so "
                                           "no name, identity or phone number."),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """Resolve a disputed real-name binding: USERNAME is no longer bound to its credit subject and is an
    unverified personal account again; the person then verifies the right account. Recorded in the
    audit ledger with the reason."""
    from xinyong.services.identity import accounts as auth
    try:
        with _platform().unit_of_work(ADMIN) as uow:
            done = auth.unbind(uow, username, reason=reason)
    except Refusal as exc:
        exit_refused(exc)
    out = {"user_id": done.user_id, "subject_id": done.subject_id, "unbound": True}
    typer.echo(json.dumps(out)) if as_json else console.print(f"unbound 已解除绑定 {out}")


@institutions_app.command("add")
def institution_add(
    code: str = typer.Argument(..., help="The institution's Unified Social Credit Code."),
    name: str = typer.Option(..., "--name"),
    filing_kind: str = typer.Option("filing", "--kind", help="permit or filing."),
    filing_number: str = typer.Option(..., "--number"),
    filed_with: str = typer.Option(..., "--filed-with", help="The competent department that holds the filing."),
    filed_on: str = typer.Option(..., "--filed-on", help="YYYY-MM-DD"),
) -> None:
    """Register a credit service institution's permit or filing."""
    from xinyong.services.identity import institutions
    try:
        with _platform().unit_of_work(ADMIN) as uow:
            row = institutions.register(uow, code=code, name=name, filing_kind=filing_kind,
                                        filing_number=filing_number, filed_with=filed_with,
                                        filed_on=date.fromisoformat(filed_on))
            console.print(f"registered {row.code} {row.name}")
    except Refusal as exc:
        exit_refused(exc)


@institutions_app.command("agreement")
def institution_agreement(
    code: str = typer.Argument(..., help="The institution's credit code."),
    number: str = typer.Option(..., "--number"),
    scope: list[str] = typer.Option(..., "--item", help="A catalog item code it may use (repeat)."),
    purposes: list[str] = typer.Option(..., "--purpose", help="An agreed purpose (repeat)."),
    valid_from: str = typer.Option(..., "--from"),
    valid_until: str = typer.Option(..., "--until"),
) -> None:
    """Record the agreement under which an institution may use public credit information."""
    from xinyong.services.identity import institutions
    try:
        with _platform().unit_of_work(ADMIN) as uow:
            row = institutions.add_agreement(uow, code, number=number, scope=scope, purposes=purposes,
                                             valid_from=date.fromisoformat(valid_from),
                                             valid_until=date.fromisoformat(valid_until))
            console.print(f"agreement {row.id} recorded")
    except Refusal as exc:
        exit_refused(exc)

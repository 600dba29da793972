"""``xinyong subjects``: check identifiers and register credit subjects."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from xinyong.domain.subjects.identifiers import IdentifierKind, check_identifier
from xinyong.domain.subjects.masking import mask_identifier

app = typer.Typer(help="Credit subjects 信用主体: check identifiers, register subjects.", no_args_is_help=True)
console = Console()


@app.command("check")
def check(
    identifier: str = typer.Argument(..., help="A citizen identity number (GB 11643), a Unified Social Credit "
                                     "Code (GB 32100), or a passport / other ID number."),
    kind: IdentifierKind = typer.Option(None, "--kind", help="Say what kind of identifier this is, if known."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: valid, kind, identifier, reason."),
    show: bool = typer.Option(False, "--show", help="Show the identifier unmasked (it is yours, or you may)."),
) -> None:
    """Say whether IDENTIFIER is valid, what kind of subject it identifies, and if not, exactly why.

    Exit code 0 when valid, 1 when invalid. Nothing is stored.
    """
    result = check_identifier(identifier, hint=kind)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        shown = result.identifier if (show or not result.valid or result.kind == IdentifierKind.uscc) \
            else mask_identifier(result.identifier, result.kind)
        if result.valid:
            kinds = ", ".join(k.value for k in result.subject_kinds)
            console.print(f"[green]valid 有效[/green]  {shown}  kind={result.kind.value if result.kind else '-'}"
                          f"  subject={kinds}")
        else:
            console.print(f"[red]invalid 无效[/red]  {shown}")
            console.print(f"  reason: {result.reason.value if result.reason else '-'}")
            console.print(f"  {result.message_zh}")
            console.print(f"  {result.message_en}")
    raise typer.Exit(0 if result.valid else 1)

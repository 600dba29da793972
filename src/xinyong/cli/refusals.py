"""How a command refuses bad usage: the one place the CLI turns a ``Refusal`` into exit status 2."""

from __future__ import annotations

from typing import NoReturn

import typer

from xinyong.domain.platform.refusal import Refusal


def exit_refused(exc: Refusal) -> NoReturn:
    """A refused command: the field and both messages on standard error, exit 2 (bad usage). Refusals no
    command catches reach ``xinyong.cli.main``, which exits 1."""
    field = f"{exc.field}: " if exc.field else ""
    typer.echo(f"{field}{exc.message_zh} / {exc.message_en}", err=True)
    raise typer.Exit(2)

"""The ``xinyong`` command line.

``xinyong init`` prepares the data folder and database, ``xinyong demo`` loads demo data,
``xinyong serve`` starts the platform, and the sub-commands (``subjects``, ``rules``, ``audit`` …)
each do one job, with ``--json`` output for scripts.
"""

from __future__ import annotations

import importlib
import json

import typer
from rich.console import Console

from xinyong import __version__
from xinyong.cli.context import platform as _platform
from xinyong.logging import configure_logging
from xinyong.settings import get_settings

app = typer.Typer(
    name="xinyong",
    help="Xinyong 信用平台: a public credit information platform run under the regulation in force.\n\n"
    "Start with `xinyong init`, then `xinyong demo` and `xinyong serve` (or simply `make run`).",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
console = Console()
err = Console(stderr=True)

# Sub-command groups, each in its own module under xinyong.cli.
SUBCOMMANDS = {
    "subjects": "xinyong.cli.subjects",
    "rules": "xinyong.cli.rules",
    "audit": "xinyong.cli.audit",
    "users": "xinyong.cli.users",
    "inquiry": "xinyong.cli.inquiry",
    "catalog": "xinyong.cli.catalog",
    "units": "xinyong.cli.units",
    "batches": "xinyong.cli.ingest",
    "duty-purposes": "xinyong.cli.duty_purposes",
    "records": "xinyong.cli.records",
    "objections": "xinyong.cli.objections",
    "revocations": "xinyong.cli.revocations",
    "restorations": "xinyong.cli.restorations",
    "duties": "xinyong.cli.duties",
    "exchange": "xinyong.cli.exchange",
    "notices": "xinyong.cli.notices",
}


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    if version:
        console.print(__version__)
        raise typer.Exit(0)


@app.command()
def init(as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object.")) -> None:
    """Create the data folder and bring the database schema up to date (safe to run again)."""
    platform = _platform()
    platform.migrate()
    platform.settings.record_jurisdiction()     # every later command and the server read it from here
    from xinyong.store.migrate import current_revision

    result = {
        "data_dir": str(platform.settings.data_dir),
        "database": platform.engine.url.render_as_string(hide_password=True),
        "revision": current_revision(platform.engine),
        "jurisdiction": platform.jurisdiction,
    }
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        console.print(f"[green]Database ready[/green] at {result['database']} (schema {result['revision']})")
        console.print(f"Jurisdiction 适用法规: [bold]{result['jurisdiction']}[/bold]")


@app.command()
def demo(
    once: bool = typer.Option(True, "--once/--again", help="Skip if demo data was loaded before (default)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Load demonstration data: subjects, catalog, providing units and records for the jurisdiction."""
    from xinyong.services.demo.loader import load_demo

    platform = _platform()
    platform.migrate()
    platform.settings.record_jurisdiction()
    summary = load_demo(platform, once=once)
    if not summary.get("skipped"):
        # Sign the demo's ledger head at once, so the published checkpoints and the anchor file show
        # one from the start (the server signs later heads itself).
        from xinyong.services.audit import anchors, checkpoints, keys
        key = keys.load_or_create_signing_key(keys.key_path(platform.settings.data_dir))
        with platform.sessions.begin() as session:
            made = checkpoints.checkpoint(session, key, at=platform.clock.now())
        anchors.drain(30.0)
        summary["checkpoint_seq"] = made.seq if made else None
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    elif summary.get("skipped"):
        console.print("Demo data already loaded; nothing to do. 演示数据已加载。")
    else:
        accounts = summary.pop("accounts", [])
        console.print(f"[green]Demo data loaded[/green]: {summary}")
        if accounts:
            from xinyong.services.demo.loader import demo_password

            console.print(f"Demo accounts 演示账户 (password 密码 [bold]{demo_password()}[/bold]): "
                          + ", ".join(accounts) + " — sign in at /login")


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to listen on (default from XINYONG_HOST, 127.0.0.1)."),
    port: int = typer.Option(None, help="Port to listen on (default from XINYONG_PORT, 8000)."),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate", help="Run database migrations first."),
) -> None:
    """Start the web platform: portal at /, API under /api/v1, OpenAPI at /docs, health at /healthz."""
    import uvicorn

    settings = get_settings()
    platform = _platform()     # refuses an unsafe deployment here, before anything listens
    if migrate:
        platform.migrate()
    uvicorn.run("xinyong.api.app:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, log_config=None, proxy_headers=False)


for _name, _module in SUBCOMMANDS.items():
    app.add_typer(importlib.import_module(_module).app, name=_name)
app.command("import")(importlib.import_module("xinyong.cli.ingest").import_file)
app.command("sweep")(importlib.import_module("xinyong.cli.compliance").sweep)
app.command("compliance")(importlib.import_module("xinyong.cli.compliance").compliance)
app.add_typer(importlib.import_module("xinyong.cli.users").institutions_app, name="institutions")


def main() -> None:
    from xinyong.domain.platform.refusal import Refusal
    from xinyong.settings import UnsafeDeployment

    try:
        app()
    except Refusal as exc:
        # A refusal no command caught itself: what and why, in both languages, without a traceback.
        where = f"{exc.field}: " if exc.field else ""
        typer.echo(f"{where}{exc.message_zh}\n{where}{exc.message_en}", err=True)
        raise SystemExit(1) from None
    except UnsafeDeployment as exc:
        # A deployment that may not run (the demo verifier outside XINYONG_ENV=local): say which
        # setting and why, in both languages, without a traceback.
        typer.echo(f"{exc.field}: {exc.message_zh}\n{exc.field}: {exc.message_en}", err=True)
        raise SystemExit(2) from None

"""``xinyong exchange``: the standard out, and exchange with other platforms.

``export --layout penalty|permit --since CURSOR -o FILE [--format csv|xlsx|jsonl]`` writes what this
platform forwards upward (the standard file and ``FILE.withdrawals.jsonl``) and prints the next cursor;
``import FILE --from PEER`` applies such a pair from a downstream peer; ``pull --peer NAME`` and ``push
--peer NAME`` exchange over the API since the stored cursor; ``peers add|list|remove`` registers the
peer platforms and issues their tokens. Every command has ``--json``; a refusal exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.refusal import Refusal

app = typer.Typer(help="Exchange 平台间交换: the standard out, and changes with the provincial and national platforms.",
                  no_args_is_help=True)
peers_app = typer.Typer(help="Peer platforms 交换平台: register, list, remove.", no_args_is_help=True)
app.add_typer(peers_app, name="peers")
console = Console()
OPERATOR = Actor(Role.operator, "cli")
LAYOUTS = "penalty or permit (double publicity, upward); serious or court_defaulters (shared lists, downward)"


def _echo(data: dict, as_json: bool, text: str) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))
    else:
        console.print(text)


@app.command("export")
def export(
    layout: str = typer.Option(..., "--layout", help=LAYOUTS),
    since: str = typer.Option("0", "--since", help="The cursor: the 'next' of the last export (0: everything)."),
    output: Path = typer.Option(..., "-o", "--output", help="The file to write (and FILE.withdrawals.jsonl)."),
    file_format: str = typer.Option("csv", "--format", help="csv (UTF-8 with BOM, full headers), xlsx or jsonl."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write the changes since a cursor in the standard, as the upstream platform receives them."""
    from xinyong.services import exchange
    try:
        summary = exchange.export(_platform(), OPERATOR, layout, since, output, file_format=file_format)
    except Refusal as exc:
        exit_refused(exc)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    # the summary on standard error, the next cursor alone on standard output (for a script to keep)
    Console(stderr=True).print(f"{summary['upserts']} rows 行 → {summary['file']}, {summary['withdrawals']} "
                               f"withdrawals 撤回 → {summary['withdrawals_file']}; next cursor 下次游标:")
    typer.echo(summary["next"])


@app.command("import")
def import_file(
    path: Path = typer.Argument(..., exists=True, dir_okay=False,
                                help="An exported file (its .withdrawals.jsonl beside it)."),
    peer: str = typer.Option(..., "--from", help="The downstream peer platform that exported it."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Apply a downstream platform's exported file and its withdrawals."""
    from xinyong.services import exchange
    try:
        received = exchange.import_exchange(_platform(), peer, path)
    except Refusal as exc:
        exit_refused(exc)
    data = received.to_dict()
    _echo(data, as_json, f"{data['upserts']} upserts 更新, {data['withdrawn']} withdrawn 撤回, {data['missing']} "
          f"missing 未见; cursor 游标 {data['next']}")


def _each_layout(step, layouts: list[str], token_file: Path | None, as_json: bool,  # type: ignore[no-untyped-def]
                 withdrawn_key: str, *, peer: str, default: str) -> None:
    """Run ``step(platform, layout, token)`` (a pull or a push) for each layout and print the results; no
    ``--layout``: every layout the peer sends (``default`` sender) or reads (reader), by its relation."""
    from xinyong.services.exchange import channels, get_peer

    token = token_file.read_text(encoding="utf-8").strip() if token_file else None
    platform = _platform()
    results = []
    try:
        if not layouts:
            with platform.sessions() as session:
                relation = get_peer(session, peer).relation
            layouts = channels.names_for(relation) if default == "sender" else channels.names_read_by(relation)
        for name in layouts:
            results.append(step(platform, name, token))
    except Refusal as exc:
        exit_refused(exc)
    _echo({"results": results}, as_json, "\n".join(
        f"{r['layout']}: {r['upserts']} upserts 更新, {r[withdrawn_key]} {withdrawn_key} 撤回, cursor 游标 {r['next']}"
        for r in results))


@app.command("pull")
def pull(
    peer: str = typer.Option(..., "--peer", help="A downstream peer (its layouts) or an upstream one (its lists)."),
    layout: list[str] = typer.Option([], "--layout", help=LAYOUTS + " (repeatable; default: all the peer sends)."),
    token_file: Path | None = typer.Option(None, "--token-file",
                                           help="The token the peer issued (else XINYONG_PEER_TOKEN_<NAME>)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pull a peer's changes since the stored cursor and apply them (a downstream platform's double publicity,
    an upstream platform's shared lists)."""
    from xinyong.services import exchange
    _each_layout(lambda platform, name, token: exchange.pull(platform, peer, name, token=token), layout, token_file,
                 as_json, "withdrawn", peer=peer, default="sender")


@app.command("push")
def push(
    peer: str = typer.Option(..., "--peer", help="An upstream peer (double publicity) or a downstream one (lists)."),
    layout: list[str] = typer.Option([], "--layout", help=LAYOUTS + " (repeatable; default: all the peer reads)."),
    token_file: Path | None = typer.Option(None, "--token-file",
                                           help="The token the peer issued (else XINYONG_PEER_TOKEN_<NAME>)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Push this platform's changes since the stored cursor (double publicity to an upstream platform, the
    shared lists to a downstream one)."""
    from xinyong.services import exchange
    _each_layout(lambda platform, name, token: exchange.push(platform, peer, name, token=token), layout, token_file,
                 as_json, "withdrawals", peer=peer, default="reader")


@peers_app.command("add")
def peers_add(
    name: str = typer.Argument(..., help="The peer's name (lower-case letters, digits, . _ -)."),
    relation: str = typer.Option(..., "--relation", help="upstream (receives from here) or downstream (sends here)."),
    url: str | None = typer.Option(None, "--url", help="The peer's base URL, to pull from or push to."),
    unit: str | None = typer.Option(None, "--unit",
                                    help="Downstream: the providing unit standing for it (default peer-NAME)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a peer platform; prints the token it presents here (shown once)."""
    from xinyong.services import exchange
    try:
        with _platform().unit_of_work(OPERATOR) as uow:
            view, token = exchange.add_peer(uow, name=name, relation=relation, url=url, unit=unit)
    except Refusal as exc:
        exit_refused(exc)
    _echo({**view.to_dict(), "token": token}, as_json,
          f"peer 交换平台 {view.name} ({view.relation}) registered 已登记; its token 令牌 "
          f"(shown once 仅显示一次):\n{token}")


@peers_app.command("list")
def peers_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """The registered peer platforms."""
    from xinyong.services import exchange
    with _platform().sessions() as session:
        views = [v.to_dict() for v in exchange.list_peers(session)]
    _echo({"peers": views}, as_json, "\n".join(
        f"{v['name']} {v['relation']} {v['url'] or '-'} unit {v['unit'] or '-'} …{v['token_hint']}"
        f"{'' if v['active'] else ' (removed 已移除)'}" for v in views) or "no peers 无交换平台")


@peers_app.command("remove")
def peers_remove(name: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Remove a peer platform: its token stops working at once."""
    from xinyong.services import exchange
    try:
        with _platform().unit_of_work(OPERATOR) as uow:
            view = exchange.remove_peer(uow, name)
    except Refusal as exc:
        exit_refused(exc)
    _echo(view.to_dict(), as_json, f"peer 交换平台 {view.name} removed 已移除")

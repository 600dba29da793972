"""``xinyong audit``: verify the audit ledger, and sign a checkpoint on demand.

``verify`` walks the whole hash chain and every signed checkpoint and names the first entry that was
modified, removed, reordered or forged. Exit codes: 0 intact, 1 a problem found, 2 usage error (a bad
option, an unreadable key or anchor file, a database that is not initialised).

``checkpoint`` signs the current head with the ledger key (``<data dir>/keys/ledger-ed25519.pem``,
created with mode 0600 on first use) and keeps a copy of the checkpoint outside the database, in
``<data dir>/keys/ledger-anchor.json``, which ``verify`` then also checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from xinyong.domain.ledger import Checkpoint, LedgerError, VerifyReport, encode_time

app = typer.Typer(
    help="Audit ledger 审计账本: verify the hash chain and its signed checkpoints; checkpoint on demand.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object instead of tables.")


def _platform():  # type: ignore[no-untyped-def]
    from xinyong.services.platform import Platform

    return Platform.from_settings()


def _usage(message_en: str, message_zh: str, as_json: bool) -> NoReturn:
    if as_json:
        error = {"reason": "usage", "message_en": message_en, "message_zh": message_zh}
        typer.echo(json.dumps({"error": error}, ensure_ascii=False))
    else:
        err.print(f"[red]error 错误[/red]: {message_en}\n  {message_zh}")
    raise typer.Exit(2)


def _entry_dict(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"seq": row.seq, "at": encode_time(row.at), "actor": row.actor, "action": row.action,
            "entity": row.entity, "entity_id": row.entity_id, "facts": row.facts, "prev_hash": row.prev_hash,
            "entry_hash": row.entry_hash}


def _print_report(report: VerifyReport, entry: dict[str, Any] | None, anchor: Path | None) -> None:
    if report.ok:
        console.print(f"[green]intact 完好[/green]  {report.message_en}")
        console.print(f"  {report.message_zh}")
    else:
        kind = report.problem.value if report.problem else "-"
        console.print(f"[red]TAMPERED 已被篡改[/red]  problem={kind}"
                      f"  first bad entry 首个问题记录: {report.first_bad_seq}")
        console.print(f"  {report.message_en}")
        console.print(f"  {report.message_zh}")
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_row("entries checked 已核验记录", str(report.entries))
    table.add_row("checkpoints checked 已核验检查点", str(report.checkpoints))
    table.add_row("head 账本头", "-" if report.head_seq is None else str(report.head_seq))
    good = "-" if report.last_good_seq is None else str(report.last_good_seq)
    table.add_row("proven intact up to 已证实完好至", good)
    if anchor is not None:
        table.add_row("anchor 外部锚点", str(anchor))
    console.print(table)
    if entry is not None:
        detail = Table(title=f"entry {entry['seq']} 第 {entry['seq']} 条记录 (as stored)", show_header=False)
        for key, value in entry.items():
            detail.add_row(key, "" if value is None else str(value))
        console.print(detail)


@app.command("verify")
def verify(
    as_json: bool = JSON_OPTION,
    public_key: list[Path] = typer.Option(
        None, "--public-key", help="A ledger public key (PEM) to verify checkpoints with; repeat for older "
        "keys. Default: the keys in <data dir>/keys."),
    anchor: Path = typer.Option(
        None, "--anchor", help="A checkpoint kept outside the database (JSON, as `audit checkpoint` writes). "
        "Default: <data dir>/keys/ledger-anchor.json when it exists."),
    no_anchor: bool = typer.Option(False, "--no-anchor", help="Do not check the anchor file."),
    batch_size: int = typer.Option(5000, "--batch-size", min=1, max=1_000_000,
                                   help="Entries read per database round trip."),
) -> None:
    """Check the whole ledger: every hash, every link, no gaps, every checkpoint's signature, the head.

    Exit code 0 when intact, 1 when a problem is found (the first bad entry is printed), 2 on a usage
    error.
    """
    from xinyong.services import ledger

    platform = _platform()
    keys_dir = platform.settings.data_dir / "keys"
    try:
        if public_key:
            keys = {}
            for path in public_key:
                keys.update(ledger.keyring(ledger.load_public_key(path)))
        else:
            keys = ledger.load_public_keys(keys_dir)
    except (OSError, ValueError, LedgerError) as exc:
        _usage(f"cannot read the public key: {exc}", f"无法读取公钥：{exc}", as_json)
    anchor_file: Path | None = None
    if not no_anchor:
        if anchor is not None:
            if not anchor.exists():
                _usage(f"no such anchor file: {anchor}", f"锚点文件不存在：{anchor}", as_json)
            anchor_file = anchor
        elif ledger.anchor_path(platform.settings.data_dir).exists():
            anchor_file = ledger.anchor_path(platform.settings.data_dir)
    anchor_cp: Checkpoint | None = None
    try:
        anchor_cp = ledger.read_anchor(anchor_file) if anchor_file else None
    except LedgerError as exc:
        _usage(exc.message_en, exc.message_zh, as_json)

    try:
        with platform.sessions() as session:
            if as_json:
                report = ledger.verify(session, keys, anchor=anchor_cp, batch_size=batch_size)
            else:
                with Progress(TextColumn("verifying 核验中"), BarColumn(), MofNCompleteColumn(),
                              TimeRemainingColumn(), console=err, transient=True) as progress:
                    task = progress.add_task("verify", total=None)
                    report = ledger.verify(
                        session, keys, anchor=anchor_cp, batch_size=batch_size,
                        on_progress=lambda done, total: progress.update(task, completed=done, total=total))
            bad = ledger.get(session, report.first_bad_seq) if report.first_bad_seq is not None else None
            entry = _entry_dict(bad)
    except SQLAlchemyError as exc:
        platform.engine.dispose()
        _usage(f"the database cannot be read (run `xinyong init` first?): {exc.__class__.__name__}",
               "无法读取数据库（请先运行 xinyong init）", as_json)
    platform.engine.dispose()

    if as_json:
        payload = report.to_dict()
        payload["entry"] = entry
        payload["anchor"] = str(anchor_file) if anchor_file else None
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        _print_report(report, entry, anchor_file)
    raise typer.Exit(0 if report.ok else 1)


@app.command("checkpoint")
def checkpoint(as_json: bool = JSON_OPTION) -> None:
    """Sign the ledger's current head now and keep a copy outside the database (the anchor)."""
    from xinyong.services import ledger

    platform = _platform()
    data_dir = platform.settings.data_dir
    try:
        key = ledger.load_or_create_signing_key(ledger.key_path(data_dir))
    except (OSError, ValueError, LedgerError) as exc:
        _usage(f"cannot read or create the signing key: {exc}", f"无法读取或创建签名密钥：{exc}", as_json)
    try:
        with platform.sessions.begin() as session:
            cp = ledger.checkpoint(session, key, at=platform.clock.now())
    except SQLAlchemyError as exc:
        platform.engine.dispose()
        _usage(f"the database cannot be written (run `xinyong init` first?): {exc.__class__.__name__}",
               "无法写入数据库（请先运行 xinyong init）", as_json)
    platform.engine.dispose()
    anchor = ledger.anchor_path(data_dir)
    if cp is not None:
        ledger.write_anchor(anchor, cp)  # after the commit: the anchor never names an uncommitted entry
    result = {"checkpoint": cp.to_dict() if cp else None, "anchor": str(anchor) if cp else None,
              "public_key": str(ledger.public_key_path(ledger.key_path(data_dir)))}
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    elif cp is None:
        console.print("The ledger is empty: nothing to checkpoint. 账本为空，无需建立检查点。")
    else:
        console.print(f"[green]checkpoint 检查点[/green] at entry {cp.seq}  key {cp.key_id}")
        console.print(f"  entry hash 记录哈希: {cp.entry_hash}")
        console.print(f"  anchor 外部锚点: {anchor}")
        console.print(f"  public key 公钥: {result['public_key']}")

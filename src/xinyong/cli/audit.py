"""``xinyong audit``: verify the audit ledger, and sign a checkpoint on demand.

``verify`` walks the whole hash chain and every signed checkpoint and names the first entry that was
modified, removed, reordered or forged (and the field of a value that is not even well formed). It
compares the database's checkpoints with those kept outside it (the anchor file
``<data dir>/keys/ledger-anchors.jsonl``, the configured witnesses, ``--witness``), expects one every
``XINYONG_LEDGER_CHECKPOINT_EVERY`` entries, and no entry after the last one stamped
``XINYONG_LEDGER_CHECKPOINT_SECONDS`` or more after it. A witness that cannot be read, or lacks
checkpoints, is a warning. Exit codes: 0 intact, 1 a problem found, 2 usage error (a bad option, an
unreadable key or anchor file, a database that is not initialised).

``checkpoint`` signs the current head with the ledger key (``<data dir>/keys/ledger-ed25519.pem``,
created with mode 0600 on first use) and keeps it outside the database like every checkpoint: in the
anchor file and at the witnesses.
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

from xinyong.cli.context import platform as _platform
from xinyong.domain.audit.canonical import LedgerError
from xinyong.domain.audit.verification import VerifyReport

app = typer.Typer(
    help="Audit ledger 审计账本: verify the hash chain and its signed checkpoints; checkpoint on demand.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object instead of tables.")


def _usage(message_en: str, message_zh: str, as_json: bool) -> NoReturn:
    if as_json:
        error = {"reason": "usage", "message_en": message_en, "message_zh": message_zh}
        typer.echo(json.dumps({"error": error}, ensure_ascii=False))
    else:
        err.print(f"[red]error 错误[/red]: {message_en}\n  {message_zh}")
    raise typer.Exit(2)


def _print_report(report: VerifyReport, entry: dict[str, Any] | None, anchors: list[str]) -> None:
    if report.ok:
        console.print(f"[green]intact 完好[/green]  {report.message_en}")
        console.print(f"  {report.message_zh}")
    else:
        kind = report.problem.value if report.problem else "-"
        console.print(f"[red]TAMPERED 已被篡改[/red]  problem={kind}"
                      f"  first bad entry 首个问题记录: {report.first_bad_seq}"
                      + (f"  field 字段: {report.field}" if report.field else ""))
        console.print(f"  {report.message_en}")
        console.print(f"  {report.message_zh}")
        for other in report.problems[1:]:
            console.print(f"[red]also 另有[/red] {other.kind.value}: {other.message_en}")
            console.print(f"  {other.message_zh}")
    for en, zh in report.warnings:
        console.print(f"[yellow]warning 警告[/yellow] {en}")
        console.print(f"  {zh}")
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_row("entries checked 已核验记录", str(report.entries))
    table.add_row("checkpoints checked 已核验检查点", str(report.checkpoints))
    table.add_row("head 账本头", "-" if report.head_seq is None else str(report.head_seq))
    good = "-" if report.last_good_seq is None else str(report.last_good_seq)
    table.add_row("proven intact up to 已证实完好至", good)
    table.add_row("last anchored size 最近锚定规模", "-" if report.anchored_seq is None else str(report.anchored_seq))
    for anchor in anchors:
        table.add_row("anchor 外部锚点", anchor)
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
        None, "--anchor", help="A file of checkpoints kept outside the database (JSON lines, as the ledger "
        "writes them). Default: <data dir>/keys/ledger-anchors.jsonl (and the older ledger-anchor.json)."),
    no_anchor: bool = typer.Option(False, "--no-anchor", help="Do not check the anchor file."),
    witness: list[str] = typer.Option(
        None, "--witness", help="Also compare with this witness: a folder or the http(s) URL of an instance "
        "that keeps this ledger's checkpoints; repeat for more."),
    no_witnesses: bool = typer.Option(False, "--no-witnesses",
                                      help="Do not read the witnesses of XINYONG_LEDGER_WITNESSES."),
    every: int = typer.Option(None, "--every", min=0, help="Expect a checkpoint every N entries (0: none). "
                              "Default: XINYONG_LEDGER_CHECKPOINT_EVERY."),
    seconds: int = typer.Option(None, "--seconds", min=0, help="The longest unsigned tail, in seconds (0: no "
                                "bound). Default: XINYONG_LEDGER_CHECKPOINT_SECONDS."),
    batch_size: int = typer.Option(5000, "--batch-size", min=1, max=1_000_000,
                                   help="Entries read per database round trip."),
) -> None:
    """Check the whole ledger: every hash, every link, no gaps, every checkpoint's signature, the head,
    and the checkpoints kept outside the database.

    Exit code 0 when intact, 1 when a problem is found (the first bad entry is printed), 2 on a usage
    error.
    """
    from xinyong.services.audit import anchors, checkpoints, ledger, verification
    from xinyong.services.audit import keys as key_files
    platform = _platform()
    keys_dir = platform.settings.data_dir / "keys"
    try:
        if public_key:
            keys = {}
            for path in public_key:
                keys.update(key_files.keyring(key_files.load_public_key(path)))
        else:
            keys = key_files.load_public_keys(keys_dir)
    except (OSError, ValueError, LedgerError) as exc:
        _usage(f"cannot read the public key: {exc}", f"无法读取公钥：{exc}", as_json)
    anchor_files: list[Path] = []
    if not no_anchor:
        if anchor is not None:
            if not anchor.exists():
                _usage(f"no such anchor file: {anchor}", f"锚点文件不存在：{anchor}", as_json)
            anchor_files = [anchor]
        else:
            keys_folder = platform.settings.data_dir / "keys"
            anchor_files = [p for p in (key_files.anchor_path(platform.settings.data_dir),
                                        keys_folder / anchors.LEGACY_ANCHOR_FILENAME) if p.exists()]
    witnesses = anchors.parse_witnesses([*([] if no_witnesses else platform.settings.ledger_witnesses),
                                         *(witness or [])])
    every = platform.settings.ledger_checkpoint_every if every is None else every
    seconds = platform.settings.ledger_checkpoint_seconds if seconds is None else seconds

    try:
        with platform.sessions() as session:
            stored = checkpoints.checkpoints(session)
            session.rollback()
            outside, warnings = anchors.collect(anchor_files=anchor_files, witnesses=witnesses, key_ids=keys,
                                                stored=stored)
            options: dict[str, Any] = {"anchored": outside, "every": every or None, "seconds": seconds or None,
                                       "warnings": warnings, "batch_size": batch_size}
            if as_json:
                report = verification.verify(session, keys, **options)
            else:
                with Progress(TextColumn("verifying 核验中"), BarColumn(), MofNCompleteColumn(),
                              TimeRemainingColumn(), console=err, transient=True) as progress:
                    task = progress.add_task("verify", total=None)
                    report = verification.verify(
                        session, keys, **options,
                        on_progress=lambda done, total: progress.update(task, completed=done, total=total))
            entry = ledger.raw_entry(session, report.first_bad_seq) if report.first_bad_seq is not None else None
    except SQLAlchemyError as exc:
        platform.engine.dispose()
        _usage(f"the database cannot be read (run `xinyong init` first?): {exc.__class__.__name__}",
               "无法读取数据库（请先运行 xinyong init）", as_json)
    platform.engine.dispose()

    sources = [str(p) for p in anchor_files] + [f"witness {w.location}" for w in witnesses]
    if as_json:
        payload = report.to_dict()
        payload["entry"] = entry
        payload["anchor"] = str(anchor_files[0]) if anchor_files else None
        payload["anchors"] = sources
        typer.echo(json.dumps(payload, ensure_ascii=False))
    else:
        _print_report(report, entry, sources)
    raise typer.Exit(0 if report.ok else 1)


@app.command("checkpoint")
def checkpoint(as_json: bool = JSON_OPTION) -> None:
    """Sign the ledger's current head now and keep a copy outside the database (the anchor)."""
    from xinyong.services.audit import checkpoints, keys
    platform = _platform()
    data_dir = platform.settings.data_dir
    try:
        key = keys.load_or_create_signing_key(keys.key_path(data_dir))
    except (OSError, ValueError, LedgerError) as exc:
        _usage(f"cannot read or create the signing key: {exc}", f"无法读取或创建签名密钥：{exc}", as_json)
    from xinyong.services.audit import anchors
    try:
        # After the commit, the checkpoint is kept in the anchor file and sent to the witnesses.
        with platform.sessions.begin() as session:
            cp = checkpoints.checkpoint(session, key, at=platform.clock.now())
    except SQLAlchemyError as exc:
        platform.engine.dispose()
        _usage(f"the database cannot be written (run `xinyong init` first?): {exc.__class__.__name__}",
               "无法写入数据库（请先运行 xinyong init）", as_json)
    platform.engine.dispose()
    anchors.drain(30.0)
    anchor = keys.anchor_path(data_dir)
    result = {"checkpoint": cp.to_dict() if cp else None, "anchor": str(anchor) if cp else None,
              "public_key": str(keys.public_key_path(keys.key_path(data_dir)))}
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    elif cp is None:
        console.print("The ledger is empty: nothing to checkpoint. 账本为空，无需建立检查点。")
    else:
        console.print(f"[green]checkpoint 检查点[/green] at entry {cp.seq}  key {cp.key_id}")
        console.print(f"  entry hash 记录哈希: {cp.entry_hash}")
        console.print(f"  anchor 外部锚点: {anchor}")
        console.print(f"  public key 公钥: {result['public_key']}")

"""``xinyong records``: checks over the stored credit records as a whole (the operator's tools)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from xinyong.domain.identity.actors import Actor
from xinyong.domain.subjects.personal_data import FOUND_LABELS, Found

app = typer.Typer(help="Stored records 信用记录: checks over every record (personal data in free text).",
                  no_args_is_help=True)
console = Console()
CLI = Actor.system("cli")


@app.command("scan-personal-data")
def scan_personal_data(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: totals and every finding."),
) -> None:
    """Rescan every record's current version for natural persons' identity, passport and mobile
    numbers and names written into its text fields (as intake refuses them since this check exists).
    Reports where (record, item, field) and what kind, never the value; the totals go to the audit
    ledger. Exit 0 when nothing is found, 1 when something is."""
    from xinyong.services.disclosure.rescan import scan_personal_data as scan
    from xinyong.services.platform.bootstrap import Platform

    result = scan(Platform.from_settings(), CLI)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        console.print(f"扫描记录 records scanned: {result.records_scanned}; "
                      f"含个人信息的记录 records with personal data: {result.records_with_findings}")
        if result.findings:
            table = Table("record", "item", "version", "field", "found 发现")
            for finding in result.findings:
                kinds = "、".join(f"{FOUND_LABELS[Found(k)][0]} {FOUND_LABELS[Found(k)][1]}" for k in finding.kinds)
                table.add_row(str(finding.record_id), finding.item_code, str(finding.version), finding.field, kinds)
            console.print(table)
            console.print("这些内容在提供查询时已对本人以外的查询者脱敏；请提供单位提交更正以从记录中删除。\n"
                          "They are served masked to everyone but the person; ask the providing unit for a "
                          "correction to remove them from the record.")
    raise typer.Exit(1 if result.findings else 0)

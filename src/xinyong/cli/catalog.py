"""``xinyong catalog``: the published catalog in force, one version in full, and the history.

Read-only: the lifecycle (draft, comment, assessment, approval, in force) runs through the operator
API (``/api/v1/catalog/versions``) so that every step is an authenticated, recorded act.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from xinyong.cli.context import platform as _platform
from xinyong.domain.catalog import items as dc
from xinyong.domain.catalog import law as dc_law
from xinyong.domain.catalog import lifecycle as dc_life

app = typer.Typer(help="Catalog 信用信息目录: the items in force, versions and their history.",
                  no_args_is_help=True)
console = Console()


def _on(value: str | None, platform: Any) -> date:
    if value is None:
        return platform.clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"日期格式应为 YYYY-MM-DD / the date must read YYYY-MM-DD: {value}", err=True)
        raise typer.Exit(2) from None


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=None))


def _version_line(v: Any) -> str:
    zh, en = dc_life.STATE_LABELS[v.state]
    if v.in_force_from is None:
        period = "-"
    elif v.superseded_from is None:
        period = f"from {v.in_force_from}"
    else:
        period = f"{v.in_force_from} to {v.superseded_from} (exclusive)"
    return f"v{v.number}  {zh} {en}  {v.title_zh} / {v.title_en}  in force: {period}"


@app.command("list")
def list_items(
    on: str = typer.Option(None, "--on", help="The date (YYYY-MM-DD) whose catalog to list; default today."),
    jurisdiction: str = typer.Option(None, "--jurisdiction", help="Default: XINYONG_JURISDICTION."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """The catalog in force on a date: each item with its category, disclosure, article and units."""
    from xinyong.services import catalog
    platform = _platform()
    jurisdiction = jurisdiction or platform.jurisdiction
    day = _on(on, platform)
    with platform.sessions() as session:
        published = catalog.published_catalog(session, jurisdiction, day)
    if as_json:
        _echo_json(published.to_dict())
        return
    console.print(f"[bold]{jurisdiction}[/bold] {day.isoformat()}: {_version_line(published.version)}")
    table = Table("code", "名称 name", "类别 category", "公开 disclosure", "展示 display", "依据 allowed by",
                  "提供单位 units")
    for item in published.items:
        spec = item.spec
        table.add_row(spec.code, spec.name_zh, dc.CATEGORY_LABELS[spec.category][0],
                      spec.disclosure_class.value, spec.display_rule or "-", spec.allowed_by,
                      ", ".join(u.code for u in item.providing_units) or "-")
    console.print(table)


@app.command("show")
def show(
    item_code: str = typer.Argument(None, help="An item code: show that item's fields in full."),
    version: int = typer.Option(None, "--version", help="Version number; default the one in force."),
    on: str = typer.Option(None, "--on", help="With no --version: the version in force on this date."),
    jurisdiction: str = typer.Option(None, "--jurisdiction", help="Default: XINYONG_JURISDICTION."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """One catalog version in full (items, comments, assessments), or one item of it."""
    from xinyong.services import catalog
    platform = _platform()
    jurisdiction = jurisdiction or platform.jurisdiction
    with platform.sessions() as session:
        if version is not None:
            view = catalog.get_version_by_number(session, jurisdiction, version)
        else:
            day = _on(on, platform)
            found = catalog.version_in_force(session, jurisdiction, day)
            if found is None:
                typer.echo(f"{day.isoformat()} 没有施行中的目录版本 / no catalog version is in force on "
                           f"{day.isoformat()}", err=True)
                raise typer.Exit(1)
            view = found
        items = catalog.version_items(session, view.id)
        comments = catalog.version_comments(session, view.id)
        assessments = catalog.version_assessments(session, view.id)
    if item_code:
        spec = next((i for i in items if i.code == item_code), None)
        if spec is None:
            typer.echo(f"第{view.number}版没有事项 {item_code} / "
                       f"version {view.number} has no item {item_code}", err=True)
            raise typer.Exit(1)
        if as_json:
            _echo_json({"version": view.to_dict(), "item": dc.item_to_dict(spec)})
            return
        console.print(f"[bold]{spec.code}[/bold]  {spec.name_zh} / {spec.name_en}  (v{view.number})")
        for key, value in dc.item_to_dict(spec).items():
            if key != "fields":
                console.print(f"  {key}: {value}")
        table = Table("field", "type", "required", "标签", "label", "choices / max")
        for f in spec.fields:
            extra = ", ".join(f.choices) if f.choices else (str(f.max_length) if f.max_length else "")
            table.add_row(f.name, f.type.value, "yes" if f.required else "", f.label_zh, f.label_en, extra)
        console.print(table)
        return
    if as_json:
        _echo_json({"version": view.to_dict(), "items": [dc.item_to_dict(i) for i in items],
                    "comments": [c.to_dict() for c in comments],
                    "assessments": [a.to_dict() for a in assessments]})
        return
    console.print(f"[bold]{jurisdiction}[/bold]  {_version_line(view)}")
    console.print(f"  proposer: {view.proposer}\n  reason: {view.reason}")
    if view.approved_on:
        console.print(f"  approved {view.approved_on} by {view.approved_by} "
                      f"({view.approval_document or '-'})")
    if view.grounds:
        console.print("  assessment grounds: " + "; ".join(dc_law.GROUND_LABELS[g][1] for g in view.grounds))
    table = Table("code", "名称 name", "类别", "legal doc", "依据 allowed by")
    for spec in items:
        table.add_row(spec.code, spec.name_zh, spec.category.value,
                      "yes" if spec.legal_document_required else "", spec.allowed_by)
    console.print(table)
    if comments:
        console.print(f"  {len(comments)} comment(s): "
                      + ", ".join(f"{c.stance}{'@' + c.item_code if c.item_code else ''}" for c in comments))
    for a in assessments:
        console.print(f"  assessment {a.held_on}: {len(a.experts)} expert(s), "
                      f"groups: {', '.join(a.groups_heard)}")


@app.command("history")
def history(
    item_code: str = typer.Argument(None, help="An item code: the versions that had it."),
    jurisdiction: str = typer.Option(None, "--jurisdiction", help="Default: XINYONG_JURISDICTION."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Every catalog version, oldest first, with its state and the dates it was in force."""
    from xinyong.services import catalog
    platform = _platform()
    jurisdiction = jurisdiction or platform.jurisdiction
    with platform.sessions() as session:
        if item_code:
            rows = catalog.item_history(session, jurisdiction, item_code)
            if as_json:
                _echo_json({"jurisdiction": jurisdiction, "item": item_code,
                            "versions": [{"version": v.to_dict(), "spec_sha256": catalog.spec_digest(s),
                                          "allowed_by": s.allowed_by} for v, s in rows]})
                return
            if not rows:
                typer.echo(f"没有目录版本含有 {item_code} / no catalog version has {item_code}", err=True)
                raise typer.Exit(1)
            for v, s in rows:
                console.print(f"{_version_line(v)}  {s.allowed_by}  sha256:{catalog.spec_digest(s)[:12]}")
            return
        versions = catalog.list_versions(session, jurisdiction)
    if as_json:
        _echo_json({"jurisdiction": jurisdiction, "versions": [v.to_dict() for v in versions]})
        return
    if not versions:
        console.print(f"{jurisdiction}: 尚无目录版本 / no catalog versions yet")
        return
    for v in versions:
        console.print(_version_line(v) + f"  ({v.item_count} items, {v.comment_count} comments, "
                      f"{v.assessment_count} assessments)")

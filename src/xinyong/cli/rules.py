"""``xinyong rules``: the rule files as people and scripts see them.

``list``, ``show``, ``diff`` and ``deadline``; each prints Rich tables for people (every value beside
its citation and effective date; operator targets marked) or, with ``--json``, one JSON object.
Exit codes: 0 done, 2 bad input (unknown jurisdiction, duty or year, a bad date), 1 a broken rule or
calendar file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text as RichText

from xinyong.domain.platform.clock import business_tz
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.rulebook.calendar import CalendarDataError, UnknownYearError
from xinyong.rules import RuleError, RuleFileError, RuleValue, describe
from xinyong.services.rulebook.rules import (
    DeadlineAnswer,
    compute_deadline,
    default_calendar,
    default_rulebook,
    diff_rulesets,
    nothing_in_force,
    parse_pause,
    parse_received,
    rows_in_force,
    ruleset_rows,
)
from xinyong.settings import get_settings

app = typer.Typer(
    help="Rules 法规规则: the regulation files with their citations, and statutory deadlines.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object instead of tables.")


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


def _fail(
    code: int, reason: str, message_en: str, message_zh: str, as_json: bool, field: str | None = None
) -> NoReturn:
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "error": {
                        "field": field,
                        "reason": reason,
                        "message_zh": message_zh,
                        "message_en": message_en,
                    }
                },
                ensure_ascii=False,
            )
        )
    # The message may quote what the person typed: neither Rich markup nor an emoji code (":end:").
    err.print(f"[red]错误[/red] {escape(message_zh)}", markup=True, highlight=False, emoji=False)
    err.print(f"[red]error[/red] {escape(message_en)}", markup=True, highlight=False, emoji=False)
    raise typer.Exit(code)


def _guarded(as_json: bool, action: Callable[[], Any]) -> Any:
    """Run ``action``; turn the errors people can cause into a bilingual message and an exit code."""
    try:
        return action()
    except Refusal as exc:        # bad input: a date, a pause, a duty that is not one (exit 2, bad usage)
        _fail(2, exc.reason, exc.message_en, exc.message_zh, as_json, exc.field)
    except UnknownYearError as exc:
        _fail(
            2,
            "unknown_year",
            f"no working-day calendar is known for {exc.year}: add the State Council notice for that "
            "year as a calendar file (rules/calendar/README.md)",
            f"没有 {exc.year} 年的法定节假日安排：请按国务院办公厅通知添加该年的日历文件",
            as_json,
            "received",
        )
    except RuleFileError as exc:
        _fail(1, "rule_file", exc.message_en, exc.message_zh, as_json)
    except CalendarDataError as exc:
        _fail(1, "calendar_file", str(exc), f"日历文件有误：{exc}", as_json)
    except RuleError as exc:
        _fail(2, type(exc).__name__, exc.message_en, exc.message_zh, as_json, _field_of(exc))


def _field_of(exc: RuleError) -> str | None:
    name = type(exc).__name__
    return {
        "UnknownJurisdiction": "jurisdiction",
        "RuleNotProvided": "duty",
        "NoValueInForce": "received",
        "UnknownRuleKey": "key",
    }.get(name)


def _date_option(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    value = parse_received(text, field)
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise Refusal(field, "bad_date", f"{field}：请给出日期 YYYY-MM-DD", f"{field}: give a date YYYY-MM-DD")
    return value


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


# --------------------------------------------------------------------------------------------------
# Rendering helpers
# --------------------------------------------------------------------------------------------------


def _basis(entry: dict[str, Any] | RuleValue | None) -> str:
    if entry is None:
        return ""
    data = entry.to_dict() if isinstance(entry, RuleValue) else entry
    if data.get("operator_target"):
        return f"[yellow]operator target 运营目标[/yellow] (article: “{data.get('wording')}”)"
    if data.get("source") == "secondary":
        return "[magenta]secondary source 二手来源[/magenta]"
    return "statute 法定" if data.get("basis") else ""


def _value_cell(value: RuleValue | None, missing: str | None) -> str:
    if value is None:
        return f"[dim]{missing or '—'}[/dim]"
    shown = describe(value.value, value.period_unit)
    if value.operator_target:
        shown += f" [yellow](operator target; article: “{value.wording}”)[/yellow]"
    return shown


DRAFT_LABEL = "[bold red]DRAFT 草案[/bold red]"


def _status_cell(status: str) -> str:
    return "draft 草案: not in force 未施行" if status == "draft" else status


def _draft_banner(notice: Any) -> None:
    """The plain statement that a regulation is a draft for comment and not in force."""
    if notice is None:
        return
    data = notice.to_dict() if hasattr(notice, "to_dict") else notice
    console.print(f"{DRAFT_LABEL} {data['zh']}", highlight=False)
    console.print(f"{DRAFT_LABEL} {data['en']}", highlight=False)


def _cite_cell(value: RuleValue | None) -> str:
    if value is None:
        return ""
    text = f"{value.citation} (from {value.effective.isoformat()})"
    if value.deferred_from:
        text += f" via {value.deferred_from.citation}"
    return text


# --------------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------------


@app.command("list")
def list_(as_json: bool = JSON_OPTION) -> None:
    """List the rule files: one per regulation, plus the national baseline."""
    rulebook = _guarded(as_json, default_rulebook)
    deployed = get_settings().jurisdiction
    rows = []
    for ruleset in rulebook:
        row = ruleset.to_dict()
        row["duties"] = ruleset.duties()
        row["deployed"] = ruleset.id == deployed
        rows.append(row)
    if as_json:
        _echo_json({"jurisdiction": deployed, "rulesets": rows})
        return
    table = Table(title="Rule files 规则文件", show_lines=False)
    for column in (
        "id",
        "abbrev",
        "title 名称",
        "status 状态",
        "in force 施行",
        "rules 规则",
        "duties 期限义务",
    ):
        table.add_column(column)
    for row in rows:
        marker = " [green]*[/green]" if row["deployed"] else ""
        table.add_row(
            row["id"] + marker,
            row["abbrev"],
            f"{row['title']['en']}\n{row['title']['zh']}",
            _status_cell(row["status"]),
            row["in_force"] or "—",
            str(row["rule_count"]),
            str(len(row["duties"])),
        )
    console.print(table)
    console.print(
        f"* this deployment's jurisdiction 本部署适用法规: [bold]{deployed}[/bold] (XINYONG_JURISDICTION)"
    )


@app.command("show")
def show(
    jurisdiction: str = typer.Argument(..., help="A rule file id (see `xinyong rules list`)."),
    on: str = typer.Option(None, "--on", help="Only the values in force on this date (YYYY-MM-DD)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Every value of one rule file beside its citation and effective date."""

    def load() -> tuple[Any, list[dict[str, Any]], date | None, dict[str, Any] | None]:
        day = _date_option(on, "on")
        ruleset = default_rulebook().get(jurisdiction)
        rows = ruleset_rows(ruleset)
        empty = None
        if day is not None:
            # before the regulation takes effect (a draft: before its publication) nothing of it is in
            # force, its deferrals to older State values included
            starts = ruleset.published if ruleset.is_draft else ruleset.in_force
            rows = [] if starts is not None and day < starts else rows_in_force(rows, day)
            empty = nothing_in_force(ruleset, day, rows)
        return ruleset, rows, day, empty

    ruleset, rows, day, empty = _guarded(as_json, load)
    if as_json:
        data = ruleset.to_dict()
        data["on"] = day.isoformat() if day else None
        data["nothing_in_force"] = empty
        data["rules"] = rows
        data["notes"] = ruleset.notes
        _echo_json(data)
        return
    console.print(f"[bold]{ruleset.title.en}[/bold]  {ruleset.title.zh}")
    _draft_banner(ruleset.draft_notice())
    console.print(
        f"{ruleset.id} ({ruleset.abbrev}) · {_status_cell(ruleset.status)} · "
        f"in force 施行: {ruleset.in_force or '—'}"
        + (
            f" · text: {ruleset.text}"
            if ruleset.text
            else " · no regulation text: values from secondary sources"
        )
    )
    table = Table(show_lines=True)
    for column in ("rule 规则", "value 值", "citation 依据", "effective 生效", "until 截止", "basis 性质"):
        table.add_column(column, overflow="fold")
    for row in rows:
        citation = row["citation"]
        if row["deferred_from"] and row["jurisdiction"] != ruleset.id:
            citation += f"\nvia {row['deferred_from']['citation']} (defers to the State 依照国家规定)"
        table.add_row(
            row["key"], row["shown"], citation, row["effective"] or "—", row["until"] or "", _basis(row)
        )
    console.print(table)
    if empty is not None:
        console.print(f"[yellow]{empty['message_zh']}[/yellow]", highlight=False)
        console.print(f"[yellow]{empty['message_en']}[/yellow]", highlight=False)
    if ruleset.notes:
        notes = Table(title="Not machine-checkable 未编码条款", show_lines=True)
        notes.add_column("article 条款")
        notes.add_column("why 说明", overflow="fold")
        for heading, text in ruleset.notes.items():
            notes.add_row(heading, text)
        console.print(notes)


@app.command("diff")
def diff(
    a: str = typer.Argument(..., help="First rule file id."),
    b: str = typer.Argument(..., help="Second rule file id."),
    on: str = typer.Option(
        None, "--on", help="Compare the values in force on this date (default: each rule's latest value)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """The values that differ between two rule files, side by side with both citations."""

    def run() -> Any:
        return diff_rulesets(default_rulebook(), a, b, _date_option(on, "on"))

    result = _guarded(as_json, run)
    if as_json:
        _echo_json(result.to_dict())
        return
    when = f"in force on {result.on.isoformat()}" if result.on else "latest values 最新规定"
    for side in (result.a, result.b):
        _draft_banner(side.draft_notice())
    table = Table(title=f"{a} ⟷ {b}: values that differ 不同之处 ({when})", show_lines=True)
    table.add_column("rule 规则", overflow="fold")
    a_head = f"{a} (DRAFT 草案)" if result.a.is_draft else a
    b_head = f"{b} (DRAFT 草案)" if result.b.is_draft else b
    table.add_column(a_head, overflow="fold")
    table.add_column(f"{a} citation 依据", overflow="fold")
    table.add_column(b_head, overflow="fold")
    table.add_column(f"{b} citation 依据", overflow="fold")
    for row in result.differ:
        table.add_row(
            row.key,
            _value_cell(row.a, row.a_missing),
            _cite_cell(row.a),
            _value_cell(row.b, row.b_missing),
            _cite_cell(row.b),
        )
    console.print(table)
    for title, rows in (
        ("Same value in both 两者相同", [r for r in result.same if not r.labels_differ]),
        ("Same value, worded differently 值相同、表述不同", [r for r in result.same if r.labels_differ]),
    ):
        if not rows:
            continue
        same = Table(title=title, show_lines=False)
        same.add_column("rule 规则", overflow="fold")
        same.add_column("value 值", overflow="fold")
        same.add_column(f"{a} citation", overflow="fold")
        same.add_column(f"{b} citation", overflow="fold")
        for row in rows:
            same.add_row(row.key, _value_cell(row.a, row.a_missing), _cite_cell(row.a), _cite_cell(row.b))
        console.print(same)


def _render_deadline(answer: DeadlineAnswer) -> None:
    console.print(f"[bold]{answer.duty}[/bold]  {answer.description.zh} / {answer.description.en}")
    console.print(f"jurisdiction 法规: {answer.jurisdiction}")
    _draft_banner(answer.draft_notice)
    console.print(
        f"received 收到: {answer.received.isoformat()} (business date {answer.received_date.isoformat()})"
    )
    limit = f"{answer.count} {answer.period_unit.replace('_', ' ')}"
    if answer.draft_notice is not None:
        dated = f"draft value dated {answer.effective.isoformat()}, not in force 草案规定，未施行"
    else:
        dated = f"in force from {answer.effective.isoformat()}"
    console.print(f"time limit 期限: {limit}  —  {answer.citation} ({dated})")
    if answer.deferred_from:
        console.print(f"  deferred by 依照国家规定: {answer.deferred_from.citation}")
    if answer.pause_basis:
        console.print(f"  time not counted under 不计入期限的依据: {answer.pause_basis.citation}")
    if answer.operator_target:
        console.print(
            f"  [yellow]operator target 运营目标[/yellow]: the article says “{answer.wording}”, "
            "the number is the operator's service target, not the statute's"
        )
    if answer.source == "secondary":
        console.print(
            "  [magenta]secondary source 二手来源[/magenta]: not yet checked against the official text"
        )
    if answer.suspended:
        console.print(
            "[yellow]due 截止: suspended 期限中止[/yellow] — a pause is still running; no due date yet"
        )
    else:
        assert answer.due is not None
        console.print(
            f"[green]due 截止[/green]: [bold]{answer.due.isoformat()}[/bold] "
            f"(last day on which the duty is on time 履行期限的最后一日, {business_tz()})"
        )
    for source in answer.calendar:
        console.print(f"calendar {source.year} 工作日日历: {source.label}", highlight=False)
    if answer.skipped:
        table = Table(title="Days not counted 未计入的日期")
        table.add_column("day 日期")
        table.add_column("weekday")
        table.add_column("reason 原因", overflow="fold")
        for day in answer.skipped:
            table.add_row(day.day.isoformat(), day.day.strftime("%a"), RichText(day.reason))
        console.print(table)


@app.command("deadline")
def deadline(
    jurisdiction: str = typer.Argument(..., help="A rule file id (see `xinyong rules list`)."),
    duty: str = typer.Argument(..., help="A duty key, e.g. objection.decide (see `xinyong rules show`)."),
    received: str = typer.Option(
        ...,
        "--received",
        help="When the matter was received: YYYY-MM-DD or "
        "YYYY-MM-DDTHH:MM[+08:00] (no offset: the business time zone, UTC+8).",
    ),
    pause: list[str] = typer.Option(
        None,
        "--pause",
        help="FIRST:LAST:REASON, the first and last day not counted (YYYY-MM-DD; LAST empty while "
        "it runs). Only for a duty whose regulation excludes such time (a rule such as "
        "objection.excluded_time lists it); refused elsewhere. Repeatable.",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """The statutory due date of DUTY for a matter received on --received, with the days skipped."""

    def run() -> DeadlineAnswer:
        moment = parse_received(received, "received")
        pauses = [parse_pause(p, "pause") for p in (pause or [])]
        return compute_deadline(default_rulebook(), default_calendar(), jurisdiction, duty, moment, pauses)

    answer = _guarded(as_json, run)
    if as_json:
        _echo_json(answer.to_dict())
        return
    _render_deadline(answer)


@app.command("calendar")
def calendar(
    on: str = typer.Option(None, "--on", help="Judge the warning as of YYYY-MM-DD (default: today, by the "
                           "platform's clock)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Which years the working-day calendar covers, and by what (the package's year data or an operator
    file and its notice); from 1 November, a warning when next year's holiday notice is not loaded."""
    from xinyong.services.rulebook.calendars import CalendarStatus, calendar_status

    def run() -> CalendarStatus:
        today = _date_option(on, "on")
        if today is None:
            from xinyong.services.platform.bootstrap import Platform

            today = Platform.from_settings().clock.today()
        return calendar_status(default_calendar(), today)

    status = _guarded(as_json, run)
    if as_json:
        _echo_json(status.to_dict())
        return
    table = Table(title=f"Working-day calendar 工作日日历 (as of {status.today.isoformat()})")
    table.add_column("years 年份")
    table.add_column("source 来源", overflow="fold")
    for first, last, source in status.ranges():
        table.add_row(str(first) if first == last else f"{first}–{last}", source.label)
    console.print(table)
    if status.warning:
        err.print(f"[yellow]警告[/yellow] {status.warning.message_zh}", markup=True, highlight=False)
        err.print(f"[yellow]warning[/yellow] {status.warning.message_en}", markup=True, highlight=False)

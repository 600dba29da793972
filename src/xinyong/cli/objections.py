"""``xinyong objections``: objections at the center's counter and desk: ``file`` (a paper application,
with the day it was received), ``list`` (the queue, nearest due date first), ``show``, ``transfer``,
``decide``, ``refuse``, ``pause`` / ``resume``; an objection to a credit service institution (``file
--institution CODE --reference REF``) and the institution's answers as received from it
(``institution-label``, ``institution-decide``); ``forward-corrections`` (the subject's request that the
recipients of copies correct them). Run as the center's operator; every command has
``--json`` (the objection's ``id``, ``status`` and ``duties``: ``{key, owner, due, provisional, cite,
status}``); a refusal exits 2."""

from __future__ import annotations

import json
from datetime import datetime

import typer
from rich.console import Console
from rich.table import Table

from xinyong.cli.context import platform as _platform
from xinyong.cli.refusals import exit_refused
from xinyong.domain.identity.actors import Actor, Role
from xinyong.domain.platform.clock import business_tz
from xinyong.domain.platform.refusal import NOT_FOUND, Refusal

app = typer.Typer(help="Objections 异议: file at the counter, list, show, transfer, decide, refuse, pause.",
                  no_args_is_help=True)
console = Console()
OPERATOR = Actor(Role.operator, "cli")


def _show(platform, objection_id: int, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    from xinyong.services import objections
    with platform.sessions() as session:
        view = objections.get_objection(platform, session, objection_id)
    data = view.to_dict()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    records = ", ".join(r.reference for r in view.records)
    console.print(f"objection 异议 #{data['id']} {data['status']} {data['outcome'] or ''} records 记录 {records}")
    if data.get("institution"):
        inst = data["institution"]
        console.print(f"  institution 信用服务机构 {inst['name'] or ''} {inst['code']} "
                      f"reference 编号 {inst['reference']}")
    for d in data["duties"]:
        console.print(f"  {d['key']} {d['owner']} {d['owner_org'] or ''} due {d['due'] or '-'}"
                      f"{' (provisional)' if d['provisional'] else ''} {d['cite'] or ''} {d['status']}")


def _subject_id(uow, ref: str) -> int:  # type: ignore[no-untyped-def]
    from xinyong.services.subjects import registry as subjects
    found = subjects.get(uow, int(ref)) if ref.isdigit() and len(ref) <= 12 else subjects.find_by_identifier(uow, ref)
    if found is None:
        raise Refusal("subject", "subject_unknown", "没有该信用主体", "no such credit subject", status=NOT_FOUND)
    return found.id


def _corrections(values: list[str]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for value in values:
        record, sep, assignment = value.partition(":")
        name, eq, new = assignment.partition("=")
        if not sep or not eq or not name.strip():
            raise Refusal("correct", "correction_malformed", f"更正须写作 记录:字段=新值（“{value[:60]}”）",
                          f"a correction is RECORD:FIELD=VALUE ('{value[:60]}')")
        out.setdefault(record.strip(), {})[name.strip()] = new
    return out


@app.command("file")
def file(
    subject: str = typer.Option(..., "--subject", help="The subject's id, identity number or USCC."),
    records: list[str] = typer.Option([], "--record", help="A record id, or unit/record_key (repeatable; at least "
                                      "one, except with --institution)."),
    grounds: str = typer.Option(..., "--grounds", help="The grounds of the objection."),
    received: datetime = typer.Option(None, "--received", help="When the paper application was received."),
    channel: str = typer.Option("counter", "--channel", help="counter (the paper application at the center)."),
    authority: str = typer.Option(None, "--authority", help="A representative's authority document reference."),
    route: str = typer.Option(None, "--route", help="center (decide) or provider (transfer); from the rule file."),
    forward: bool = typer.Option(False, "--forward", help="Corrections to reach the recipients of copies."),
    institution: str = typer.Option(None, "--institution", help="The credit service institution holding the "
                                    "information objected to (its USCC), where the rule file times its decision."),
    reference: str = typer.Option(None, "--reference", help="With --institution: its report or record reference."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register an objection received at the counter: the records labelled at once, the duties opened."""
    from xinyong.services import objections
    platform = _platform()
    try:
        with platform.unit_of_work(OPERATOR) as uow:
            if received is not None and received.tzinfo is None:      # a clerk's local time: business time
                received = received.replace(tzinfo=business_tz())
            objection_id = objections.file_objection(
                uow, subject_id=_subject_id(uow, subject), records=list(records), grounds=grounds, channel=channel,
                received=received, representative_authority=authority, route=route,
                forward_to_recipients=forward, institution_code=institution, institution_reference=reference).id
    except Refusal as exc:
        exit_refused(exc)
    _show(platform, objection_id, as_json)


@app.command("list")
def list_objections(
    status: str = typer.Option(None, "--status", help="received, transferred, decided, refused, reexamination…"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The queue, the nearest open due date first."""
    from xinyong.services import objections
    platform = _platform()
    with platform.sessions() as session:
        views = objections.list_objections(platform, session, status=status)
    if as_json:
        typer.echo(json.dumps([v.to_dict(grounds=False) for v in views], ensure_ascii=False))
        return
    table = Table("id", "status", "route", "received", "next due", "records")
    for v in views:
        table.add_row(str(v.id), v.status, v.route or "", v.received_on.isoformat(),
                      v.next_due.isoformat() if v.next_due else "-", ", ".join(r.reference for r in v.records))
    console.print(table)


@app.command("show")
def show(objection_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """An objection with its records, duties and notices."""
    platform = _platform()
    try:
        _show(platform, objection_id, as_json)
    except Refusal as exc:
        exit_refused(exc)


def _act(objection_id: int, as_json: bool, step) -> None:  # type: ignore[no-untyped-def]
    platform = _platform()
    try:
        with platform.unit_of_work(OPERATOR) as uow:
            step(uow)
    except Refusal as exc:
        exit_refused(exc)
    _show(platform, objection_id, as_json)


@app.command("transfer")
def transfer(objection_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Transfer to the providing unit of its records (its decision duty counted from today)."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.transfer(uow, objection_id))


@app.command("decide")
def decide(
    objection_id: int = typer.Argument(...),
    outcome: str = typer.Option(..., "--outcome", help="corrected, supplemented, service_stopped, not_corrected"),
    reasons: str = typer.Option(None, "--reasons", help="The reasons (required for not_corrected)."),
    correct: list[str] = typer.Option([], "--correct", help="RECORD:FIELD=VALUE, the corrected content."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The center's decision: labels removed, the written result issued."""
    from xinyong.services import objections
    try:
        changes = _corrections(list(correct))
    except Refusal as exc:
        exit_refused(exc)
    _act(objection_id, as_json, lambda uow: objections.decide(uow, objection_id, outcome=outcome, reasons=reasons,
                                                                corrections=changes or None))


@app.command("refuse")
def refuse(
    objection_id: int = typer.Argument(...),
    reasons: str = typer.Option(..., "--reasons"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Not accepted (no legitimate reason, or repeated on the same grounds)."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.refuse(uow, objection_id, reasons=reasons))


@app.command("pause")
def pause(
    objection_id: int = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="inspection, testing, evaluation or expert_review"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Stop counting the periods the rule file lets pause (refused, with the article, elsewhere)."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.pause(uow, objection_id, reason=reason))


@app.command("resume")
def resume(objection_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Count the paused periods again from today."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.resume(uow, objection_id))


@app.command("reexamination")
def reexamination(objection_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Register the applicant's request for re-examination (received at the counter today), where the
    regulation provides it; the competent department's duty is counted from today."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.request_reexamination(uow, objection_id))


@app.command("reexamination-decide")
def reexamination_decide(
    objection_id: int = typer.Argument(...),
    outcome: str = typer.Option(..., "--outcome", help="upheld or revised"),
    reasons: str = typer.Option(..., "--reasons"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record the competent department's re-examination decision; the applicant gets the written result."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.decide_reexamination(uow, objection_id, outcome=outcome,
                                                                              reasons=reasons))


@app.command("institution-label")
def institution_label(
    objection_id: int = typer.Argument(...),
    institution: str = typer.Option(..., "--institution", help="The institution the objection was made to (USCC)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record the credit service institution's report that it labelled the information (its own duty)."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.institution_label(
        uow, objection_id, institution_code=institution.strip().upper()))


@app.command("institution-decide")
def institution_decide(
    objection_id: int = typer.Argument(...),
    institution: str = typer.Option(..., "--institution", help="The institution the objection was made to (USCC)."),
    outcome: str = typer.Option(..., "--outcome", help="corrected, supplemented or not_corrected"),
    source: str = typer.Option(..., "--source", help="The source of the information, for the written result."),
    reasons: str = typer.Option(None, "--reasons", help="The reasons (required for not_corrected)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Record the credit service institution's decision as received from it; the applicant gets the written
    result with the source through the platform."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.institution_decide(
        uow, objection_id, institution_code=institution.strip().upper(), outcome=outcome, source=source,
        reasons=reasons))


@app.command("forward-corrections")
def forward_corrections(objection_id: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """Register the subject's request (received at the counter) that the organisations which received the
    corrected records correct their copies, where the regulation gives the right: each gets a correction
    notice it reads and acknowledges over the API (``corrections_forwarded`` in the JSON)."""
    from xinyong.services import objections
    _act(objection_id, as_json, lambda uow: objections.forward_corrections(uow, objection_id))

"""Portal pages of the subjects' rights that are not a workflow's own: the written notices and the
compliance monitor.

- ``/me/notices``: the signed-in subject's notices (newest first, unread marked); ``/me/notices/{id}``:
  one notice as issued, in the page's language (opening it sets ``read_at``), with a PDF download
  (``/me/notices/{id}.pdf``);
- ``/staff/compliance``: for the competent department and the operator, the compliance monitor: open
  duties, due soon, overdue, violations by owing unit, by article (with the liability article) and by
  month, as server-rendered bar charts (inline SVG: no script, nothing from another site).

Keys and owners are shown by their labels; citations as the rule file gives them.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response

from xinyong.domain.identity.actors import Caller, Role
from xinyong.domain.platform.refusal import Refusal
from xinyong.portal.citations import in_chinese
from xinyong.portal.i18n import language
from xinyong.portal.pages import _render, _to_login, current_visitor, get_platform
from xinyong.services import compliance, notices
from xinyong.services.notices.render import TITLES
from xinyong.services.notices.render import context as notice_context
from xinyong.services.platform.bootstrap import Platform

router = APIRouter(include_in_schema=False)
MONITORS = (Role.competent_department, Role.operator, Role.administrator)
BAR_WIDTH = 360
ROW = 42          # one chart row: the label's line and the bar under it



def _bars(rows: list[tuple[str, int]]) -> dict[str, Any]:
    """An inline SVG bar chart's geometry: one row per (label, count), the label on its own line over the
    bar (a Chinese label with its article is wider than any column beside a bar), the count after the
    bar; widths scaled to the largest, room left for the count."""
    top = max((n for _label, n in rows), default=0) or 1
    bars = [{"label": _fit(label), "count": n, "y": i * ROW, "width": max(2, round(BAR_WIDTH * n / top))}
            for i, (label, n) in enumerate(rows)]
    return {"bars": bars, "height": max(ROW, ROW * len(bars)), "width": BAR_WIDTH + 60}


LABEL_UNITS = 66    # what fits over a bar at 12 px: a CJK character counts 2, any other 1


def _fit(label: str, units: int = LABEL_UNITS) -> str:
    """``label`` cut to what fits the chart's width (CJK characters are twice as wide), with an ellipsis."""
    used = 0
    for i, ch in enumerate(label):
        used += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used > units - 1:
            return label[:i] + "…"
    return label


def _article_label(platform: Platform, row: dict[str, Any], lang: str) -> str:
    """A by-article bar's label: the article first (on a Chinese page the Chinese statute reference,
    without the regulation's title, which the page names), then what the duty is (``_bars`` cuts it to
    fit)."""
    cite = row["cite"] or ""
    if lang == "zh" and cite:
        cite = in_chinese(cite, platform.rulebook)
        cite = cite.split("》", 1)[1] if "》" in cite else cite
    return f"{cite} · {row['label'][lang]}" if cite else row["label"][lang]


@router.get("/staff/compliance", response_class=HTMLResponse)
def staff_compliance(request: Request, visitor: Caller | None = Depends(current_visitor),
                     platform: Platform = Depends(get_platform)) -> Response:
    if visitor is None:
        return _to_login(request)
    if visitor.actor.role not in MONITORS:
        return _render(request, "staff_compliance.html", {"forbidden": True}, visitor=visitor, status_code=403)
    lang = language(request)
    with platform.sessions() as session:
        data = compliance.monitor(platform, session).to_dict()
    charts = {
        "by_owner": _bars([(o["owner_label"][lang], o["count"]) for o in data["by_owner"]]),
        "by_article": _bars([(_article_label(platform, a, lang), a["count"]) for a in data["by_article"]]),
        "by_month": _bars([(m["month"], m["count"]) for m in data["by_month"]]),
    }
    return _render(request, "staff_compliance.html", {"m": data, "charts": charts}, visitor=visitor, private=True)


def _own_notice(platform: Platform, visitor: Caller, notice_id: int) -> notices.NoticeView | None:
    try:
        with platform.unit_of_work(visitor.actor) as uow:
            return notices.mark_read(uow, notice_id, visitor.subject_id or 0)
    except Refusal:
        return None


@router.get("/me/notices", response_class=HTMLResponse)
def my_notices(request: Request, visitor: Caller | None = Depends(current_visitor),
               platform: Platform = Depends(get_platform)) -> Response:
    if visitor is None:
        return _to_login(request)
    if not visitor.verified:
        return _render(request, "me_notices.html", {"not_verified": True}, visitor=visitor, status_code=403)
    lang = language(request)
    with platform.sessions() as session:
        views = notices.notices_of_subject(session, visitor.subject_id or 0)
    rows = [{"id": v.id, "title": TITLES.get(v.kind, {}).get(lang, ""), "issued_on": v.issued_on,
             "read": v.read_at is not None} for v in views]
    return _render(request, "me_notices.html", {"notices": rows}, visitor=visitor, private=True)


@router.get("/me/notices/{notice_id}.pdf")
def my_notice_pdf(request: Request, notice_id: int = PathParam(..., ge=1, le=2**31 - 1),
                  visitor: Caller | None = Depends(current_visitor),
                  platform: Platform = Depends(get_platform)) -> Response:
    if visitor is None:
        return _to_login(request)
    view = _own_notice(platform, visitor, notice_id) if visitor.verified else None
    if view is None:
        return _render(request, "me_notices.html", {"missing": True}, visitor=visitor, status_code=404)
    lang = language(request)
    with platform.sessions() as session:
        body = notices.render_pdf(platform, session, view, lang)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="notice-{view.id}-{lang}.pdf"', "Cache-Control": "no-store"})


@router.get("/me/notices/{notice_id}", response_class=HTMLResponse)
def my_notice(request: Request, notice_id: int = PathParam(..., ge=1, le=2**31 - 1),
              visitor: Caller | None = Depends(current_visitor),
              platform: Platform = Depends(get_platform)) -> Response:
    if visitor is None:
        return _to_login(request)
    view = _own_notice(platform, visitor, notice_id) if visitor.verified else None
    if view is None:
        return _render(request, "me_notices.html", {"missing": True}, visitor=visitor, status_code=404)
    with platform.sessions() as session:
        ctx = notice_context(platform, session, view, language(request))
    return _render(request, "me_notice.html", {"n": ctx, "notice_id": view.id, "deliveries": view.deliveries},
                   visitor=visitor, private=True)

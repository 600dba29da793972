"""A written notice rendered from the facts it was issued with: HTML in Chinese or English, and PDF
(WeasyPrint, with the Noto CJK fonts Debian's ``fonts-noto-cjk`` installs; ``scripts/system-deps.sh``).

The notice names the platform operator (of the jurisdiction of the regulation in force), the subject as
the notice's reader sees it (its name and its identifier masked), the matter, the outcome with its
reasons, the information's source, the article of each statement, the dates, and the way to seek
re-examination or another remedy where the facts say so. The facts are what the workflow that issued the
notice wrote (``services.notices.issue``); this module knows these keys of them:

- ``outcome`` (a code, shown by its label), ``reasons`` (text), ``source`` (text, or ``{unit, unit_name_zh,
  unit_name_en, item_code}``), ``basis`` (text), ``grounds`` (a revocation's grounds code), ``commitment``;
- ``records``: ``[{unit_code, record_key, item_code, id}]`` (or plain strings);
- ``statements``: ``[{zh, en, cite}]``, each a sentence of the notice with its article;
- ``cites``: ``{rule key or name: citation}`` (a rule key is shown by its label from ``rules/keys.yaml``),
  or a list of citations;
- ``dates``: ``{name: ISO date}``, and top-level ``…_on`` dates;
- ``remedy``: ``{zh, en, cite, within}`` or text: how to seek re-examination, reconsideration or a suit.

Anything else is kept in the facts (and their digest) but not shown: a notice shows no internal code.
The templates live beside this module (``templates/notice.html``), not in the portal: services render,
the portal and the API only serve the result.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from xinyong.domain.platform.clock import business_tz
from xinyong.domain.platform.refusal import Refusal
from xinyong.domain.subjects.identifiers import IdentifierKind
from xinyong.domain.subjects.masking import mask_identifier
from xinyong.services.notices.issue import NoticeView
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.catalog import CatalogItem, ProvidingUnit
from xinyong.store.models.subjects import Subject, SubjectIdentifier

HERE = Path(__file__).parent
_env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)

TITLES: dict[str, dict[str, str]] = {
    "objection_result": {"zh": "异议处理结果告知书", "en": "Notice of the Result of an Objection"},
    "reexamination_result": {"zh": "异议复核结果告知书", "en": "Notice of the Result of a Re-examination"},
    "restoration_decision": {"zh": "信用修复决定告知书", "en": "Notice of a Credit Restoration Decision"},
    "revocation": {"zh": "信用信息撤销告知书", "en": "Notice of the Revocation of Credit Information"},
    "prior_notice": {"zh": "失信信息归集事先告知书", "en": "Prior Notice of Untrustworthiness Information"},
}
MATTERS: dict[str, dict[str, str]] = {
    "objection": {"zh": "异议申请", "en": "Objection"},
    "revocation": {"zh": "信息撤销", "en": "Revocation"},
    "restoration": {"zh": "信用修复申请", "en": "Credit restoration application"},
    "prior_notice": {"zh": "事先告知", "en": "Prior notice"},
}
OUTCOMES: dict[str, dict[str, str]] = {
    "corrected": {"zh": "予以更正", "en": "Corrected"},
    "supplemented": {"zh": "予以补充", "en": "Supplemented"},
    "service_stopped": {"zh": "信息已超过公示期限，停止提供查询服务", "en":
                        "The information is past its display period: inquiry service stopped"},
    "not_corrected": {"zh": "不予更正", "en": "Not corrected"},
    "upheld": {"zh": "维持原处理结果", "en": "Original result upheld"},
    "changed": {"zh": "变更原处理结果", "en": "Original result changed"},
    "refused": {"zh": "不予受理", "en": "Not accepted"},
    "granted": {"zh": "准予信用修复", "en": "Credit restoration granted"},
    "restoration_refused": {"zh": "不予信用修复", "en": "Credit restoration refused"},
    "revoked": {"zh": "信息已撤销并停止提供服务", "en": "The information is revoked and out of service"},
    "erased": {"zh": "信息已撤销，内容已删除", "en": "The information is revoked and its content deleted"},
}
GROUNDS: dict[str, dict[str, str]] = {
    "deciding_organ": {"zh": "作出决定的机关撤销或变更", "en": "Revoked or changed by the deciding organ"},
    "reconsideration": {"zh": "行政复议决定撤销或变更", "en": "Revoked or changed on administrative reconsideration"},
    "court": {"zh": "人民法院判决撤销或变更", "en": "Revoked or changed by a court"},
    "changed": {"zh": "依据已变更", "en": "Its basis has changed"},
}
DATES: dict[str, dict[str, str]] = {
    "received": {"zh": "收到申请日期", "en": "Application received"},
    "received_on": {"zh": "收到申请日期", "en": "Application received"},
    "filed_on": {"zh": "提出日期", "en": "Filed"},
    "transferred": {"zh": "转交日期", "en": "Transferred"},
    "transferred_on": {"zh": "转交日期", "en": "Transferred"},
    "decided": {"zh": "决定日期", "en": "Decided"},
    "decided_on": {"zh": "决定日期", "en": "Decided"},
    "reported_on": {"zh": "报送撤销日期", "en": "Revocation reported"},
    "erased_on": {"zh": "删除日期", "en": "Content deleted"},
    "removed_on": {"zh": "移除日期", "en": "Removed from inquiry"},
    "labelled_on": {"zh": "异议标注日期", "en": "Labelled as under objection"},
    "reexamine_by": {"zh": "申请复核截止日期", "en": "Re-examination may be asked until"},
    "decision_date": {"zh": "决定日期", "en": "Decided"},
    "served_on": {"zh": "书面告知日期", "en": "Served in writing on"},
}
WORDS: dict[str, dict[str, str]] = {
    "operator": {"zh": "告知机关", "en": "Issued by"},
    "operator_name": {"zh": "{j}公共信用信息平台运营机构", "en": "Public credit information platform operator, {j}"},
    "regulation": {"zh": "适用法规", "en": "Regulation"},
    "subject": {"zh": "信用主体", "en": "Credit subject"},
    "identifier": {"zh": "主体标识", "en": "Identifier"},
    "matter": {"zh": "事项", "en": "Matter"},
    "number": {"zh": "编号", "en": "No."},
    "records": {"zh": "涉及信息", "en": "Information concerned"},
    "outcome": {"zh": "处理结果", "en": "Outcome"},
    "reasons": {"zh": "理由", "en": "Reasons"},
    "source": {"zh": "信息来源", "en": "Source of the information"},
    "basis": {"zh": "依据", "en": "Basis"},
    "grounds": {"zh": "撤销原因", "en": "Grounds"},
    "commitment": {"zh": "信用承诺", "en": "Credit commitment"},
    "statements": {"zh": "告知事项", "en": "Particulars"},
    "cites": {"zh": "法律依据", "en": "Legal basis"},
    "dates": {"zh": "日期", "en": "Dates"},
    "remedy": {"zh": "救济途径", "en": "Remedy"},
    "issued_on": {"zh": "告知日期", "en": "Issued on"},
    "delivered": {"zh": "送达", "en": "Delivered"},
    "delivered_via.portal": {"zh": "平台站内送达", "en": "on the platform"},
    "delivered_via.post": {"zh": "邮寄送达", "en": "by post"},
    "delivered_via.counter": {"zh": "窗口送达", "en": "at the counter"},
    "digest": {"zh": "内容摘要值（SHA-256）", "en": "Content digest (SHA-256)"},
    "record": {"zh": "信息提供单位 {unit}，信息编号 {key}", "en": "Providing unit {unit}, record {key}"},
    "record_id": {"zh": "信息编号 {id}", "en": "Record {id}"},
    "item": {"zh": "目录事项 {item}", "en": "catalog item {item}"},
    "colon": {"zh": "：", "en": ": "},
    "lp": {"zh": "（", "en": " ("},
    "rp": {"zh": "）", "en": ")"},
}


def _pick(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def _date(value: Any) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        return str(value)


def _subject(session: Any, subject_id: int) -> tuple[str, str]:
    subject = session.get(Subject, subject_id)
    if subject is None:
        return "", ""
    ident = session.scalar(select(SubjectIdentifier).where(SubjectIdentifier.subject_id == subject_id)
                           .order_by(SubjectIdentifier.id).limit(1))
    shown = ""
    if ident is not None:
        try:
            shown = mask_identifier(ident.value, IdentifierKind(ident.kind))
        except ValueError:
            shown = mask_identifier(ident.value)
    return subject.display_name, shown


def _names(session: Any, facts: dict[str, Any]) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """The providing units' and catalog items' names (zh, en) the facts' records name by code."""
    units, items = set(), set()
    for r in facts.get("records") or ():
        if isinstance(r, dict):
            units.add(r.get("unit_code") or "")
            items.add(r.get("item_code") or "")
        elif isinstance(r, str) and "/" in r:
            units.add(r.partition("/")[0])
    unit_names = {code: (zh, en or zh) for code, zh, en in session.execute(
        select(ProvidingUnit.code, ProvidingUnit.name_zh, ProvidingUnit.name_en)
        .where(ProvidingUnit.code.in_(sorted(units - {""}))))} if units - {""} else {}
    item_names = {code: (zh, en or zh) for code, zh, en in session.execute(
        select(CatalogItem.code, CatalogItem.name_zh, CatalogItem.name_en)
        .where(CatalogItem.code.in_(sorted(items - {""}))).order_by(CatalogItem.version_id))} if items - {""} else {}
    return unit_names, item_names


def _records(session: Any, facts: dict[str, Any], lang: str) -> list[str]:
    """Each record concerned: its providing unit by name and the unit's reference for it (a reference derived
    as ``<document number>#<identifier>`` by its document number), its catalog item by name; never a code."""
    unit_names, item_names = _names(session, facts)
    pick = 0 if lang == "zh" else 1

    def named(code: str, names: dict[str, tuple[str, str]]) -> str:
        return names[code][pick] if code in names else code

    out = []
    for r in facts.get("records") or ():
        if isinstance(r, str) and "/" in r:     # a reference, ``<unit>/<record key>``
            unit, _, key = r.partition("/")
            r = {"unit_code": unit, "record_key": key}
        if isinstance(r, dict):
            if r.get("record_key"):
                unit = r.get("unit_name_" + lang) or named(r.get("unit_code", ""), unit_names)
                text = WORDS["record"][lang].format(unit=unit, key=str(r["record_key"]).partition("#")[0])
            else:
                text = WORDS["record_id"][lang].format(id=r.get("id", ""))
            if r.get("item_code"):
                text += ("，" if lang == "zh" else ", ") + WORDS["item"][lang].format(
                    item=named(r["item_code"], item_names))
            out.append(text)
        else:
            out.append(WORDS["record_id"][lang].format(id=r) if isinstance(r, int) else str(r))
    return out


def _source(value: Any, lang: str) -> str:
    if isinstance(value, list):     # one per record (an objection's): {unit, unit_zh, unit_en, item, item_zh, item_en}
        return ("；" if lang == "zh" else "; ").join(dict.fromkeys(s for s in (_source(v, lang) for v in value) if s))
    if isinstance(value, dict):
        if "zh" in value or "en" in value:
            return _pick(value, lang)
        unit = value.get("unit_name_" + lang) or value.get("unit_" + lang) or value.get("unit_name_zh") \
            or value.get("unit_zh") or value.get("unit") or value.get("unit_code") or ""
        item = value.get("item_name_" + lang) or value.get("item_" + lang) or value.get("item_zh") \
            or value.get("item_code") or value.get("item") or ""
        return f"{unit}（{item}）" if lang == "zh" and item else (f"{unit} ({item})" if item else str(unit))
    return "" if value is None else str(value)


def context(platform: Platform, session: Any, notice: NoticeView, lang: str) -> dict[str, Any]:
    """What the template shows, every label in ``lang``."""
    facts = notice.facts or {}
    ruleset = platform.rulebook.get(platform.jurisdiction)
    keys = platform.rulebook.keys
    name, identifier = _subject(session, notice.subject_id)
    outcome = facts.get("outcome")
    cites: list[tuple[str, str]] = []
    raw_cites = facts.get("cites") or {}
    if isinstance(raw_cites, dict):
        for k, c in raw_cites.items():
            spec = keys.get(k)
            cites.append((getattr(spec, lang) if spec else "", _pick(c, lang)))
    else:
        cites = [("", _pick(c, lang)) for c in raw_cites]
    dates = []
    for k, v in {**{k: v for k, v in facts.items() if k.endswith("_on") and v}, **(facts.get("dates") or {})}.items():
        label = DATES.get(k, {}).get(lang) or WORDS["dates"][lang]
        dates.append((label, _date(v)))
    remedy = facts.get("remedy")
    remedy_text, remedy_cite = "", ""
    if isinstance(remedy, dict):
        remedy_text, remedy_cite = _pick(remedy, lang), str(remedy.get("cite") or "")
    elif remedy:
        remedy_text = str(remedy)
    delivered_at = (notice.delivered_at.astimezone(business_tz()).strftime("%Y-%m-%d %H:%M")
                    if notice.delivered_at else "")
    return {
        "lang": lang, "w": {k: v[lang] for k, v in WORDS.items()},
        "title": TITLES.get(notice.kind, {"zh": "告知书", "en": "Notice"})[lang],
        "operator": WORDS["operator_name"][lang].format(j=getattr(ruleset.jurisdiction, lang)),
        "regulation": getattr(ruleset.title, lang), "draft": ruleset.is_draft,
        "subject_name": name, "identifier": identifier,
        "matter": MATTERS.get(notice.matter_kind, {}).get(lang, ""), "matter_id": notice.matter_id,
        "notice_id": notice.id,
        "records": _records(session, facts, lang),
        "outcome": OUTCOMES.get(outcome, {}).get(lang, "") if isinstance(outcome, str) else _pick(outcome, lang),
        "reasons": _pick(facts.get("reasons"), lang), "source": _source(facts.get("source"), lang),
        "basis": _pick(facts.get("basis"), lang),
        "grounds": GROUNDS.get(facts.get("grounds") or "", {}).get(lang, ""),
        "commitment": _pick(facts.get("commitment"), lang),
        "statements": [(_pick(s, lang), str(s.get("cite") or "")) for s in facts.get("statements") or ()
                       if isinstance(s, dict)],
        "cites": cites, "dates": dates, "remedy": remedy_text, "remedy_cite": remedy_cite,
        "remedy_within": remedy.get("within") if isinstance(remedy, dict) else None,
        "issued_on": notice.issued_on.isoformat(), "delivered_at": delivered_at,
        "delivered_via": WORDS.get(f"delivered_via.{notice.delivered_via}", {}).get(lang, "")
        if notice.delivered_via else "",
        "sha256": notice.sha256,
    }


def render_html(platform: Platform, session: Any, notice: NoticeView, lang: str = "zh") -> str:
    """The notice as a standalone HTML document in ``lang`` (``zh`` or ``en``)."""
    return _env.get_template("notice.html").render(**context(platform, session, notice, "en" if lang == "en" else "zh"))


def render_pdf(platform: Platform, session: Any, notice: NoticeView, lang: str = "zh") -> bytes:
    """The notice as PDF (A4), the CJK text in Noto Sans/Serif CJK, the fonts embedded (subset).

    Without the system's Pango (``scripts/system-deps.sh --runtime``) WeasyPrint cannot load: that is
    a 503 naming the HTML version, not a server error."""
    try:
        from weasyprint import HTML
    except OSError as missing:
        raise Refusal("format", "pdf_unavailable",
                      "本平台未安装生成 PDF 所需的系统组件（Pango），请查看或下载 HTML 版本",
                      "this platform lacks the system libraries (Pango) that PDF needs; "
                      "read or download the HTML version", status=503) from missing
    return HTML(string=render_html(platform, session, notice, lang)).write_pdf()

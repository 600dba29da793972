"""The compliance monitor the competent department and the operator read: the open duties, those due
within a few working days, those overdue, and the violations recorded (by the sweep or by a late
close) by owing unit and by article, with the liability article each engages, and month by month.

Every key comes with its label from the key registry (``rules/keys.yaml``), every owner with its label
and, for a providing unit, its name; the article breached and the liability article are the rule
file's citations as stored on the violation. Nothing here writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, select

from xinyong.domain.duties import count_due
from xinyong.services.identity import units
from xinyong.services.platform.bootstrap import Platform
from xinyong.store.models.rights import Duty, Violation

DUE_SOON_WORKING_DAYS = 3
LIMIT = 500

OWNER_LABELS: dict[str, dict[str, str]] = {
    "platform_operator": {"zh": "信用信息平台运营机构", "en": "Platform operator"},
    "providing_unit": {"zh": "信息提供单位", "en": "Providing unit"},
    "competent_department": {"zh": "社会信用主管部门", "en": "Competent department"},
    "credit_service_institution": {"zh": "信用服务机构", "en": "Credit service institution"},
}


def key_label(platform: Platform, key: str) -> dict[str, str]:
    """A rule key's label from the key registry ({zh, en}); the key itself only where it is unknown."""
    spec = platform.rulebook.keys.get(key)
    return {"zh": spec.zh, "en": spec.en} if spec else {"zh": key, "en": key}


def owner_label(owner: str, owner_org: str | None, unit_names: dict[str, tuple[str, str]]) -> dict[str, str]:
    base = OWNER_LABELS.get(owner, {"zh": owner, "en": owner})
    if owner_org and owner_org in unit_names:
        zh, en = unit_names[owner_org]
        return {"zh": f"{base['zh']}：{zh}", "en": f"{base['en']}: {en}"}
    return dict(base)


@dataclass(frozen=True)
class Monitor:
    as_of: date
    soon_until: date
    soon_working_days: int
    counts: dict[str, int]
    open_by_key: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    by_owner: list[dict[str, Any]]
    by_article: list[dict[str, Any]]
    by_month: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "due_soon_until": self.soon_until.isoformat(),
                "due_soon_working_days": self.soon_working_days, "counts": self.counts,
                "open_by_key": self.open_by_key, "violations": self.violations, "by_owner": self.by_owner,
                "by_article": self.by_article, "by_month": self.by_month}


def monitor(platform: Platform, session: Any, *, soon: int = DUE_SOON_WORKING_DAYS, limit: int = LIMIT) -> Monitor:
    """The monitor as of today: counts, the latest ``limit`` violations, and the groupings (over all)."""
    today = platform.clock.today()
    soon_until = (count_due(platform.calendar, today, soon, "working_days").due if soon >= 1 else None) or today
    names = {u.code: (u.name_zh, u.name_en or u.name_zh) for u in units.list_units(session)}
    is_open = Duty.state == "open"
    counts = {
        "open": session.scalar(select(func.count()).where(is_open)) or 0,
        "due_soon": session.scalar(select(func.count()).where(
            is_open, Duty.due.is_not(None), Duty.due >= today, Duty.due <= soon_until)) or 0,
        "overdue": session.scalar(select(func.count()).where(
            is_open, Duty.due.is_not(None), Duty.due < today)) or 0,
        "provisional": session.scalar(select(func.count()).where(is_open, Duty.provisional.is_(True))) or 0,
        "violations": session.scalar(select(func.count(Violation.id))) or 0,
    }
    open_by_key = [{"key": k, "label": key_label(platform, k), "count": n, "overdue": late or 0}
                   for k, n, late in session.execute(
                       select(Duty.key, func.count(), func.sum(case((Duty.due < today, 1), else_=0)))
                       .where(is_open).group_by(Duty.key).order_by(Duty.key)).all()]
    rows = session.scalars(select(Violation).order_by(Violation.id.desc()).limit(limit)).all()
    violations = [{
        "id": v.id, "duty_id": v.duty_id, "key": v.key, "label": key_label(platform, v.key),
        "owner": v.owner_party, "owner_org": v.owner_org,
        "owner_label": owner_label(v.owner_party, v.owner_org, names),
        "cite": v.cite, "liability": v.liability, "due": v.due.isoformat(),
        "detected_on": v.detected_on.isoformat()} for v in rows]
    by_owner = [{"owner": o, "owner_org": org, "owner_label": owner_label(o, org, names), "count": n}
                for o, org, n in session.execute(
                    select(Violation.owner_party, Violation.owner_org, func.count())
                    .group_by(Violation.owner_party, Violation.owner_org)
                    .order_by(func.count().desc(), Violation.owner_party)).all()]
    by_article = [{"key": k, "label": key_label(platform, k), "cite": c, "liability": li, "count": n}
                  for k, c, li, n in session.execute(
                      select(Violation.key, Violation.cite, Violation.liability, func.count())
                      .group_by(Violation.key, Violation.cite, Violation.liability)
                      .order_by(func.count().desc(), Violation.key)).all()]
    months: Counter[str] = Counter()
    for day, n in session.execute(select(Violation.detected_on, func.count()).group_by(Violation.detected_on)):
        months[day.strftime("%Y-%m")] += n
    by_month = [{"month": m, "count": months[m]} for m in sorted(months)]
    return Monitor(today, soon_until, soon, counts, open_by_key, violations, by_owner, by_article, by_month)

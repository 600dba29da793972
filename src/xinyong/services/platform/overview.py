"""What the home page says: what is running, under which regulation, and whether the database answers."""

from __future__ import annotations

from typing import Any

from xinyong.rules.errors import RuleError
from xinyong.services.platform.bootstrap import Platform


def draft_notice(platform: Platform) -> dict[str, str] | None:
    """The bilingual notice that the deployment's regulation is a draft for public comment and not in
    force; None for an enacted one (or an unknown id, which the home page names)."""
    try:
        notice = platform.rulebook.get(platform.jurisdiction).draft_notice()
    except RuleError:
        return None
    return notice.to_dict() if notice else None


def describe(platform: Platform) -> dict[str, Any]:
    from sqlalchemy import func, select

    from xinyong.store.models import Subject

    ok = platform.healthy()
    count = None
    if ok:
        with platform.sessions() as session:
            count = session.scalar(select(func.count(Subject.id)))
    title = {"zh": platform.jurisdiction, "en": platform.jurisdiction}
    status = None
    try:
        ruleset = platform.rulebook.get(platform.jurisdiction)
    except RuleError:
        ruleset = None  # the page still renders and says which id is configured
    if ruleset is not None:
        title = ruleset.title.to_dict()
        status = ruleset.status
    return {
        "jurisdiction": platform.jurisdiction,
        "jurisdiction_title": title,
        "jurisdiction_status": status,
        "draft_notice": draft_notice(platform),
        "database_ok": ok,
        "database_kind": platform.engine.dialect.name,
        "subject_count": count,
    }

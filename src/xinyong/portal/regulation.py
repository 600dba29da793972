"""What every portal page says about the regulation the deployment runs on: when it is a draft for
public comment (``status: draft`` in its rule file), a banner in ``base.html`` saying that it is not in
force, in the visitor's language; and when the platform's time stands still (``XINYONG_CLOCK``, for
training and scenario replays), a banner saying so and at which instant; and, in the footer, who
operates the platform, how to reach it and the regulation the site rests on."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from xinyong.domain.platform.clock import business_tz
from xinyong.rules.errors import RuleError
from xinyong.services.platform import overview


def regulation_context(request: Request) -> dict[str, Any]:
    """Jinja context processor of both portal template sets: ``regulation_draft`` and ``clock_fixed``
    ({zh, en} or None)."""
    platform = getattr(request.app.state, "platform", None)
    if platform is None:
        return {"regulation_draft": None, "clock_fixed": None, "site": None}
    return {"regulation_draft": overview.draft_notice(platform), "clock_fixed": clock_banner(platform),
            "site": site_facts(platform)}


def site_facts(platform: Any) -> dict[str, Any]:
    """What every page's footer says: who operates the platform and how to reach it (the settings), and
    the regulation the site rests on, with its status (its rule file)."""
    settings = platform.settings
    title, status = {"zh": platform.jurisdiction, "en": platform.jurisdiction}, None
    try:
        ruleset = platform.rulebook.get(platform.jurisdiction)
        title, status = ruleset.title.to_dict(), ruleset.status
    except RuleError:       # an unknown id still renders; the home page names it
        pass
    return {"operator": {"zh": settings.operator_name, "en": settings.operator_name_en},
            "contact": settings.contact, "regulation": title, "status": status}


def clock_banner(platform: Any) -> dict[str, str] | None:
    """The fixed clock's banner ({zh, en}), or None on real time."""
    fixed = platform.settings.clock
    if fixed is None:
        return None
    shown = fixed.astimezone(business_tz()).strftime("%Y-%m-%d %H:%M")
    return {"zh": f"固定时钟：本平台的时间停在 {shown}（培训或情景回放，非真实时间），期间的操作均在审计日志中注明。",
            "en": f"Fixed clock: this platform's time stands still at {shown} (training or a scenario replay, "
                  "not real time); everything done meanwhile is marked so in the audit ledger."}

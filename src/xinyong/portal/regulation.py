"""What every portal page says about the regulation the deployment runs on: when it is a draft for
public comment (``status: draft`` in its rule file), a banner in ``base.html`` saying that it is not in
force, in the visitor's language."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from xinyong.services.platform import overview


def regulation_context(request: Request) -> dict[str, Any]:
    """Jinja context processor of both portal template sets: ``regulation_draft`` ({zh, en} or None)."""
    platform = getattr(request.app.state, "platform", None)
    return {"regulation_draft": overview.draft_notice(platform) if platform is not None else None}

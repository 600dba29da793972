"""The one refusal: why the platform will not do what was asked, in the words a person reads.

Every process refuses the same way: a ``Refusal`` names the field at fault (or none), a stable reason
code, the message in Chinese and in English, and the HTTP status an interface answers with. The API,
the portal and the command line each have one handler that turns it into their own form (the error
shape ``{"detail": {field, reason, message_zh, message_en}}``, a page in the visitor's language, a
line on standard error and an exit status); no endpoint maps refusals by hand.

Good::

    raise Refusal("identifier", "identifier_invalid", "证件号码无效", "the identifier is not valid")
    raise Refusal(None, "version_not_found", "没有该目录版本", "no such catalog version", status=404)

A caller that must tell one refusal from another compares ``reason``, never the class.
"""

from __future__ import annotations

from typing import Any


class Refusal(Exception):
    """A request the platform refuses, and why (see the module docstring)."""

    def __init__(self, field: str | None, reason: str, message_zh: str, message_en: str, *,
                 status: int = 422, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message_en)
        self.field = field
        self.reason = reason
        self.message_zh = message_zh
        self.message_en = message_en
        self.status = status
        self.headers = dict(headers or {})
        self.extra = extra            # further facts an interface may show (e.g. retry_after, problems)

    def to_dict(self) -> dict[str, Any]:
        """The error shape every interface shows: field, reason, message in both languages."""
        return {"field": self.field, "reason": self.reason, "message_zh": self.message_zh,
                "message_en": self.message_en}

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh

    def __repr__(self) -> str:
        return f"Refusal({self.field!r}, {self.reason!r}, status={self.status})"


NOT_FOUND = 404
FORBIDDEN = 403
CONFLICT = 409
UNPROCESSABLE = 422

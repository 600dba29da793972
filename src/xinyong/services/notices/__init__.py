"""Written notices (书面告知): what a step of an objection, a revocation or a restoration tells the
subject, issued with the facts it says (kept to render it again, in Chinese or English, as HTML or PDF)
and their digest in the ledger; its delivery recorded and shown to the subject."""

from xinyong.services.notices.issue import (
    NoticeView,
    issue,
    mark_read,
    notice_for_subject,
    notices_of_subject,
    record_delivery,
)
from xinyong.services.notices.render import render_html, render_pdf

__all__ = ["NoticeView", "issue", "mark_read", "notice_for_subject", "notices_of_subject", "record_delivery",
           "render_html", "render_pdf"]

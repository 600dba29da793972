"""Exchange between platforms, as plain data: a change (``changes.Change``: an upsert carrying the
standard row, or a withdrawal), the checks of a change received from a peer (``changes.parse_changes``),
cursors (``changes.parse_cursor``) and what this platform forwards upward (``changes.forwarding``)."""

from xinyong.domain.exchange.changes import (
    FORWARDED_SHARING,
    OPS,
    WITHDRAW_REASONS,
    Change,
    forwarding,
    parse_changes,
    parse_cursor,
)

__all__ = ["FORWARDED_SHARING", "OPS", "WITHDRAW_REASONS", "Change", "forwarding", "parse_changes",
           "parse_cursor"]

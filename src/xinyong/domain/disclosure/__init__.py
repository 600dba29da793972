"""The one access policy: who may see which record, masked how, and why (``policy``)."""

from xinyong.domain.disclosure.policy import Decision, Mode, Viewer, check_request, decide, mask_payload

__all__ = ["Decision", "Mode", "Viewer", "check_request", "decide", "mask_payload"]

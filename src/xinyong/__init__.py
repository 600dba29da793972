"""Xinyong 信用: an open-source public credit information platform."""

__version__ = "0.1.0"


def _set_business_time_zone() -> None:
    """The domain does no I/O: the business time zone is read from the rule data here, once, and handed
    to ``xinyong.domain.platform.clock`` (see ``rules/calendar/timezone.yaml``)."""
    from xinyong.domain.platform.clock import set_business_tz
    from xinyong.rules.calendars import load_business_timezone

    set_business_tz(load_business_timezone())


_set_business_time_zone()

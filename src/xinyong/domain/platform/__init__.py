"""The platform's plain foundations: the injected clock and the business time zone (``clock``)."""

from xinyong.domain.platform.clock import Clock, FixedClock, SystemClock, business_date, business_tz

__all__ = ["Clock", "FixedClock", "SystemClock", "business_date", "business_tz"]

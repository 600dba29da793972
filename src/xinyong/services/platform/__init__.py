"""The platform itself: the one bootstrap (settings, engine, rulebook, calendar, clock, ledger signing
key) and the unit of work every change runs in (``bootstrap``); what the home page and health show
of the running deployment (``overview``)."""

from xinyong.services.platform.bootstrap import Platform, UnitOfWork

__all__ = ["Platform", "UnitOfWork"]

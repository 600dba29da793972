"""Demonstration data through the same services: subjects and accounts (``loader``), the
jurisdiction's demo catalog (``catalog``), demo submissions (``records``)."""

from xinyong.services.demo.loader import load_demo

__all__ = ["load_demo"]

"""What can be exchanged, by name (one namespace, the API's and the CLI's ``layout``):

- the double-publicity layouts (``penalty``, ``permit``: ``services.aggregation.layouts``), which flow
  UPWARD: a downstream peer sends them here, this platform serves them to its upstream peer, each row in
  the standard's element codes;
- the shared lists (``serious``, ``court_defaulters``: ``xinyong/standards/shared-lists.yaml``), which flow
  DOWNWARD: an upstream peer sends them here, this platform serves them to its downstream peers, each
  entry in the catalog item's own fields (``form: catalog``).

``reader`` is the relation of the peer that reads a channel's feed from this platform, ``sender`` the
relation of the peer this platform receives it from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from xinyong.domain.aggregation.layouts import Layout
from xinyong.domain.exchange.lists import SharedList, load_lists
from xinyong.domain.platform.refusal import Refusal
from xinyong.services.aggregation.layouts import standard_layouts


@dataclass(frozen=True)
class Channel:
    name: str
    item: str
    title_zh: str
    title_en: str
    layout: Layout | None = None          # a double-publicity layout (upward)
    shared: SharedList | None = None      # a shared list (downward)

    @property
    def reader(self) -> str:
        return "upstream" if self.layout is not None else "downstream"

    @property
    def sender(self) -> str:
        return "downstream" if self.layout is not None else "upstream"


@cache
def shared_lists() -> dict[str, SharedList]:
    text = resources.files("xinyong.standards").joinpath("shared-lists.yaml").read_text(encoding="utf-8")
    return load_lists(yaml.safe_load(text) or {}, reserved=frozenset(standard_layouts()))


@cache
def channels() -> dict[str, Channel]:
    out = {name: Channel(name, found.item, found.title_zh, found.title_en, layout=found)
           for name, found in standard_layouts().items()}
    out.update({name: Channel(name, found.item, found.title_zh, found.title_en, shared=found)
                for name, found in shared_lists().items()})
    return out


def names_for(sender: str) -> list[str]:
    """The channels received from a peer of relation ``sender`` (what a pull from it takes by default)."""
    return [c.name for c in channels().values() if c.sender == sender]


def names_read_by(reader: str) -> list[str]:
    """The channels a peer of relation ``reader`` reads from here (what a push to it sends by default)."""
    return [c.name for c in channels().values() if c.reader == reader]


def channel_named(name: str) -> Channel:
    found = channels().get((name or "").strip())
    if found is None:
        known = ", ".join(sorted(channels()))
        raise Refusal("layout", "layout_unknown", f"未知的交换格式或名单（可选：{known}）",
                      f"unknown layout or list (one of: {known})")     # the value is not echoed
    return found


__all__ = ["Channel", "channel_named", "channels", "names_for", "names_read_by", "shared_lists"]

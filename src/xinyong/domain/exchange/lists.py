"""The lists an upper platform shares downward (the serious untrustworthiness list, joint-punishment lists),
as the exchange knows them: a name, the catalog item whose records are the list's entries, the kind and a
title (``xinyong/standards/shared-lists.yaml``, data a deployment may change).

They travel the other way from the double-publicity layouts: an upper platform's feed serves them to its
downstream peers, and a lower platform receives them from its upstream peer (pulled, or pushed down to
it), each entry in the catalog's own fields (``form: catalog``) under the upper platform's key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LIST_KINDS = ("serious", "joint_punishment")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class SharedList:
    name: str
    item: str
    kind: str
    title_zh: str
    title_en: str


def load_lists(data: Mapping[str, Any], reserved: frozenset[str] = frozenset()) -> dict[str, SharedList]:
    """The lists of a ``shared-lists.yaml`` document; a bad entry raises ``ValueError`` naming it. A name
    may not repeat one of ``reserved`` (the layouts' names: one namespace for the exchange)."""
    out: dict[str, SharedList] = {}
    for name, spec in (data.get("lists") or {}).items():
        name = str(name)
        if not _NAME.match(name) or name in reserved:
            raise ValueError(f"shared list {name!r}: the name must be a lower-case code not used by a layout")
        if not isinstance(spec, Mapping) or not spec.get("item"):
            raise ValueError(f"shared list {name}: it names the catalog item of its entries (item)")
        kind = str(spec.get("kind", ""))
        if kind not in LIST_KINDS:
            raise ValueError(f"shared list {name}: kind is one of {', '.join(LIST_KINDS)}")
        title = spec.get("title") or {}
        out[name] = SharedList(name, str(spec["item"]), kind, str(title.get("zh", name)), str(title.get("en", name)))
    return out


__all__ = ["LIST_KINDS", "SharedList", "load_lists"]

"""What a credit subject can be and what identifies it: the one ``SubjectKind`` and the one
``IdentifierKind`` of the platform, defined in ``domain.platform.kinds`` (below the catalog, which
names an item's subject kinds too) and handed on here as the same classes."""

from __future__ import annotations

from xinyong.domain.platform.kinds import IdentifierKind, SubjectKind

__all__ = ["IdentifierKind", "SubjectKind"]

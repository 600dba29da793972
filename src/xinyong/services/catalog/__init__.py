"""The credit information catalog:

- ``versions``: a version through drafting, public comment, expert assessment, approval and force (the
  lifecycle use cases, each written to the ledger).
- ``published``: the reads: versions, their items, comments and assessments; the version and the item
  in force on a date (``item_in_force``, asked by every submission); the catalog in force as published;
  ``CatalogIndex`` for bulk work.
- ``items``: an item as stored and as checked for its jurisdiction; its digest (canonical JSON).
- ``views``: what the use cases answer with; a version loaded by id; the grounds for an assessment.
- ``law``: the ``catalog.*`` rules in force on the day of the act (``catalog_law``).

Callers import this package (``from xinyong.services import catalog``) and use the names below.
"""

from xinyong.services.catalog.items import spec_digest, spec_from_dict, spec_of
from xinyong.services.catalog.law import catalog_law
from xinyong.services.catalog.published import (
    CatalogIndex,
    get_version,
    get_version_by_number,
    item_history,
    item_in_force,
    list_versions,
    providing_units_by_item,
    published_catalog,
    version_assessments,
    version_comments,
    version_in_force,
    version_items,
)
from xinyong.services.catalog.versions import (
    COMMENTER_KINDS,
    add_item,
    approve,
    create_version,
    open_comment,
    put_item,
    record_assessment,
    record_comment,
    remove_item,
    replace_item,
    set_in_force,
    withdraw,
)
from xinyong.services.catalog.views import (
    IN_FORCE_STATES,
    AssessmentView,
    CommentView,
    PublishedCatalog,
    PublishedItem,
    UnitRef,
    VersionView,
    version_not_found,
)

__all__ = [
    "COMMENTER_KINDS", "IN_FORCE_STATES", "AssessmentView", "CatalogIndex", "CommentView", "PublishedCatalog",
    "PublishedItem", "UnitRef", "VersionView", "add_item", "approve", "catalog_law", "create_version",
    "get_version", "get_version_by_number", "item_history", "item_in_force", "list_versions", "open_comment",
    "providing_units_by_item", "published_catalog", "put_item", "record_assessment", "record_comment",
    "remove_item", "replace_item", "set_in_force", "spec_digest", "spec_from_dict", "spec_of",
    "version_assessments", "version_comments", "version_in_force", "version_items", "version_not_found",
    "withdraw",
]

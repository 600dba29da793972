"""The credit information catalog: versions through drafting, public comment, expert assessment,
approval and force; the catalog in force on a date (``versions``)."""

from xinyong.services.catalog.versions import (
    add_item,
    approve,
    create_version,
    item_in_force,
    open_comment,
    published_catalog,
    record_assessment,
    record_comment,
    set_in_force,
    version_in_force,
    withdraw,
)

__all__ = [
    "add_item",
    "approve",
    "create_version",
    "item_in_force",
    "open_comment",
    "published_catalog",
    "record_assessment",
    "record_comment",
    "set_in_force",
    "version_in_force",
    "withdraw",
]

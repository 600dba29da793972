"""Catalog items and versions: item specs, display rules, the version lifecycle (``items``)."""

from xinyong.domain.catalog.items import CatalogItemSpec, FieldSpec, check_item, item_from_dict, item_to_dict

__all__ = ["CatalogItemSpec", "FieldSpec", "check_item", "item_from_dict", "item_to_dict"]

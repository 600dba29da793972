"""The credit information catalog, plain Python:

- ``items``: item specs and their elements, an item's problems, display rules, plain data to specs and
  back.
- ``lifecycle``: a version's states and the checks of each step (draft, public comment, assessment,
  approval, in force, withdrawn), the grounds for an assessment, the version governing a date.
- ``law``: the ``catalog.*`` rules in force as plain data (``CatalogLaw``), the platform's labelled
  baseline where a regulation is silent.
"""

from xinyong.domain.catalog.items import CatalogItemSpec, FieldSpec, check_item, item_from_dict, item_to_dict
from xinyong.domain.catalog.law import CatalogLaw
from xinyong.domain.catalog.lifecycle import VersionState

__all__ = ["CatalogItemSpec", "CatalogLaw", "FieldSpec", "VersionState", "check_item", "item_from_dict",
           "item_to_dict"]

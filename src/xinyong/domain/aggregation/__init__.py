"""One submitted row against its catalog item and the law in force: ``validation`` (the row validator,
``RowValidator``, and the ``RowLookups`` it asks storage), ``rows`` (the envelope columns, reason codes,
``RowError``, ``ItemRefusal``, ``ValidRecord`` and its ``content_digest``), ``law`` (the rule values in
force as plain data, ``AggregationLaw``), ``categories`` (the data-category matcher, ``CategoryMatcher``)
and ``convert`` (the cell converters of catalog fields)."""

from xinyong.domain.aggregation.categories import CategoryMatcher
from xinyong.domain.aggregation.law import AggregationLaw, Cited
from xinyong.domain.aggregation.rows import ItemRefusal, RowError, ValidRecord, content_digest
from xinyong.domain.aggregation.validation import RowLookups, RowValidator

__all__ = ["AggregationLaw", "CategoryMatcher", "Cited", "ItemRefusal", "RowError", "RowLookups", "RowValidator",
           "ValidRecord", "content_digest"]

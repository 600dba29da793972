"""One submitted row against its catalog item and the law in force (``validation``)."""

from xinyong.domain.aggregation.validation import AggregationLaw, RowError, RowValidator, ValidRecord

__all__ = ["AggregationLaw", "RowError", "RowValidator", "ValidRecord"]

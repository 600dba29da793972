"""National data standards as data: ``double-publicity.yaml`` (the 行政许可 and 行政处罚 layouts of the
double-publicity standard), read by ``xinyong.services.aggregation.layouts``."""

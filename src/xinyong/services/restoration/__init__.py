"""Credit restoration (信用修复): the subject's application (free of charge), its eligibility under the rule
files, the decision within the limits, and the record's removal from every read path."""

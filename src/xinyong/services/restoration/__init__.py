"""Credit restoration (信用修复): the subject's application (free of charge: no fee exists anywhere in the
flow), its eligibility under the rule files (the record its own, in service, untrustworthiness
information; the minimum publicity period served; the commitment letter where required), the decision
by the providing unit or the center within the limits, and on a grant the record's removal from every
read path at once (``apply``). The cascade (serious list, measures, linked records, assessments,
copies) is listed as not yet available until those features exist."""

from xinyong.services.restoration.apply import (
    CASCADE_PENDING,
    Eligibility,
    RestorationView,
    apply_restoration,
    decide_restoration,
    eligibility,
    get_restoration,
    list_restorations,
)

__all__ = ["CASCADE_PENDING", "Eligibility", "RestorationView", "apply_restoration", "decide_restoration",
           "eligibility", "get_restoration", "list_restorations"]

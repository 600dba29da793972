"""Every table, imported here so that ``Base.metadata`` (and Alembic) sees them all."""

import xinyong.store.models.access  # noqa: F401  (inquiry log, authorizations, withheld, objection labels, duty purposes)
import xinyong.store.models.auth  # noqa: F401  (accounts, tokens, sessions, institutions)
import xinyong.store.models.catalog  # noqa: F401  (catalog and providing units)
import xinyong.store.models.exchange  # noqa: F401  (exchange with other platforms: peers, cursors)
import xinyong.store.models.ledger  # noqa: F401  (audit ledger: entries, head, checkpoints)
import xinyong.store.models.records  # noqa: F401  (submissions, records and versions, consents, notices)
import xinyong.store.models.rights  # noqa: F401  (objections, revocations, restorations, notices, duties)
from xinyong.store.models.subjects import ResponsiblePerson, Subject, SubjectIdentifier

__all__ = ["ResponsiblePerson", "Subject", "SubjectIdentifier"]

"""Exchange with other platforms (the provincial and national platforms above, municipal ones below).

- ``feed``: the change feed since a cursor (this platform's audit-ledger sequence), as the upstream
  platform receives it: upserts in the standard's element codes and withdrawals.
- ``receive``: a downstream peer's changes applied here: checked first, upserts through the normal
  import, withdrawals through the record writer, the cursor stored.
- ``peers``: the peer platforms, their hashed tokens and cursors.
- ``files``: ``export`` (the standard file and its ``.withdrawals.jsonl`` companion) and ``import_exchange``.
- ``client``: ``pull`` from a downstream peer, ``push`` to an upstream one, over the exchange API.
"""

from xinyong.services.exchange.client import pull, push
from xinyong.services.exchange.feed import Page, changes_since
from xinyong.services.exchange.files import export, import_exchange
from xinyong.services.exchange.peers import add_peer, authenticate, get_peer, list_peers, remove_peer
from xinyong.services.exchange.receive import Received, receive

__all__ = ["Page", "Received", "add_peer", "authenticate", "changes_since", "export", "get_peer",
           "import_exchange", "list_peers", "pull", "push", "receive", "remove_peer"]

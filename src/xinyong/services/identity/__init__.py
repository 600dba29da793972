"""Who is asking: accounts, passwords, sessions, API tokens and real-name verification of citizens
(``accounts``), the sign-in throttle (``throttle``), providing units and their tokens and granted
items (``units``), credit service institutions and their agreements (``institutions``)."""

from xinyong.services.identity.accounts import create_user, issue_token, revoke_token, sign_in, unbind, verify_real_name

__all__ = ["create_user", "issue_token", "revoke_token", "sign_in", "unbind", "verify_real_name"]

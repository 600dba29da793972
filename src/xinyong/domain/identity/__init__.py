"""Roles, the actor every request and change is made by, and the signed-in caller (``actors``)."""

from xinyong.domain.identity.actors import Actor, Caller, Role

__all__ = ["Actor", "Caller", "Role"]

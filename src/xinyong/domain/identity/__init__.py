"""Roles and the actor every request and change is made by (``actors``)."""

from xinyong.domain.identity.actors import Actor, Role

__all__ = ["Actor", "Role"]

"""Credit subjects: natural persons and organisations, their identifiers and responsible persons
(``registry``)."""

from xinyong.services.subjects.registry import count, find_by_identifier, get, link_responsible_person, register

__all__ = ["count", "find_by_identifier", "get", "link_responsible_person", "register"]

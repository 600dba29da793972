"""Reading the calendar data: the business time zone and the operator's year files (see
``calendar/README.md``).

The domain does no I/O: ``xinyong.domain.platform.clock`` and ``xinyong.domain.rulebook.calendar`` receive what is read
here as plain data (a zone, mappings). The files are parsed by the one strict YAML reader of the rule
files (:func:`xinyong.rules.loader.read_yaml`: duplicate keys refused, every problem at its line).
Problems raise :class:`RuleFileError` naming the file; the services turn them into the calendar's
``CalendarDataError``.

This module is in the lowest layer: it imports the standard library and the rules loader only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import RuleFileError
from .loader import PACKAGE_DIR, read_yaml

__all__ = [
    "CALENDAR_DIR",
    "EXAMPLES_DIR",
    "TIMEZONE_PATH",
    "YearFile",
    "load_business_timezone",
    "read_year_file",
    "read_year_files",
]

CALENDAR_DIR = PACKAGE_DIR / "calendar"
TIMEZONE_PATH = CALENDAR_DIR / "timezone.yaml"
EXAMPLES_DIR = CALENDAR_DIR / "examples"

_YEAR_FILE = re.compile(r"^(\d{4})\.yaml$")


# --------------------------------------------------------------------------------------------------
# The business time zone
# --------------------------------------------------------------------------------------------------


@functools.cache
def load_business_timezone(path: Path = TIMEZONE_PATH) -> ZoneInfo:
    """The business time zone named in ``calendar/timezone.yaml`` (read once per path)."""
    data = read_yaml(path)
    if not isinstance(data, Mapping) or set(data) != {"business_timezone"}:
        raise RuleFileError.at(path, None, "the file holds exactly one key, business_timezone")
    name = data["business_timezone"]
    if not isinstance(name, str) or not name:
        raise RuleFileError.at(path, None, "business_timezone must be an IANA zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RuleFileError.at(path, None, f"unknown time zone {name!r} (is tzdata installed?)") from None


# --------------------------------------------------------------------------------------------------
# Operator year files
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFile:
    """One operator year file as read: its year (from the file name), path and parsed content."""

    year: int
    path: Path
    data: Any


def read_year_file(path: str | Path) -> YearFile:
    """Read one ``YYYY.yaml`` file strictly (its content is checked by ``YearNotice.from_mapping``, which
    also refuses the example template, whatever the file is called)."""
    path = Path(path)
    match = _YEAR_FILE.match(path.name)
    if not match:
        raise RuleFileError.at(
            path, None, "a calendar folder holds only year files named YYYY.yaml (e.g. 2027.yaml)")
    try:
        data = read_yaml(path)
    except RuleFileError as exc:
        unreadable = exc.message == "file not found" or exc.message.startswith("not UTF-8")
        message = exc.message if unreadable else f"not valid YAML: {exc.message}"
        raise RuleFileError.at(path, exc.line, message) from None
    year = int(match.group(1))
    said = data.get("year") if isinstance(data, Mapping) else None
    if isinstance(said, int) and not isinstance(said, bool) and said != year:
        raise RuleFileError.at(path, None, f"the file is named for {year} but says year: {said}")
    return YearFile(year, path, data)


def read_year_files(*folders: str | Path) -> list[YearFile]:
    """Every year file of each folder, in order (non-YAML files are left alone; any other ``.yaml`` or
    ``.yml`` file is refused rather than ignored). A folder that does not exist is an error."""
    found: list[YearFile] = []
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise RuleFileError.at(folder, None, "calendar folder does not exist")
        for path in sorted(folder.iterdir()):
            if path.name.startswith(".") or path.suffix.lower() not in {".yaml", ".yml"}:
                continue
            found.append(read_year_file(path))
    return found

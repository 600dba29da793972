"""What every command starts from: the platform configured by the environment (``Settings``), imported
when a command runs, so that ``xinyong --help`` loads no database driver."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xinyong.services.platform.bootstrap import Platform


def platform() -> Platform:
    from xinyong.services.platform.bootstrap import Platform

    return Platform.from_settings()

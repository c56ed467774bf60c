"""Helpers for the publish, serve and reader tests: required tools, bounded waits."""

from __future__ import annotations

import os
import shutil

import pytest

# Reader and browser tests need real programs, which .ci/run installs. Missing
# one is a failure, unless this variable says to skip them on purpose.
SKIP_ENV = "JJFEED_SKIP_READERS"


def require_tool(name: str, package: str) -> str:
    """The path of ``name``; fail (or skip, when JJFEED_SKIP_READERS=1) when it is missing."""
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} not found: install Debian's {package} (.ci/run does)"
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{message}; skipped because {SKIP_ENV}=1")
    pytest.fail(message)

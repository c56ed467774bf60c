"""Without ../shared, the tests that need it fail with one clear line; they never skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO


def test_tests_needing_shared_data_fail_with_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "no-shared-here"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    env["JJFEED_SHARED"] = str(missing)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q",
         "tests/test_story.py", "tests/test_publish.py::test_json_feed_validates_against_schema",
         "tests/test_publish.py::test_limit"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 1, out[-3000:]
    assert "skipped" not in out.lower(), out[-3000:]
    data = missing / "data" / "schemas" / "jsonfeed-v1.1.schema.json"
    assert (
        f"these tests need ../shared/data (the project's development data): {data} not found" in out
    ), out[-3000:]
    seeds = missing / "seeds" / "labels.json"
    assert (
        out.count(
            f"these tests need ../shared/seeds (the project's development data): {seeds} not found"
        )
        >= 2
    )
    # The tests that need nothing from ../shared still pass.
    assert "PASSED tests/test_publish.py::test_limit" in out
    assert "PASSED tests/test_story.py::test_time_window" in out

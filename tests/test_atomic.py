"""jjfeed.atomic: the one atomic write, used for feeds.yaml and every published file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from jjfeed.atomic import write_atomic


def test_a_new_file_is_world_readable_and_an_old_one_keeps_its_mode(tmp_path: Path) -> None:
    new = write_atomic(tmp_path / "sub" / "feed.atom", b"one")
    assert new.read_bytes() == b"one"
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    new.chmod(0o600)  # a user made feeds.yaml private: a rewrite must not open it again
    write_atomic(new, b"two")
    assert new.read_bytes() == b"two"
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert [p.name for p in new.parent.iterdir()] == ["feed.atom"]  # no temporary left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "feed.atom"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.atom"]

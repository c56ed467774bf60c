"""`jjfeed publish`: the feeds written again from the store, nothing fetched."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import EXAMPLES
from test_cli import jjfeed


def _site(tmp_path: Path, outputs: str = "") -> Path:
    """A copy of the shipped example config and feeds in ``tmp_path``."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    config = (EXAMPLES.parent / "feeds.yaml").read_text(encoding="utf-8")
    (tmp_path / "feeds.yaml").write_text(config + outputs, encoding="utf-8")
    return tmp_path


def test_publish_rewrites_the_feeds_of_a_run_byte_for_byte(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert jjfeed("run", cwd=site).returncode == 0
    written = {p.name: p.read_bytes() for p in (site / "output").iterdir() if p.is_file()}
    assert "feed.atom" in written, sorted(written)
    shutil.rmtree(site / "output")
    # The sources are gone too: publish must not read them.
    shutil.rmtree(site / "examples")

    result = jjfeed("publish", cwd=site)

    assert result.returncode == 0, result.stderr
    again = {p.name: p.read_bytes() for p in (site / "output").iterdir() if p.is_file()}
    assert again == written
    assert "entries published to" in result.stdout


def test_publish_follows_a_changed_config_without_fetching(tmp_path: Path) -> None:
    site = _site(tmp_path)
    assert jjfeed("run", cwd=site).returncode == 0
    config = site / "feeds.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + "outputs:\n  - path: local\n    formats: [rss]\n    include_tags: [local]\n",
        encoding="utf-8",
    )

    result = jjfeed("publish", cwd=site)

    assert result.returncode == 0, result.stderr
    rss = (site / "output" / "local" / "feed.rss").read_text(encoding="utf-8")
    assert "<item>" in rss
    assert "<category>local</category>" in rss
    assert "Riverside" not in rss  # its articles carry no `local` tag


def test_publish_without_a_store_says_so_and_creates_nothing(tmp_path: Path) -> None:
    site = _site(tmp_path)

    result = jjfeed("publish", cwd=site)

    assert result.returncode == 1
    assert "jjfeed.db" in result.stderr
    assert not (site / ".jjfeed" / "jjfeed.db").exists()
    assert not (site / "output").exists()

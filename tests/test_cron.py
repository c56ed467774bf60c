"""Running unattended: the README's cron and systemd lines as written, quiet, TTY, logs, lock."""

from __future__ import annotations

import configparser
import os
import pty
import re
import select
import shlex
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from conftest import EXAMPLES, REPO, FeedServer, Route, html_body, prose, rss
from jjfeed.cli import EXIT_LOCKED
from jjfeed.lock import RunLock

JJFEED = Path(sys.executable).parent / "jjfeed"
README = (REPO / "README.md").read_text()


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    out.pop("NO_COLOR", None)
    out.update(extra)
    return out


def jjfeed(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jjfeed", *args],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def project(home: Path) -> Path:
    """~/jjfeed as the README assumes it: feeds.yaml and .venv/bin/jjfeed."""
    root = home / "jjfeed"
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "jjfeed").symlink_to(JJFEED)
    (root / "feeds.yaml").write_text(
        f"sources:\n  - name: Gazette\n    path: {EXAMPLES / 'feeds/harbor-gazette.rss'}\n"
    )
    return root


def block(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def good_feed(name: str) -> bytes:
    item = {"title": f"{name} one", "link": f"https://{name}/1", "guid": "1"}
    return rss(
        name,
        f"https://{name}/",
        [{**item, "body": html_body(prose(zlib.crc32(name.encode()), 60))}],
    )


def feeds_yaml(tmp: Path, server: FeedServer, paths: dict[str, str]) -> None:
    (tmp / "feeds.yaml").write_text(
        "sources:\n"
        + "".join(f"  - name: {n}\n    url: {server.url(p)}\n" for n, p in paths.items())
    )


def test_readme_crontab_line_works_as_written(tmp_path: Path) -> None:
    (line,) = [ln for ln in block("cron")[0].splitlines() if ln and not ln.startswith("#")]
    fields = line.split(None, 5)
    assert fields[:5] == ["*/15", "*", "*", "*", "*"]
    root = project(tmp_path)
    result = subprocess.run(
        ["/bin/sh", "-c", fields[5]],
        env=env(HOME=str(tmp_path), PATH="/usr/bin:/bin"),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (root / "output" / "feed.atom").exists()


def test_readme_systemd_units_work_as_written(tmp_path: Path) -> None:
    units = {}
    for text in block("ini"):
        name = text.splitlines()[0].removeprefix("# ~/.config/systemd/user/").strip()
        parser = configparser.ConfigParser(interpolation=None, strict=True)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(text)
        units[name] = parser
    service, timer = units["jjfeed.service"], units["jjfeed.timer"]
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["SuccessExitStatus"] == str(EXIT_LOCKED)
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"
    root = project(tmp_path)
    home = str(tmp_path)
    command = shlex.split(service["Service"]["ExecStart"].replace("%h", home))
    cwd = service["Service"]["WorkingDirectory"].replace("%h", home)
    assert Path(cwd) == root
    result = subprocess.run(
        command, cwd=cwd, env=env(HOME=home), capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    with RunLock(root / ".jjfeed" / "jjfeed.db"):
        locked = subprocess.run(command, cwd=cwd, env=env(HOME=home), capture_output=True)
    assert locked.returncode == EXIT_LOCKED


def test_no_tty_means_plain_summary_without_colour(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Route(good_feed("a"), etag='"a"')
    feed_server.routes["/b"] = Route(b"", status=500)
    feeds_yaml(tmp_path, feed_server, {"a": "/a", "b": "/b"})
    result = jjfeed("run", cwd=tmp_path)
    assert result.returncode == 0
    assert "\x1b" not in result.stdout + result.stderr
    assert re.fullmatch(
        r"2 sources: 1 fetched, 0 not modified, 1 failed, 0 skipped; 1 new articles, "
        r"0 duplicates merged, 0 updated; 1 entries published to \S+feed.atom, \S+feed.rss, \S+feed.json, \S+index.html, \S+sources.opml; "
        r"\d+\.\d s\n",
        result.stdout,
    ), result.stdout
    assert result.stderr.startswith("jjfeed: b: failed: ") and "HTTP 500" in result.stderr
    assert "next attempt" in result.stderr
    again = jjfeed("run", cwd=tmp_path)
    assert "1 not modified" in again.stdout and "1 skipped" in again.stdout


def test_quiet_is_silent_for_a_passing_failure_but_not_for_a_gone_source(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/a"] = Route(good_feed("a"))
    feed_server.routes["/b"] = Route(b"", status=503)
    feeds_yaml(tmp_path, feed_server, {"a": "/a", "b": "/b"})
    result = jjfeed("--quiet", "run", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")

    feeds_yaml(tmp_path, feed_server, {"a": "/a", "gone": "/gone"})
    feed_server.routes["/gone"] = Route(b"", status=410)
    result = jjfeed("--quiet", "run", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    assert "gone: failed: " in result.stderr and "jjfeed enable gone" in result.stderr

    feeds_yaml(tmp_path, feed_server, {"missing": "/missing"})
    result = jjfeed("--quiet", "run", cwd=tmp_path)
    assert result.returncode == 1 and "nothing published" in result.stderr


def test_verbosity_and_log_file(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Route(good_feed("a"))
    feeds_yaml(tmp_path, feed_server, {"a": "/a"})
    quiet = jjfeed("--quiet", "--log-file", "logs/run.log", "run", cwd=tmp_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    log = (tmp_path / "logs" / "run.log").read_text()
    assert re.search(r"^\d{4}-\d\d-\d\d .* INFO jjfeed.pipeline: a: ok \(1 new", log, re.M)

    normal = jjfeed("run", cwd=tmp_path)
    assert "INFO" not in normal.stderr
    info = jjfeed("-v", "run", cwd=tmp_path)
    assert "jjfeed: INFO: a: not_modified" not in info.stderr  # no validators here: a 200
    assert "jjfeed: INFO: a: ok (0 new" in info.stderr and "DEBUG" not in info.stderr
    debug = jjfeed("-vv", "run", cwd=tmp_path)
    assert "jjfeed: DEBUG: " in debug.stderr


def test_lock_gives_75_and_one_line(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - name: a\n    path: {EXAMPLES / 'feeds/harbor-gazette.rss'}\n"
    )
    with RunLock(tmp_path / ".jjfeed" / "jjfeed.db"):
        result = jjfeed("--quiet", "run", cwd=tmp_path)
    assert result.returncode == EXIT_LOCKED and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "another jjfeed run" in result.stderr


def run_in_pty(args: list[str], cwd: Path, limit: float = 60) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal; every read is bounded by ``limit``."""
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        args, cwd=cwd, env=env(TERM="xterm-256color", COLUMNS="100"),
        stdin=subprocess.DEVNULL, stdout=secondary, stderr=secondary,
    )  # fmt: skip
    os.close(secondary)
    chunks = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                data = os.read(main, 65536)
            except OSError:  # the other end closed: Linux reports EIO
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(main)
    code = proc.wait(timeout=10)
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("quiet", [False, True])
def test_tty_gets_rich_summary_and_quiet_still_nothing(
    tmp_path: Path, feed_server: FeedServer, quiet: bool
) -> None:
    for name in ("a", "b", "c"):
        feed_server.routes["/" + name] = Route(good_feed(name))
    feeds_yaml(tmp_path, feed_server, {"a": "/a", "b": "/b", "c": "/c"})
    args = [sys.executable, "-m", "jjfeed", *(["--quiet"] if quiet else []), "run"]
    code, out = run_in_pty(args, tmp_path)
    assert code == 0
    if quiet:
        assert out == ""
        return
    assert "\x1b[" in out  # styled for a terminal
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    for label, value in [
        ("sources fetched", "3"),
        ("new articles", "3"),
        ("entries published", "3"),
    ]:
        assert re.search(rf"{label}\s+{value}\b", plain), plain


def test_quiet_reports_a_local_source_at_its_third_failure_in_a_row(tmp_path: Path) -> None:
    """A `path:` source that fails run after run is reported once, at the alert_after-th
    failure (3), as an HTTP source is; before, --quiet never said a word about it."""
    (tmp_path / "feeds.yaml").write_text(
        "sources:\n"
        f"  - name: gazette\n    path: {EXAMPLES / 'feeds/harbor-gazette.rss'}\n"
        f"  - name: lost\n    path: {tmp_path / 'moved-away.rss'}\n"
    )
    stderr = []
    for _ in range(5):
        result = jjfeed("--quiet", "run", cwd=tmp_path)
        assert result.returncode == 0 and result.stdout == "", result.stderr
        stderr.append(result.stderr)
    assert [bool(s) for s in stderr] == [False, False, True, False, False], stderr
    (line,) = stderr[2].splitlines()
    assert line.startswith("jjfeed: lost: failed: ") and "moved-away.rss" in line

    (tmp_path / "moved-away.rss").write_bytes((EXAMPLES / "feeds/harbor-gazette.rss").read_bytes())
    assert jjfeed("--quiet", "run", cwd=tmp_path).stderr == ""  # a success resets the count
    (tmp_path / "moved-away.rss").unlink()
    stderr = [jjfeed("--quiet", "run", cwd=tmp_path).stderr for _ in range(3)]
    assert [bool(s) for s in stderr] == [False, False, True], stderr

"""A throwaway PostgreSQL server on 127.0.0.1 for the tests (the shared store, issue 20).

Debian's ``postgresql`` package puts its programs in
``/usr/lib/postgresql/<version>/bin``, off ``PATH``; ``initdb`` refuses to
run as root, so under root the cluster belongs to the package's
``postgres`` user. The cluster lives in a new temporary folder, listens on
a free port of 127.0.0.1 only, trusts local connections (user ``jjfeed``),
and skips fsync (a test run keeps nothing).

    python tests/postgres_server.py start     # prints the folder and the server's URL
    python tests/postgres_server.py stop DIR  # stops it and removes the folder

``.ci/run`` starts one per run this way and hands its URL to the tests as
``JJFEED_POSTGRES_URL``; without it, ``tests/conftest.py`` starts its own.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USER = "jjfeed"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server programs here, or the server would not start."""


def _bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not versions:
        raise PostgresUnavailable(
            "PostgreSQL's server programs are not installed (Debian: apt-get install postgresql)"
        )
    return Path(versions[-1]).parent


def _run_as() -> str | None:
    """The user the cluster runs as: ourselves, or ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable(
            "running as root and there is no 'postgres' user for initdb to run as"
        ) from None
    return "postgres"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(args: list[str], user: str | None, log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(args, user=user, stdout=out, stderr=subprocess.STDOUT, timeout=120)
    if done.returncode != 0:
        raise PostgresUnavailable(
            f"{Path(args[0]).name} failed ({done.returncode}): {log.read_text(errors='replace')[-2000:]}"
        )


def start() -> tuple[Path, str]:
    """Start a cluster; its folder and a URL of its ``postgres`` database."""
    bindir, user = _bindir(), _run_as()
    folder = Path(tempfile.mkdtemp(prefix="jjfeed-pg-"))
    if user is not None:
        shutil.chown(folder, user)
    log = folder / "server.log"
    log.touch()
    if user is not None:
        shutil.chown(log, user)
    port = _free_port()
    _call(
        [str(bindir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", USER,
         "-E", "UTF8", "--locale=C", "--no-sync"],
        user, log,
    )  # fmt: skip
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    _call(
        [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-o", options, "-l", str(log),
         "-w", "-t", "60", "start"],
        user, log,
    )  # fmt: skip
    return folder, f"postgresql://{USER}@127.0.0.1:{port}/postgres"


def stop(folder: Path) -> None:
    """Stop the cluster in ``folder`` (fast shutdown) and remove the folder."""
    data = folder / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            [
                str(_bindir() / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "-w",
                "-t",
                "60",
                "stop",
            ],
            user=_run_as(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
    shutil.rmtree(folder, ignore_errors=True)


def wait_until_ready(url: str, seconds: float) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main(argv: list[str]) -> int:
    if argv[:1] == ["start"]:
        folder, url = start()
        print(folder, url)
        return 0
    if argv[:1] == ["stop"] and len(argv) == 2:
        stop(Path(argv[1]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

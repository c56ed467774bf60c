"""The same feeds into an SQLite store and a PostgreSQL store: does jjfeed publish the same?

For each folder (default: the real feeds under ``../shared/data/feeds-review``
and ``feeds-real``), ``jjfeed ingest`` runs twice, as a user would, once
with ``--db`` a new SQLite file and once a new database on a throwaway
PostgreSQL cluster this script starts (tests/postgres_server.py). Then it
compares, per folder: the ingest summary, the published feed.json items
(id, title, url, content, tags, authors, date), ``jjfeed dupes`` and
``jjfeed export`` (ids and dates of undated entries, which are the time of
the run, left out). Prints one line per folder and every difference.

Run: ``python benchmarks/compare_stores.py [FOLDER ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
import postgres_server  # noqa: E402

SHARED = Path(os.environ.get("JJFEED_SHARED", HERE.parents[1] / "shared"))
FOLDERS = [
    SHARED / "data" / "feeds-review" / "feedjira",
    SHARED / "data" / "feeds-review" / "netnewswire",
    SHARED / "data" / "feeds-real" / "gofeed",
    SHARED / "data" / "feeds-real" / "rss-parser",
]
ITEM_KEYS = ("id", "title", "url", "content_html", "tags", "authors")
# A run's own time stands in for an entry's missing date: it differs between the two runs.
RUN_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(\+00:00|Z)?")


def jjfeed(*args: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    done = subprocess.run(
        [sys.executable, "-m", "jjfeed", *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if done.returncode not in (0, 1):
        sys.exit(f"jjfeed {' '.join(args)}: exit {done.returncode}: {done.stderr[-2000:]}")
    return done.stdout + done.stderr


def one_store(folder: Path, database: str, work: Path, name: str) -> dict[str, object]:
    config = work / "feeds.yaml"
    config.write_text("title: compare\nlink: https://compare.example/\nid: urn:compare\n"
                      "limit: 100000\nsources: []\n")  # fmt: skip
    out = work / f"out-{name}"
    base = ["--config", str(config), "--db", database, "--output", str(out)]
    summary = jjfeed(*base, "ingest", str(folder), cwd=work).replace(str(out), "OUT")
    items = (
        json.loads((out / "feed.json").read_text())["items"] if (out / "feed.json").exists() else []
    )
    export = [json.loads(line) for line in jjfeed(*base, "export", cwd=work).splitlines() if line]
    for record in export:
        record.pop("id", None)
    return {
        "summary": summary.splitlines(),
        "items": [{k: item.get(k) for k in ITEM_KEYS} for item in items],
        "dupes": RUN_TIME.sub("TIME", jjfeed(*base, "dupes", "--limit", "1000000", cwd=work)),
        "export": sorted(json.dumps(r, sort_keys=True) for r in export),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=FOLDERS)
    args = parser.parse_args(argv)
    folder_pg, server = postgres_server.start()
    differ = 0
    try:
        postgres_server.wait_until_ready(server, 30)
        for n, folder in enumerate(args.folders):
            if not folder.exists():
                sys.exit(f"{folder}: not found (the shared data beside the repository?)")
            work = Path(tempfile.mkdtemp(prefix="compare-"))
            subprocess.run(["psql", server, "-qc", f"CREATE DATABASE compare{n}"], check=True)
            lite = one_store(folder, str(work / "j.db"), work, "sqlite")
            pg = one_store(folder, server.rsplit("/", 1)[0] + f"/compare{n}", work, "postgres")
            found = [key for key in lite if lite[key] != pg[key]]
            differ += bool(found)
            print(f"{folder.name}: {len(lite['items'])} items, {len(lite['export'])} articles; "
                  + ("the same in both stores" if not found else f"DIFFER in {', '.join(found)}"))  # fmt: skip
            for key in found:
                a, b = lite[key], pg[key]
                if isinstance(a, list) and isinstance(b, list):
                    for x, y in zip(a, b, strict=False):
                        if x != y:
                            print(
                                f"  {key}: sqlite {str(x)[:300]!r}\n  {key}: postgres {str(y)[:300]!r}"
                            )
                            break
                    if len(a) != len(b):
                        print(f"  {key}: {len(a)} against {len(b)}")
    finally:
        postgres_server.stop(folder_pg)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

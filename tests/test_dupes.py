"""`jjfeed dupes`: why copies were merged, and the corrections a person makes.

End to end through the CLI with a real SQLite store and real article text
(WCXB ``main_content``): every rule is made to fire by the kind of copy it
exists for, and every correction is checked against later runs.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import SEEDS, SHARED, html_body, prose, rss
from jjfeed import dedup
from jjfeed.cli import cli
from jjfeed.store import SCHEMA_VERSION, Store

GROUND_TRUTH = SHARED / "data" / "wcxb-dev" / "ground-truth"
needs_wcxb = pytest.mark.needs_shared(GROUND_TRUTH)  # every test of the `jj` fixture and TEXTS

MEMBER_KEYS = {
    "id", "source", "title", "url", "first_seen", "published", "representative", "rule",
    "similarity", "matched", "via", "override",
}  # fmt: skip
STORY_CLUSTER_KEYS = {
    "cluster", "articles", "id", "source", "title", "url", "first_seen", "published",
    "representative", "rule", "link", "links", "best_article", "best", "override",
}  # fmt: skip


def _texts(count: int = 8) -> list[tuple[str, str]]:
    """(title, text) of the first real articles of 250+ words, cut to 400 words."""
    found = []
    for path in sorted(GROUND_TRUTH.glob("*.json")):
        truth = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        words = truth["main_content"].split()
        if len(words) >= 250:
            found.append((truth["title"] or path.stem, " ".join(words[:400])))
        if len(found) == count:
            return found
    raise AssertionError(f"{GROUND_TRUTH}: fewer than {count} articles of 250+ words")


TEXTS = _texts() if GROUND_TRUTH.exists() else []


def _edited(text: str, seed: int) -> str:
    """A near-copy: every 20th word changed and the last twelve words cut."""
    out = text.split()[:-12]
    for i in range(seed % 20, len(out), 20):
        out[i] = f"fixed{seed}w{i}"
    return " ".join(out)


def _summary(text: str) -> str:
    """A summary-only entry: the opening 70 words and a "Read more" link."""
    return " ".join(text.split()[:70]) + " Read more"


def _feed(folder: Path, name: str, items: list[tuple[str, str, str]]) -> Path:
    """An RSS file of (title, link, text) items; guids are the source name and position."""
    path = folder / f"{name}.xml"
    path.write_bytes(
        rss(
            name,
            f"https://{name}.example/",
            [
                {"title": t, "link": link, "guid": f"{name}-{i}", "body": html_body(text)}
                for i, (t, link, text) in enumerate(items)
            ],
        )
    )
    return path


class Jj:
    """The CLI on one folder: feeds.yaml, database and output live there."""

    def __init__(self, folder: Path, config: str = "") -> None:
        self.folder = folder
        (folder / "feeds.yaml").write_text(
            f"database: {folder / 'j.db'}\noutput: {folder / 'out'}\nprocesses: 1\n" + config
        )

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(self.folder / "feeds.yaml"), *args])
        if ok:
            assert result.exit_code == 0, (args, result.output, result.exception)
        return result

    def ingest(self, name: str, items: list[tuple[str, str, str]]) -> None:
        self("ingest", str(_feed(self.folder, name, items)), "--source", name)

    def records(self) -> dict[tuple[str, str], dict[str, object]]:
        """Exported articles by (source, title)."""
        out = {}
        for line in self("export").output.splitlines():
            record = json.loads(line)
            out[(record["source"], record["title"])] = record
        return out

    def reports(self, *args: str) -> list[dict[str, object]]:
        return [json.loads(line) for line in self("dupes", *args, "--json").output.splitlines()]


def _cluster_with(reports: list[dict[str, object]], article: object) -> dict[str, object]:
    for r in reports:
        if r["kind"] == "cluster" and any(m["id"] == article for m in r["members"]):  # type: ignore[attr-defined]
            return r
    raise AssertionError(f"no cluster lists article {article}")


def _member(report: dict[str, object], article: object) -> dict[str, object]:
    members = report["members"]
    assert isinstance(members, list)
    return next(m for m in members if m["id"] == article)


@pytest.fixture
def jj(tmp_path: Path) -> Jj:
    """Four sources carrying copies of real articles, one kind of copy each."""
    (t0, x0), (t1, x1), (t2, x2), (t3, x3) = TEXTS[:4]
    jj = Jj(tmp_path)
    jj.ingest(
        "wire",
        [
            (t0, "https://wire.example/0", x0),
            (t1, "https://wire.example/1", x1),
            (t2, "https://wire.example/2", x2),
            (t3, "https://wire.example/3", x3),
        ],
    )
    jj.ingest(
        "daily",
        [
            (t0, "https://daily.example/a", x0),  # the same text: content hash
            (t1 + " (updated)", "https://daily.example/b", _edited(x1, 1)),  # edited: Jaccard
        ],
    )
    jj.ingest("digest", [(t2, "https://digest.example/s", _summary(x2))])  # summary: containment
    jj.ingest(
        "tracker",  # the same page with tracking parameters: URL
        [(t3, "https://www.wire.example/3/?utm_source=rss&utm_medium=feed", x3)],
    )
    return jj


@needs_wcxb
def test_each_rule_and_its_similarity_are_shown(jj: Jj) -> None:
    (t0, x0), (t1, x1), (t2, x2), (t3, _) = TEXTS[:4]
    records = jj.records()
    reports = jj.reports()
    expected = {
        ("daily", t0): ("content-hash", ("wire", t0)),
        ("daily", t1 + " (updated)"): ("jaccard", ("wire", t1)),
        ("digest", t2): ("containment", ("wire", t2)),
        ("tracker", t3): ("url", ("wire", t3)),
    }
    for copy, (rule, original) in expected.items():
        cluster = _cluster_with(reports, records[copy]["id"])
        member = _member(cluster, records[copy]["id"])
        assert member["rule"] == rule, (copy, member)
        assert member["matched"] == records[original]["id"]
        assert _member(cluster, records[original]["id"])["rule"] == "founded"
        assert cluster["id"] == records[original]["cluster"] == records[copy]["cluster"]
        assert sum(bool(m["representative"]) for m in cluster["members"]) == 1  # type: ignore[attr-defined]
    # The similarity shown is the one measured on the stored texts.
    edited = _member(
        _cluster_with(reports, records[("wire", t1)]["id"]),
        records[("daily", t1 + " (updated)")]["id"],
    )
    measured = dedup.similarity(
        str(records[("wire", t1)]["text"]), str(records[("daily", t1 + " (updated)")]["text"])
    )
    assert edited["similarity"] == pytest.approx(measured.jaccard, abs=1e-4)
    assert dedup.JACCARD_DUPLICATE <= measured.jaccard < 1.0
    summary = _member(
        _cluster_with(reports, records[("wire", t2)]["id"]), records[("digest", t2)]["id"]
    )
    sim = dedup.similarity(str(records[("wire", t2)]["text"]), str(records[("digest", t2)]["text"]))
    assert sim.jaccard < dedup.JACCARD_DUPLICATE <= dedup.CONTAINMENT_DUPLICATE <= sim.containment
    assert summary["similarity"] == pytest.approx(sim.containment, abs=1e-4)
    exact = _member(
        _cluster_with(reports, records[("wire", t0)]["id"]), records[("daily", t0)]["id"]
    )
    assert exact["similarity"] == 1.0
    # The same, readable on a terminal.
    text = jj("dupes").output
    assert f"content-hash 1.000 with #{records[('wire', t0)]['id']}" in text
    assert f"url 1.000 with #{records[('wire', t3)]['id']}" in text
    assert f"jaccard {measured.jaccard:.3f} with #{records[('wire', t1)]['id']}" in text
    assert "founded the cluster" in text


@needs_wcxb
def test_json_schema_one_object_per_cluster_or_story(jj: Jj) -> None:
    reports = jj.reports()
    clusters = [r for r in reports if r["kind"] == "cluster"]
    assert len(clusters) == 4  # the four originals, each with one copy
    for r in reports:
        if r["kind"] == "cluster":
            assert set(r) == {"kind", "id", "story", "members", "merged"}
            assert len(r["members"]) >= 2  # type: ignore[arg-type]
            for m in r["members"]:  # type: ignore[attr-defined]
                assert set(m) == MEMBER_KEYS
                assert m["rule"] in {"founded", "merged", "split", "unknown", *dedup.RULES}
        else:
            assert r["kind"] == "story"
            assert set(r) == {"kind", "id", "clusters"}
            for c in r["clusters"]:  # type: ignore[attr-defined]
                assert set(c) == STORY_CLUSTER_KEYS
    assert len(jj.reports("--limit", "1")) <= 2  # one cluster, at most one story


@needs_wcxb
def test_show_an_article_a_cluster_and_bad_ids(jj: Jj) -> None:
    t0 = TEXTS[0][0]
    records = jj.records()
    copy = records[("daily", t0)]
    shown = jj.reports("show", str(copy["id"]))
    assert shown[0]["kind"] == "article" and shown[0]["rule"] == "content-hash"
    assert shown[0]["cluster"] == copy["cluster"]
    assert shown[1]["kind"] == "cluster" and shown[1]["id"] == copy["cluster"]
    by_cluster = jj.reports("show", str(copy["cluster"]))
    # A cluster id is also the id of the story it founded: both are shown.
    assert [r["kind"] for r in by_cluster][0] == "cluster"
    result = jj("dupes", "show", "999999", ok=False)
    assert result.exit_code == 1 and "no article with id 999999" in result.output
    for bad in ("not-an-id", "0d5e3f3c-0000-4c39-9c59-6a3b0f1de2a7"):
        result = jj("dupes", "show", bad, ok=False)
        assert result.exit_code == 1
        assert f"no article, cluster or story with id {bad!r}" in result.output
    assert jj("dupes", "split", "nope", ok=False).exit_code == 2  # click: not a number
    result = jj("dupes", "split", "999999", ok=False)
    assert result.exit_code == 1 and "no article with id 999999" in result.output
    alone = records[("wire", TEXTS[0][0])]["id"]
    jj("dupes", "split", str(records[("daily", t0)]["id"]))
    result = jj("dupes", "split", str(alone), ok=False)
    assert result.exit_code == 1 and "alone in cluster" in result.output
    result = jj("dupes", "overrides", "--remove", "77", ok=False)
    assert result.exit_code == 1 and "no override 77" in result.output


@needs_wcxb
def test_split_stays_split_when_more_copies_arrive(jj: Jj) -> None:
    t1, x1 = TEXTS[1]
    records = jj.records()
    original, copy = records[("wire", t1)], records[("daily", t1 + " (updated)")]
    cluster = original["cluster"]
    out = jj("dupes", "split", str(copy["id"])).output
    assert "override 1: split article" in out
    after = jj.records()
    assert after[("wire", t1)]["cluster"] == cluster  # the cluster keeps its id (its feed entry)
    split_off = after[("daily", t1 + " (updated)")]["cluster"]
    assert split_off != cluster
    assert after[("daily", t1 + " (updated)")]["story"] == split_off  # a story of its own
    # Later runs: a copy of the split-off text matches both, exactly the split one.
    jj.ingest(
        "later",
        [
            (t1 + " (copy)", "https://later.example/1", _edited(x1, 1)),
            (t1 + " (wire copy)", "https://later.example/2", x1),
        ],
    )
    later = jj.records()
    assert later[("wire", t1)]["cluster"] == cluster
    assert later[("daily", t1 + " (updated)")]["cluster"] == split_off
    assert later[("later", t1 + " (copy)")]["cluster"] == split_off  # matched it best (hash)
    assert later[("later", t1 + " (wire copy)")]["cluster"] == cluster
    member = _member(jj.reports("show", str(copy["id"]))[1], copy["id"])
    assert member["rule"] == "split" and member["override"] == 1
    listed = jj.reports("overrides")
    assert [(o["id"], o["kind"], o["article"], o["a"], o["b"]) for o in listed] == [
        (1, "split", copy["id"], cluster, split_off)
    ]
    # Removing the override puts the article (and what joined it since) back.
    jj("dupes", "overrides", "--remove", "1")
    undone = jj.records()
    assert undone[("daily", t1 + " (updated)")]["cluster"] == cluster
    assert undone[("later", t1 + " (copy)")]["cluster"] == cluster
    assert jj.reports("overrides") == []
    restored = _member(_cluster_with(jj.reports(), copy["id"]), copy["id"])
    assert restored["rule"] == "jaccard"


@needs_wcxb
def test_merge_stays_merged_and_can_be_undone(jj: Jj) -> None:
    (t4, x4), (t5, x5) = TEXTS[4:6]
    jj.ingest("wire2", [(t4, "https://wire2.example/4", x4)])
    jj.ingest("daily2", [(t5, "https://daily2.example/5", x5)])
    records = jj.records()
    first, second = records[("wire2", t4)], records[("daily2", t5)]
    assert first["cluster"] != second["cluster"]
    before = {first["cluster"], second["cluster"]}
    out = jj("dupes", "merge", str(first["id"]), str(second["cluster"])).output
    assert "merged cluster" in out
    merged = jj.records()
    one = merged[("wire2", t4)]["cluster"]
    assert one == merged[("daily2", t5)]["cluster"] and one in before
    assert merged[("wire2", t4)]["story"] == merged[("daily2", t5)]["story"]
    result = jj("dupes", "merge", str(first["id"]), str(second["id"]), ok=False)
    assert result.exit_code == 1 and "already one cluster" in result.output
    # Later runs: copies of either join the merged cluster, which keeps its id.
    jj.ingest("later", [(t5, "https://later.example/5", x5), (t4, "https://later.example/4", x4)])
    later = jj.records()
    assert {
        later[(s, t)]["cluster"]
        for s, t in [("wire2", t4), ("daily2", t5), ("later", t5), ("later", t4)]
    } == {one}
    report = _cluster_with(jj.reports(), first["id"])
    gone = (before - {one}).pop()
    assert report["merged"][0]["cluster"] == gone and report["merged"][0]["override"] == 1  # type: ignore[index]
    jj("dupes", "overrides", "--remove", "1")
    apart = jj.records()
    assert {apart[("wire2", t4)]["cluster"], apart[("daily2", t5)]["cluster"]} == before


@needs_wcxb
def test_merge_stories(jj: Jj) -> None:
    (t0, _), (t1, _) = TEXTS[:2]
    records = jj.records()
    a, b = records[("wire", t0)], records[("wire", t1)]
    assert a["story"] != b["story"]
    jj("dupes", "merge", "--story", str(a["id"]), str(b["story"]))
    after = jj.records()
    assert after[("wire", t0)]["story"] == after[("wire", t1)]["story"]
    assert after[("wire", t0)]["cluster"] != after[("wire", t1)]["cluster"]  # still two clusters
    story = next(r for r in jj.reports() if r["kind"] == "story")
    rules = sorted(c["rule"] for c in story["clusters"])  # type: ignore[attr-defined]
    assert rules == ["founded", "merged"]
    jj("dupes", "overrides", "--remove", "1")
    undone = jj.records()
    assert undone[("wire", t0)]["story"] != undone[("wire", t1)]["story"]


@needs_wcxb
def test_split_and_merge_refuse_to_contradict_each_other(jj: Jj) -> None:
    t0 = TEXTS[0][0]
    records = jj.records()
    copy, original = records[("daily", t0)], records[("wire", t0)]
    jj("dupes", "split", str(copy["id"]))
    result = jj("dupes", "merge", str(copy["id"]), str(original["id"]), ok=False)
    assert result.exit_code == 1 and "jjfeed dupes overrides --remove 1" in result.output


@needs_wcxb
def test_dedup_false_source_is_never_merged(tmp_path: Path) -> None:
    (t0, x0), (t1, x1) = TEXTS[:2]
    jj = Jj(tmp_path, "sources:\n  - name: wire\n    path: wire.xml\n"
                      "  - name: mirror\n    path: mirror.xml\n    dedup: false\n")  # fmt: skip
    _feed(
        tmp_path, "wire", [(t0, "https://wire.example/0", x0), (t1, "https://wire.example/1", x1)]
    )
    _feed(
        tmp_path,
        "mirror",
        [(t0, "https://wire.example/0", x0), (t0 + " again", "https://m.example/2", x0)],
    )
    jj("run")
    records = jj.records()
    clusters = {key: r["cluster"] for key, r in records.items()}
    assert len(set(clusters.values())) == 4  # same URL, same text: still four clusters
    # A later copy from another source joins the wire's cluster, never the mirror's.
    jj.ingest("late", [(t0, "https://late.example/0", x0)])
    late = jj.records()
    assert late[("late", t0)]["cluster"] == clusters[("wire", t0)]
    assert late[("mirror", t0)]["cluster"] == clusters[("mirror", t0)]
    member = _member(
        _cluster_with(jj.reports(), late[("late", t0)]["id"]), late[("late", t0)]["id"]
    )
    assert member["matched"] == records[("wire", t0)]["id"]


def test_bad_dedup_value_names_file_line_and_key(tmp_path: Path) -> None:
    jj = Jj(tmp_path, "sources:\n  - name: a\n    path: a.xml\n    dedup: sometimes\n")
    result = jj("dupes", ok=False)
    assert result.exit_code == 1
    assert "feeds.yaml:7: sources[0].dedup: must be true or false" in result.output


@pytest.mark.needs_shared(SEEDS)
def test_story_evidence_for_the_seed_pair(tmp_path: Path) -> None:
    """000 and 001 report the same news: the story lists both with the evidence that joined them."""
    jj = Jj(tmp_path)
    jj("ingest", *(str(p) for p in sorted(SEEDS.glob("*.txt"))))
    records = {Path(str(r["guid"])).name[:3]: r for r in jj.records().values()}
    story = next(
        r for r in jj.reports() if r["kind"] == "story" and r["id"] == records["000"]["story"]
    )
    joined = {c["id"]: c for c in story["clusters"]}  # type: ignore[attr-defined]
    assert {records["000"]["id"], records["001"]["id"]} <= set(joined)
    rules = sorted(c["rule"] for c in joined.values())
    assert rules[0] == "founded" and "story" in rules
    evidence = next(c for c in joined.values() if c["rule"] == "story")
    assert evidence["links"] >= 1 and 0 < evidence["link"] <= evidence["best"] <= 1
    assert evidence["best_article"] in {records["000"]["id"], records["001"]["id"]}
    shown = jj("dupes", "show", str(story["id"])).output
    links = evidence["links"]
    alike = f"{links} member{'' if links == 1 else 's'} alike"
    assert f"story terms: average link {evidence['link']:.3f} over the story, {alike}" in shown


def test_the_reasons_table_is_the_latest_migration(tmp_path: Path) -> None:
    with Store(tmp_path / "j.db") as store:
        assert store.version == SCHEMA_VERSION
        assert store.overrides() == []


@pytest.mark.parametrize("command", ["", "show", "split", "merge", "overrides"])
def test_every_dupes_command_has_help(command: str) -> None:
    result = CliRunner().invoke(cli, ["dupes", *([command] if command else []), "--help"])
    assert result.exit_code == 0
    help_text = result.output.split("Options:")[0]
    assert len(help_text.strip().splitlines()) >= 2, f"dupes {command} has no help text"


@needs_wcxb
def test_the_redis_index_gives_the_rule_and_similarity(redis_url: str) -> None:
    """The shared index says which rule joined a copy (it cannot name the copy: another store)."""
    import uuid
    from datetime import UTC, datetime, timedelta

    import redis

    from jjfeed.dedup.redis_index import RedisIndex
    from jjfeed.model import Article

    (t0, x0), (t1, x1) = TEXTS[:2]
    now = datetime(2026, 11, 2, tzinfo=UTC)
    since = now - timedelta(days=30)
    namespace = f"dupes{uuid.uuid4().hex[:12]}"

    def article(source: str, guid: str, title: str, text: str) -> Article:
        return Article(source=source, guid=guid, url=None, title=title, text=text)

    try:
        with RedisIndex(redis_url, namespace) as index:
            index.prepare()
            for i, (title, text) in enumerate([(t0, x0), (t1, x1)]):
                index.verdict(article("wire", f"w{i}", title, text), None, None, since)
                index.add(i, now)
            exact = index.verdict(article("daily", "d0", t0, x0), None, None, since)
            index.add(10, now)
            edited = index.verdict(article("daily", "d1", t1, _edited(x1, 1)), None, None, since)
            index.add(11, now)
    finally:
        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    assert (exact.status, exact.rule, exact.similarity, exact.matched) == (
        "duplicate", "content-hash", 1.0, None,
    )  # fmt: skip
    assert edited.status == "duplicate" and edited.rule == "jaccard"
    assert edited.similarity == pytest.approx(dedup.similarity(x1, _edited(x1, 1)).jaccard)


def test_override_numbers_are_never_given_twice(tmp_path: Path) -> None:
    """`overrides --remove 1` then a new override used to be "override 1" again (a plain rowid
    is reused once the highest row is gone); a removed number now stays retired, across opens."""
    text = prose(16, 300)
    jj = Jj(tmp_path)
    jj.ingest("wire", [("Harbour tram", "https://wire.example/1", text)])
    jj.ingest("daily", [("Harbour tram", "https://daily.example/1", text)])  # the same text
    copy = jj.records()[("daily", "Harbour tram")]
    said = []
    for _ in range(3):
        said.append(jj("dupes", "split", str(copy["id"])).output.split(":")[0])
        number = said[-1].split()[-1]
        assert [o["id"] for o in jj.reports("overrides")] == [int(number)]
        assert jj("dupes", "overrides", "--remove", number).output.startswith(
            f"removed override {number}:"
        )
    assert said == ["override 1", "override 2", "override 3"]
    assert jj.reports("overrides") == []


def test_store_override_numbers_survive_a_reopen_and_older_databases(tmp_path: Path) -> None:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    with Store(tmp_path / "j.db") as store:
        with store.transaction():
            first = store.add_override("merge", None, "a", "b", {}, when)
            second = store.add_override("merge", None, "c", "d", {}, when)
        with store.transaction():
            store.delete_override(second)
            store.delete_override(first)
    with Store(tmp_path / "j.db") as store:
        with store.transaction():
            assert store.add_override("merge", None, "e", "f", {}, when) == 3
        # A database from before the counter: numbers go on from the highest row.
        store._db.execute("DELETE FROM meta WHERE key = 'overrides_last_id'")
        with store.transaction():
            assert store.add_override("merge", None, "g", "h", {}, when) == 4


def test_a_member_shows_the_day_its_source_dates_it_when_that_is_another() -> None:
    from datetime import UTC, datetime

    from jjfeed.pipeline.dupes import ClusterReport, Member, render

    seen = datetime(2026, 12, 5, 6, 54, tzinfo=UTC)
    old = Member(1, "inessential", "The Goal", None, seen, True, "founded",
                 published=datetime(2017, 3, 31, 12, tzinfo=UTC))  # fmt: skip
    today = Member(2, "Daring Fireball", "News", None, seen, False, "guid", 1.0, 1,
                   published=datetime(2026, 12, 5, 1, tzinfo=UTC))  # fmt: skip
    undated = Member(3, "Feed", "Item", None, seen, False, "url", 1.0, 1)
    text = render(ClusterReport("c1", "c1", (old, today, undated)))
    assert "#1 inessential · 2026-12-05 06:54, published 2017-03-31 · The Goal" in text
    assert "#2 Daring Fireball · 2026-12-05 06:54 · News" in text
    assert "#3 Feed · 2026-12-05 06:54 · Item" in text
    assert old.as_dict()["published"] == "2017-03-31T12:00:00+00:00"
    assert undated.as_dict()["published"] is None

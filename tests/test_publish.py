from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from conftest import SHARED
from jjfeed import publish
from jjfeed.errors import PublishError
from jjfeed.model import Article, Cluster, FeedInfo, StoredArticle

T1 = datetime(2026, 11, 1, 12, tzinfo=UTC)
T2 = datetime(2026, 11, 2, 12, tzinfo=UTC)


def _member(i: int, source: str, url: str | None, published: datetime) -> StoredArticle:
    art = Article(
        source=source,
        guid=f"g{i}",
        url=url,
        title=f"Title & <{i}>",
        author="Ann Lee",
        published=published,
        tags=("News", "news", "Local"),
        text="First paragraph.\n\nSecond.",
        html="<p>First paragraph.</p><p>Second.</p>",
    )
    return StoredArticle(i, art, None, "h", f"c{i}", published, 0)


def _clusters() -> list[Cluster]:
    a = _member(1, "Harbor", "https://h.example/a", T1)
    b = _member(2, "Wire", "https://w.example/b", T1)
    c = _member(3, "Riverside", None, T2)
    return [
        Cluster("11111111-1111-5111-8111-111111111111", (a, b), a, T1),
        Cluster("22222222-2222-5222-8222-222222222222", (c,), c, T2),
    ]


def test_atom_and_rss_are_written_and_parse_cleanly(tmp_path: Path) -> None:
    paths = publish.publish(_clusters(), FeedInfo(), tmp_path, formats=("atom", "rss"))
    assert [p.name for p in paths] == ["feed.atom", "feed.rss"]
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parsed.entries) == 2
        newest, older = parsed.entries
        assert newest.id == "urn:uuid:22222222-2222-5222-8222-222222222222"  # newest first
        assert older.title == "Title & <1>"
        assert "Sources:" in older.content[0].value
        assert 'href="https://w.example/b"' in older.content[0].value
        assert [t.term for t in older.tags] == ["News", "Local"]
    atom = feedparser.parse(paths[0].read_bytes())
    assert atom.entries[1].content[0].type == "text/html"
    assert {link.href for link in atom.entries[1].links} == {
        "https://h.example/a",
        "https://w.example/b",
    }
    assert atom.entries[1].author == "Ann Lee"


ATOM_RNG = SHARED / "data" / "schemas" / "atom.rng"


@pytest.mark.skipif(not ATOM_RNG.exists(), reason="shared Atom schema not present")
def test_atom_validates_against_rfc4287_schema(tmp_path: Path) -> None:
    path = publish.publish(_clusters(), FeedInfo(), tmp_path, formats=("atom",))[0]
    schema = etree.RelaxNG(etree.parse(str(ATOM_RNG)))
    doc = etree.parse(str(path))
    assert schema.validate(doc), schema.error_log


def test_entry_ids_come_from_clusters_not_urls(tmp_path: Path) -> None:
    clusters = _clusters()
    first = publish.build_feed(clusters, FeedInfo()).atom_str()
    rep_swapped = Cluster(clusters[0].id, clusters[0].members, clusters[0].members[1], T1)
    second = publish.build_feed([rep_swapped, clusters[1]], FeedInfo()).atom_str()
    ids = [e.id for e in feedparser.parse(first).entries]
    assert ids == [e.id for e in feedparser.parse(second).entries]


def test_publishing_twice_gives_identical_bytes(tmp_path: Path) -> None:
    publish.publish(_clusters(), FeedInfo(), tmp_path)
    before = (tmp_path / "feed.atom").read_bytes(), (tmp_path / "feed.rss").read_bytes()
    publish.publish(_clusters(), FeedInfo(), tmp_path)
    assert before == ((tmp_path / "feed.atom").read_bytes(), (tmp_path / "feed.rss").read_bytes())


def test_limit(tmp_path: Path) -> None:
    fg = publish.build_feed(_clusters(), FeedInfo(limit=1))
    assert len(feedparser.parse(fg.atom_str()).entries) == 1


def test_write_atomic_leaves_no_temp_files_and_reports_errors(tmp_path: Path) -> None:
    publish.write_atomic(tmp_path / "f", b"one")
    publish.write_atomic(tmp_path / "f", b"two")
    assert (tmp_path / "f").read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    with pytest.raises(PublishError, match="blocker/f: cannot write"):
        publish.write_atomic(blocker / "f", b"x")

"""Merge only the same article (issue 17): the false merges real feeds showed, as fixtures.

A podcast whose every episode links to the show, link posts with an empty
link, a blog's templated posts, shared GUIDs: different posts of one source
stay different entries. A repost, and the same short post in a site's Atom
and JSON feeds, are still one.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

from conftest import html_body, prose
from jjfeed import dedup, pipeline
from jjfeed.config import Config
from jjfeed.model import Article
from jjfeed.parse import identity_keys, parse_feed


def _config(tmp_path: Path) -> Config:
    return Config(database=tmp_path / "j.db", output=tmp_path / "out", processes=1)


def _clusters(config: Config) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for row in pipeline.export(config):
        out.setdefault(str(row["cluster"]), set()).add(str(row["title"]))
    return out


def _rss(title: str, link: str, items: list[tuple[str, str, str, str]]) -> str:
    """items: (title, link, guid, html body)."""
    return (
        f"<rss version='2.0'><channel><title>{escape(title)}</title><link>{escape(link)}</link>"
        + "".join(
            f"<item><title>{escape(t)}</title><link>{escape(u)}</link><guid>{escape(g)}</guid>"
            f"<description>{escape(b)}</description></item>"
            for t, u, g, b in items
        )
        + "</channel></rss>"
    )


SHOW_NOTES = html_body(prose(40, 260))  # the same long template under every episode


def test_a_podcast_whose_episodes_all_link_to_the_show_keeps_every_episode(
    tmp_path: Path,
) -> None:
    episodes = [
        (
            f"Show {n}: topic {n}",
            "http://show.example/",
            f"ep-{n}",
            html_body(prose(n, 40)) + SHOW_NOTES,
        )
        for n in range(6)
    ]
    feed = tmp_path / "show.rss"
    feed.write_text(_rss("The Show", "http://show.example/", episodes))
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(feed)])
    assert sorted(len(m) for m in _clusters(config).values()) == [1] * 6


def test_link_posts_with_an_empty_link_are_not_one_post(tmp_path: Path) -> None:
    atom = tmp_path / "links.atom"
    entries = "".join(
        f'<entry><title>Link post {n}</title><id>tag:links.example,2024:{n}</id><link href=""/>'
        f"<updated>2024-01-0{n + 1}T00:00:00Z</updated>"
        f'<content type="html">{escape(html_body(prose(50 + n, 60)))}</content></entry>'
        for n in range(3)
    )
    atom.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Links</title><id>urn:links</id>'
        '<link rel="self" href="https://links.example/feed.atom"/>'
        f'<link href="https://links.example/"/><updated>2024-01-05T00:00:00Z</updated>{entries}</feed>'
    )
    parsed = parse_feed(atom.read_bytes(), source="l", url="https://links.example/feed.atom")
    assert [a.link_is_id for a in parsed.articles] == [False, False, False]
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(atom)])
    assert len(_clusters(config)) == 3


def test_templated_posts_of_one_source_stay_apart(tmp_path: Path) -> None:
    """'Polypolyhedra in Origami' and '... in Dowels': the same long list, two posts."""
    listing = html_body(prose(60, 300))
    posts = [
        (
            "Polypolyhedra in Origami",
            "https://fold.example/origami",
            "1",
            "<p>Folded.</p>" + listing,
        ),
        ("Polypolyhedra in Dowels", "https://fold.example/dowels", "2", "<p>Glued.</p>" + listing),
    ]
    feed = tmp_path / "fold.rss"
    feed.write_text(_rss("Folding", "https://fold.example/", posts))
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(feed)])
    assert len(_clusters(config)) == 2


def test_a_repost_under_a_new_guid_is_still_one_entry(tmp_path: Path) -> None:
    body = html_body(prose(70, 300))
    posts = [
        ("Harbour bridge reopens", "https://blog.example/2024/bridge", "a1", body),
        ("Harbour bridge reopens", "https://blog.example/2025/bridge-again", "b7", body),
    ]
    feed = tmp_path / "blog.rss"
    feed.write_text(_rss("Blog", "https://blog.example/", posts))
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(feed)])
    assert list(_clusters(config).values()) == [{"Harbour bridge reopens"}]


def test_copies_across_sources_still_merge(tmp_path: Path) -> None:
    body = html_body(prose(80, 300))
    first = tmp_path / "one.rss"
    second = tmp_path / "two.rss"
    first.write_text(
        _rss("One", "https://one.example/", [("Wire story", "https://one.example/w", "1", body)])
    )
    second.write_text(
        _rss(
            "Two",
            "https://two.example/",
            [("Wire story (copy)", "https://two.example/x", "9", body)],
        )
    )
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(first), str(second)])
    assert len(_clusters(config)) == 1


def test_the_same_short_post_in_a_sites_atom_and_json_feeds_is_one_entry(tmp_path: Path) -> None:
    text = "Good piece on keyboards by a friend of the show."  # under MIN_WORDS words
    atom = tmp_path / "site.atom"
    atom.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Site</title><id>urn:s</id>'
        "<updated>2024-01-01T00:00:00Z</updated><entry><title>The Keyboard Nobody Asked For</title>"
        '<id>tag:site.example,2024:/1</id><link href="https://elsewhere.example/kb"/>'
        f'<updated>2024-01-01T00:00:00Z</updated><content type="html">&lt;p&gt;{text}&lt;/p&gt;</content>'
        "</entry></feed>"
    )
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Site (JSON)",
        "items": [
            {
                "id": "https://site.example/1",
                "url": "https://site.example/1",
                "title": "The Keyboard Nobody Asked For",
                "content_html": f"<p>{text}</p>",
            }
        ],
    }
    (tmp_path / "site.json").write_text(json.dumps(doc))
    other = tmp_path / "other.rss"
    other.write_text(
        _rss(
            "Other",
            "https://other.example/",
            [("Keyboard", "https://other.example/k", "k", f"<p>{text}</p>")],
        )
    )
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(atom), str(tmp_path / "site.json"), str(other)])
    # The same title and text: one entry; another title over the same words: its own.
    assert sorted(len(m) for m in _clusters(config).values()) == [1, 1]


def test_shared_guids_with_different_posts_are_kept_apart() -> None:
    articles = [
        Article("s", "same", "https://s.example/a", "First"),
        Article("s", "same", "https://s.example/b", "Second"),
        Article("s", "dup", "https://s.example/c", "Third"),
        Article("s", "dup", "https://s.example/c", "Third"),
    ]
    marked = identity_keys(articles, ["https://s.example/"])
    assert len({a.guid for a in marked[:2]}) == 2 and not marked[0].guid_is_id
    assert marked[2].guid == marked[3].guid == "dup"


def test_untitled_posts_sharing_a_guid_and_link_are_told_apart_by_date(tmp_path: Path) -> None:
    """Scripting News gave two posts of one day the same GUID and link, and no title.

    As one entry, each run stored the first, then "updated" it with the
    second, and the next run turned it back: the feed changed every run.
    """
    link = "http://scripting.com/2017/06/25.html#a080631"
    items = "".join(
        f"<item><description>{escape(body)}</description><pubDate>{date}</pubDate>"
        f"<link>{link}</link><guid>{link}</guid></item>"
        for body, date in (
            ("Good morning Internet guzzlers!", "Sun, 25 Jun 2017 12:27:31 GMT"),
            (
                "In 2015 I wrote that Dropbox could be the king of the one-page app. " * 3,
                "Sun, 25 Jun 2017 12:32:31 GMT",
            ),
            ("A third post, with a link of its own.", "Sun, 25 Jun 2017 12:40:00 GMT"),
        )
    )
    feed = tmp_path / "scripting.rss"
    feed.write_text(
        f"<rss version='2.0'><channel><title>Scripting News</title><link>http://scripting.com/</link>"
        f"{items}</channel></rss>",
        encoding="utf-8",
    )
    config = _config(tmp_path)
    (first,) = pipeline.ingest_inputs(config, [str(feed)]).results
    assert (first.new, first.updated) == (3, 0)
    (again,) = pipeline.ingest_inputs(config, [str(feed)]).results
    assert (again.new, again.updated, again.duplicates) == (0, 0, 0)


def test_the_same_source_rule_in_plain_values() -> None:
    url = dedup.Match("c", "url", 1.0, 1)
    near = dedup.Match("c", "jaccard", 0.67, 1)
    contained = dedup.Match("c", "containment", 0.99, 1)
    same = {"same_source": True, "short": False, "titles_match": False}
    assert dedup.admissible(url, titles_related=False, **same)
    assert dedup.admissible(near, titles_related=True, **same)
    assert dedup.admissible(contained, titles_related=True, **same)
    assert not dedup.admissible(near, titles_related=False, **same)
    assert not dedup.admissible(contained, titles_related=False, **same)
    assert dedup.related_titles("UPDATE – 11 SEO Strategies", "11 SEO strategies")
    assert dedup.related_titles("Harbour story", "Harbour story in full")
    assert not dedup.related_titles("Polypolyhedra in Origami", "Polypolyhedra in Dowels")
    assert not dedup.related_titles("9.0-rc1 tagged", "9.0-rc2 tagged")
    assert not dedup.related_titles("Unit Testing in C#", "Unit Testing in F#")
    across = {"same_source": False, "titles_match": False}
    assert dedup.admissible(contained, short=False, **across)
    exact = dedup.Match("c", "content-hash", 1.0, 1)
    assert not dedup.admissible(exact, short=True, **across)
    titled = {"same_source": False, "titles_match": True, "short": True}
    assert dedup.admissible(exact, headline=True, **titled)
    assert not dedup.admissible(exact, headline=False, **titled)
    assert dedup.has_headline("Four Things in Those Two Sentences", "Kara Swisher wrote this.")
    assert not dedup.has_headline("Corrections", "Corrections and clarifications for the week.")
    assert not dedup.has_headline("Weather for the weekend", "Weather for the weekend: sunny.")

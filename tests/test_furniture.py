from pathlib import Path

from conftest import FeedServer, Route, html_body, prose, rss
from jjfeed import pipeline
from jjfeed.clean import clean_html
from jjfeed.clean.furniture import (
    block_fingerprints,
    drop_furniture,
    fingerprint,
    furniture_of,
    is_furniture,
)
from jjfeed.config import Config
from jjfeed.model import Source
from jjfeed.store import Store

PROMPT = "Support independent local journalism: become a member today."
BACKGROUND = " ".join(
    prose(99, 60).split()
)  # a long paragraph, repeated like a running story's background


def test_fingerprint_ignores_case_and_punctuation() -> None:
    assert fingerprint("Read MORE!") == fingerprint("read more")
    assert fingerprint("read more") != fingerprint("read less")
    assert fingerprint(" ... ") is None


def test_verdict_needs_more_evidence_for_long_prose() -> None:
    assert not is_furniture(2, 5)
    assert is_furniture(3, 5)
    assert not is_furniture(5, 60)
    assert is_furniture(12, 60)
    assert furniture_of({"a": (3, 5), "b": (1, 5)}) == frozenset({"a"})


def test_drop_furniture_removes_text_and_html_blocks() -> None:
    cleaned = clean_html(
        f"<p>The story itself, told in full.</p><p>{PROMPT}</p><ul><li>{PROMPT}</li></ul>"
    )
    assert len(block_fingerprints(cleaned)) == 2
    dropped = drop_furniture(cleaned, frozenset({fingerprint(PROMPT) or ""}))
    assert dropped.text == "The story itself, told in full."
    assert PROMPT not in dropped.html and "<ul>" not in dropped.html


def test_an_article_of_nothing_but_furniture_is_left_alone() -> None:
    cleaned = clean_html(f"<p>{PROMPT}</p>")
    assert drop_furniture(cleaned, frozenset({fingerprint(PROMPT) or ""})) == cleaned


def _feed(n: int, start: int = 0) -> bytes:
    items = [
        {
            "title": f"Story {i}",
            "link": f"https://site.example/{i}",
            "guid": f"https://site.example/?p={i}",
            "body": html_body(prose(200 + i, 200)) + f"<p>{PROMPT}</p><p>{BACKGROUND}</p>",
        }
        for i in range(start, start + n)
    ]
    return rss("Site", "https://site.example/", items)


def test_source_furniture_is_learned_and_removed(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/feed"] = Route(_feed(4))
    config = Config(
        sources=(Source("Site", url=feed_server.url("/feed")),),
        database=tmp_path / "j.db",
        output=tmp_path / "out",
    )
    pipeline.run(config)
    texts = [str(r["text"]) for r in pipeline.export(config)]
    assert len(texts) == 4
    assert all(PROMPT not in t for t in texts)  # short block in 4 articles: furniture
    assert all(BACKGROUND in t for t in texts)  # long prose in 4 articles: kept
    with Store(config.database) as store:
        rows = store.furniture_rows("Site", [fingerprint(PROMPT) or ""])
    assert {fp: row[:2] for fp, row in rows.items()} == {
        fingerprint(PROMPT): (4, 8)
    }  # 4 articles, 8 words

    # A rerun of the same articles counts nothing twice.
    pipeline.run(config)
    with Store(config.database) as store:
        rows = store.furniture_rows("Site", [fingerprint(PROMPT) or ""])
        assert rows[fingerprint(PROMPT) or ""][0] == 4

    # A later single new article has its furniture removed from what earlier runs learned.
    feed_server.routes["/feed"] = Route(_feed(1, start=10))
    pipeline.run(config)
    new = next(r for r in pipeline.export(config) if r["title"] == "Story 10")
    assert PROMPT not in str(new["text"])


def _run_site(tmp_path: Path, feed_server: FeedServer, items: list[dict[str, str]]) -> list[str]:
    """One run over a feed of ``items`` from one source; the stored articles' texts."""
    feed_server.routes["/feed"] = Route(rss("Site", "https://site.example/", items))
    config = Config(
        sources=(Source("Site", url=feed_server.url("/feed")),),
        database=tmp_path / "j.db",
        output=tmp_path / "out",
    )
    pipeline.run(config)
    with Store(config.database) as store:
        return [s.article.text for s in store.articles()]


def test_copies_of_one_article_do_not_make_its_paragraphs_furniture(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """An original and its updated copies share most paragraphs: one article's worth of
    evidence, so its short paragraphs stay in every copy while real furniture still goes."""
    story = prose(300, 240).split("\n\n")
    short = "Officials said the inquiry would report by the spring."
    items = []
    for i in range(5):
        paragraphs = [*story[:-1], short, f"Update {i}: {prose(400 + i, 30)}"]
        items.append(
            {
                "title": f"Inquiry opens (version {i})",
                "link": f"https://site.example/inquiry-{i}",
                "guid": f"https://site.example/?p=inquiry-{i}",
                "body": html_body("\n\n".join(paragraphs)) + f"<p>{PROMPT}</p>",
            }
        )
    items += [
        {
            "title": f"Story {i}",
            "link": f"https://site.example/{i}",
            "guid": f"https://site.example/?p={i}",
            "body": html_body(prose(200 + i, 200)) + f"<p>{PROMPT}</p>",
        }
        for i in range(3)
    ]
    texts = _run_site(tmp_path, feed_server, items)
    assert len(texts) == 8
    copies = [t for t in texts if "Officials said the inquiry" in t]
    assert len(copies) == 5  # the short paragraph is kept in every copy
    assert all(PROMPT not in t for t in texts)  # in four distinct articles: furniture


def test_short_summaries_still_teach_the_footer_that_outweighs_them(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Summaries of 20 words under a 30-word footer share most of their words, but
    no paragraph: each is a new article, and the footer is learned."""
    footer = (
        "Our reporters cover the harbour district every weekday morning and evening; "
        "send tips and photographs to the newsroom desk any time of day"
    )
    items = [
        {
            "title": f"Brief {i}",
            "link": f"https://site.example/brief-{i}",
            "guid": f"https://site.example/?p=brief-{i}",
            "body": html_body(" ".join(prose(500 + i, 20).split())) + f"<p>{footer}</p>",
        }
        for i in range(5)
    ]
    texts = _run_site(tmp_path, feed_server, items)
    with Store(tmp_path / "j.db") as store:
        rows = store.furniture_rows("Site", [fingerprint(footer) or ""])
    assert rows[fingerprint(footer) or ""][0] == 5
    assert len(texts) == 5 and all(footer not in t for t in texts)


def test_verdict_is_by_share_of_the_articles_since_the_block_appeared() -> None:
    counts = {"footer": (20, 6), "link": (3, 7), "new-appeal": (4, 6)}
    since = {"footer": 0, "link": 0, "new-appeal": 96}  # the appeal came with article 97
    # The footer in 20 of 100 articles is no share; the appeal is in all 4 since it came.
    assert furniture_of(counts, since, total=100) == frozenset({"new-appeal"})
    # In every article since it appeared: furniture; in 3 of 100: a link the posts share.
    assert is_furniture(4, 6, share=1.0) and not is_furniture(3, 7, share=0.03)


LINK = "The Case for a True Mac Pro Successor"  # ATP: show notes of 3 of 100 episodes
APPEAL = "Become a member to support the show and get an ad-free feed."


def test_a_link_three_posts_share_stays_an_appeal_they_all_end_with_goes(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    items = [
        {
            "title": f"Episode {i}",
            "link": f"https://site.example/{i}",
            "guid": f"https://site.example/?p={i}",
            "body": html_body(prose(300 + i, 120))
            + (f"<p>{LINK}</p>" if i < 3 else "")
            + f"<p>{APPEAL}</p>",
        }
        for i in range(20)
    ]
    texts = _run_site(tmp_path, feed_server, items)
    assert len(texts) == 20
    assert all(APPEAL not in t for t in texts)  # a first fetch learns it at once
    assert sum(LINK in t for t in texts) == 3  # 3 of 20 is no share: the links stay


def test_a_footer_a_source_starts_using_is_learned_from_its_share_since_then(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    def item(i: int, footer: bool) -> dict[str, str]:
        body = html_body(prose(400 + i, 120)) + (f"<p>{APPEAL}</p>" if footer else "")
        return {
            "title": f"Post {i}",
            "link": f"https://site.example/{i}",
            "guid": f"https://site.example/?p={i}",
            "body": body,
        }

    _run_site(tmp_path, feed_server, [item(i, False) for i in range(12)])
    texts = _run_site(tmp_path, feed_server, [item(i, True) for i in range(12, 16)])
    assert len(texts) == 16 and all(APPEAL not in t for t in texts)

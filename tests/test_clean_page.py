"""clean_page on whole pages: trafilatura finds the article, our rules finish it.

The pages here are long enough for trafilatura to take its normal path (short
toy pages drop to our own finder; test_clean_html.py covers those).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from jjfeed.clean import clean_page
from jjfeed.clean.page import distinct_words, parse_page, reconcile_dates
from jjfeed.clean.pagemeta import read_page_meta, tidy_author
from jjfeed.model import Cleaned

PARAGRAPHS = [
    "The city council voted on Tuesday to turn the old tram depot on Harbour Street into "
    "a covered market, ending a dispute that has run for almost a decade.",
    "Supporters say the market will bring back the Saturday crowds that left the "
    "waterfront when the depot closed, and that the building's iron roof is worth saving.",
    "Opponents, led by the residents' association, argued that the money would be better "
    "spent on the bus routes that replaced the trams, several of which now run half empty.",
    "The council's own survey found that two thirds of the people asked would visit a "
    "market at least once a month, and that most of them would walk or cycle there.",
    "Work on the roof is due to start in the spring, and the first stalls should open "
    "before the end of next year if the builders keep to the schedule they have promised.",
]

REAL_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Tram depot to become a market | Harbour Gazette</title>
<meta property="og:site_name" content="Harbour Gazette">
<meta property="og:title" content="Tram depot to become a market">
<meta name="author" content="Ruth Okafor">
<meta property="article:published_time" content="2024-04-09T08:30:00Z">
<meta property="article:section" content="Local">
</head><body>
<div id="cookie-consent" class="cookie-banner"><p>We use cookies to improve your
experience. By continuing you accept our cookie policy.</p><button>Accept</button></div>
<header class="site-header"><a href="/">Harbour Gazette</a>
<nav><ul><li><a href="/local">Local</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/opinion">Opinion</a></li></ul></nav></header>
<main><article>
<h1>Tram depot to become a market</h1>
<p class="byline">By Ruth Okafor</p>
<p>{PARAGRAPHS[0]}</p>
<p>{PARAGRAPHS[1]}</p>
<div class="share-buttons"><a href="#">Share on Facebook</a><a href="#">Tweet</a></div>
<h2>A long dispute</h2>
<p>{PARAGRAPHS[2]}</p>
<blockquote><p>{PARAGRAPHS[3]}</p></blockquote>
<p>{PARAGRAPHS[4]}</p>
<p>Share this article</p>
<p>Let us know what you think in the comments!</p>
</article>
<aside class="related"><h3>Related stories</h3><ul>
<li><a href="/a">Bus routes cut again as passenger numbers fall across the region</a></li>
<li><a href="/b">Harbour Street traders call for more parking spaces near the front</a></li>
</ul></aside></main>
<footer><p>Copyright 2024 Harbour Gazette. All rights reserved.</p>
<a href="/privacy">Privacy Policy</a></footer>
</body></html>"""


def _blocks(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if block]


def test_real_page_gives_the_article() -> None:
    cleaned = clean_page(REAL_PAGE, "https://gazette.example/local/tram-depot")
    blocks = _blocks(cleaned.text)
    for paragraph in PARAGRAPHS:
        assert paragraph in blocks
    assert "A long dispute" in blocks
    assert blocks.index(PARAGRAPHS[0]) < blocks.index("A long dispute")
    assert blocks.index("A long dispute") < blocks.index(PARAGRAPHS[4])
    for furniture in (
        "cookie",
        "Sport",
        "Share",
        "Tweet",
        "comments",
        "Related",
        "Bus routes cut",
        "Copyright",
        "Privacy",
        "By Ruth Okafor",
    ):
        assert furniture not in cleaned.text, furniture
    assert cleaned.title == "Tram depot to become a market"
    assert cleaned.author == "Ruth Okafor"
    assert cleaned.published is not None and cleaned.published.date().isoformat() == "2024-04-09"
    assert cleaned.section == "Local"
    assert "<script" not in cleaned.html


def test_huge_page_returns() -> None:
    """Ten megabytes of markup are capped before parsing, not fed to the parser whole."""
    filler = "<div class='row'><p>Filler text for a very long listing page.</p></div>\n"
    page = (
        "<html><head><title>Huge</title></head><body><article>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article>"
        + filler * (10_000_000 // len(filler))
        + "</body></html>"
    )
    assert len(page) >= 10_000_000
    start = time.perf_counter()
    cleaned = clean_page(page)
    assert isinstance(cleaned, Cleaned)
    # Not a timing assertion, just a record when the test is run with -s.
    print(f"10 MB page: {time.perf_counter() - start:.2f} s")


def test_huge_script_is_dropped_before_cutting() -> None:
    """A page made big by inline scripts keeps its article."""
    script = "<script>var data = '" + "x" * 9_000_000 + "';</script>"
    page = (
        f"<html><head><title>Scripted</title>{script}</head><body><article>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article></body></html>"
    )
    cleaned = clean_page(page)
    assert PARAGRAPHS[0] in cleaned.text


@pytest.mark.parametrize(
    "page",
    [
        "",
        "   \n  ",
        "<html><body><div><p>Unclosed <b>bold <i>and italic<p>Another<table><tr><td>cell",
        "<p>just a fragment</p>",
        "<<<>>> </div></div></body> <html",
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>Declared</p></body></html>',
        "\x00\x01\x02binary\xff\xfe garbage \x1b[0m" * 200,
        bytes(range(256)).decode("latin-1") * 50,
        "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>",
    ],
)
def test_bad_input_gives_a_cleaned(page: str) -> None:
    cleaned = clean_page(page)
    assert isinstance(cleaned, Cleaned)
    assert isinstance(cleaned.text, str)


def test_cjk_page() -> None:
    body = "".join(
        f"<p>{sentence}</p>"
        for sentence in (
            "市议会周二投票决定将港口街的旧电车车库改建为室内市场，结束了近十年的争论。",
            "支持者表示，市场将把周六的人流带回海滨，而且这座建筑的铁制屋顶值得保留。",
            "反对者认为，这笔钱最好用于取代电车的公交线路，其中几条线路现在半空运行。",
            "屋顶工程预计将于春季开始，如果施工方按计划进行，第一批摊位将在明年年底前开放。",
        )
    )
    page = (
        f"<html><head><title>电车车库</title></head><body><article>{body}</article></body></html>"
    )
    cleaned = clean_page(page)
    assert "市议会周二投票" in cleaned.text


def test_rtl_page() -> None:
    body = "".join(
        f"<p>{sentence}</p>"
        for sentence in (
            "صوّت مجلس المدينة يوم الثلاثاء على تحويل مستودع الترام القديم إلى سوق مغطاة.",
            "يقول المؤيدون إن السوق ستعيد حشود يوم السبت إلى الواجهة البحرية.",
            "وجادل المعارضون بأن المال من الأفضل إنفاقه على خطوط الحافلات.",
            "ومن المقرر أن يبدأ العمل على السقف في الربيع المقبل حسب الجدول.",
        )
    )
    page = (
        '<html dir="rtl" lang="ar"><head><title>سوق</title></head>'
        f"<body><article>{body}</article></body></html>"
    )
    cleaned = clean_page(page)
    assert "صوّت مجلس المدينة" in cleaned.text


def test_json_ld_author_beats_a_site_name_in_meta() -> None:
    ld = (
        '{"@context": "https://schema.org", "@graph": [{"@type": "NewsArticle", '
        '"headline": "A Story", "author": [{"@id": "#p1"}, {"@type": "Person", "name": "Bo Li"}], '
        '"datePublished": "2024-03-05T10:00:00Z"}, {"@id": "#p1", "@type": "Person", '
        '"name": "Ann Roe"}]}'
    )
    body = "".join(
        f"<p>Paragraph {i} of the story, long enough to be real prose here.</p>" for i in range(8)
    )
    page = (
        f'<html><head><meta name="author" content="Example Site">'
        f'<script type="application/ld+json">{ld}</script></head>'
        f"<body><article><h1>A Story</h1>{body}</article></body></html>"
    )
    cleaned = clean_page(page, "https://example.com/a")
    assert cleaned.author == "Ann Roe and Bo Li"
    assert cleaned.published is not None and cleaned.published.day == 5


def test_published_date_keeps_the_pages_own_offset() -> None:
    """A story published at 20:04 in New York on the 18th is dated the 18th, not the
    19th it already was in UTC."""
    page = REAL_PAGE.replace("2024-04-09T08:30:00Z", "2025-12-18T20:04:00-05:00")
    cleaned = clean_page(page, "https://example.com/a")
    assert cleaned.published is not None
    assert cleaned.published.date().isoformat() == "2025-12-18"
    assert cleaned.published.isoformat() == "2025-12-18T20:04:00-05:00"


def test_the_headline_over_the_article_is_its_title_and_not_its_text() -> None:
    """og:title is often a variant for search engines; the <h1> above the article is
    what a reader sees, so it is the title, and it is not repeated in the body."""
    headline = "Harbour Street's old tram depot will become a covered market"
    page = REAL_PAGE.replace("<h1>Tram depot to become a market</h1>", f"<h1>{headline}</h1>")
    cleaned = clean_page(page, "https://gazette.example/local/tram-depot")
    assert cleaned.title == headline
    assert headline not in cleaned.text
    assert _blocks(cleaned.text)[0] == PARAGRAPHS[0]


def test_a_short_label_over_the_article_leaves_the_declared_title() -> None:
    page = REAL_PAGE.replace("<h1>Tram depot to become a market</h1>", "<h1>Local news</h1>")
    cleaned = clean_page(page, "https://gazette.example/local/tram-depot")
    assert cleaned.title == "Tram depot to become a market"
    assert "Local news" not in cleaned.text


def test_repeated_blocks_count_once_when_weighing_the_finder() -> None:
    slide = "Universal Appeal\n\nIncreasing attendance at a space museum in a small town."
    assert distinct_words(f"{slide}\n\n{slide}\n\n{slide}") == distinct_words(slide) == 12


def test_declared_date_kept_unless_htmldate_reads_another_day() -> None:
    declared = datetime(2025, 12, 19, 1, 30, tzinfo=UTC)
    same_day_elsewhere = datetime(2025, 12, 18, tzinfo=UTC)
    other_day = datetime(2023, 4, 26, tzinfo=UTC)
    assert reconcile_dates(declared, same_day_elsewhere) == declared
    assert reconcile_dates(declared, other_day) == other_day
    assert reconcile_dates(declared, None) == declared
    assert reconcile_dates(None, other_day) == other_day
    assert reconcile_dates(None, None) is None


@pytest.mark.parametrize(
    ("declared", "name"),
    [
        ("Maria &amp; Katerina", "Maria & Katerina"),  # an entity left in JSON-LD
        ('"David Kim"', "David Kim"),
        ("By Jane Doe", "Jane Doe"),
        ("Roy, Aniruddha", "Aniruddha Roy"),
        (", USA TODAY", None),  # no name before the outlet: nobody
        ("https://example.com/author/jane", None),
        ("admin", None),
        ("  ", None),
    ],
)
def test_declared_authors_are_tidied(declared: str, name: str | None) -> None:
    assert tidy_author(declared) == name


def test_an_empty_declared_author_lets_the_byline_mark_speak() -> None:
    page = REAL_PAGE.replace(
        '<meta name="author" content="Ruth Okafor">', '<meta name="author" content=", Gazette">'
    )
    cleaned = clean_page(page, "https://gazette.example/local/tram-depot")
    assert cleaned.author == "Ruth Okafor"


@pytest.mark.parametrize(
    ("declared", "url", "title"),
    [
        (
            "Best EVs of 2026 - Car Talk",
            "https://www.cartalk.com/cars/best-evs",
            "Best EVs of 2026",
        ),
        (
            "Graphic design careers | ASU Online",
            "https://asuonline.asu.edu/x",
            "Graphic design careers",
        ),
        (
            "Spider-Man - Far From Home",
            "https://www.marvel.com/movies/x",
            "Spider-Man - Far From Home",
        ),
        ("Best EVs of 2026 - Car Talk", None, "Best EVs of 2026 - Car Talk"),
    ],
)
def test_a_title_loses_a_suffix_naming_the_host(declared: str, url: str | None, title: str) -> None:
    page = REAL_PAGE.replace(
        '<meta property="og:title" content="Tram depot to become a market">',
        f'<meta property="og:title" content="{declared}">',
    ).replace('<meta property="og:site_name" content="Harbour Gazette">', "")
    page = page.replace("<h1>Tram depot to become a market</h1>", "")
    assert read_page_meta(parse_page(page), url).title == title  # type: ignore[arg-type]


def test_a_malformed_url_is_no_reason_to_fail() -> None:
    cleaned = clean_page(REAL_PAGE, "http://[not-an-ipv6/tram-depot")
    assert cleaned.title == "Tram depot to become a market"
    assert PARAGRAPHS[0] in cleaned.text

"""clean_html (feed fragments) and clean_page (whole pages)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jjfeed.clean import clean_html, clean_page
from jjfeed.clean.output import html_to_text
from jjfeed.clean.page import trim_second_opinion
from jjfeed.model import Cleaned

BASE = "https://example.com/news/2024/story.html"
PARA = "<p>The first paragraph of the story is long enough to be real prose.</p>"
PARA_TEXT = "The first paragraph of the story is long enough to be real prose."


def _blocks(text: str) -> list[str]:
    return text.split("\n\n") if text else []


# --- widgets and furniture ----------------------------------------------------


@pytest.mark.parametrize(
    "widget",
    [
        '<div class="share-buttons"><a href="https://facebook.com/sharer">Facebook</a> <a href="#">Tweet</a></div>',
        '<div class="newsletter-signup"><p>Get the best stories every morning.</p></div>',
        '<section class="related-posts"><h3>More like this</h3><ul><li><a href="/a">Other story</a></li></ul></section>',
        '<div class="author-bio"><p>Jane Doe writes about television.</p></div>',
        '<div id="social-links"><a href="https://twitter.com/x">Follow</a></div>',
        "<aside><p>Sidebar teaser text that is not the article.</p></aside>",
        '<nav><a href="/">Home</a></nav>',
        "<footer><p>Copyright 2024 Example</p></footer>",
        "<p>Share this article</p>",
        "<p>Let us know in the comments!</p>",
        '<p>The post <a href="https://example.com/x">Jessica Jones returns</a> appeared first on '
        '<a href="https://example.com">Example</a>.</p>',
    ],
)
def test_widgets_removed(widget: str) -> None:
    cleaned = clean_html(PARA + widget)
    assert _blocks(cleaned.text) == [PARA_TEXT]
    assert cleaned.html == PARA


def test_shared_content_class_is_not_a_share_widget() -> None:
    """Hints match whole words of class names: "shared-content" is not "share"."""
    cleaned = clean_html(f'<div class="shared-content">{PARA}</div>')
    assert _blocks(cleaned.text) == [PARA_TEXT]


def test_paragraph_mentioning_comments_kept() -> None:
    line = "However, comments from Mike Colter suggest the two do not hold a grudge."
    cleaned = clean_html(f"{PARA}<p>{line}</p>")
    assert _blocks(cleaned.text) == [PARA_TEXT, line]


# --- images, captions, pixels ---------------------------------------------------


def test_figcaption_and_alt_text_not_in_text() -> None:
    fragment = (
        PARA + '<figure><img src="/img/still.jpg" alt="jessica jones season 2 hogarth trish">'
        "<figcaption>Jessica Jones season 2. Photo via Netflix</figcaption></figure>"
    )
    cleaned = clean_html(fragment, BASE)
    assert _blocks(cleaned.text) == [PARA_TEXT]
    assert "Netflix" not in cleaned.html
    assert 'src="https://example.com/img/still.jpg"' in cleaned.html


def test_a_credit_marked_in_a_figure_goes_with_no_words_to_tell_it() -> None:
    # Macworld's feed: the picture's credit is one word, "IDG", marked by its class alone.
    fragment = (
        PARA + '<figure class="medium right"><img src="/img/camp.jpg" alt="" width="300">'
        ' <small class="credit">IDG</small></figure>'
        '<p><img src="/img/b.jpg" alt=""><span class="photo-credit">Jane Doe</span></p>'
    )
    cleaned = clean_html(fragment, BASE)
    assert _blocks(cleaned.text) == [PARA_TEXT]
    assert "IDG" not in cleaned.html and "Jane Doe" not in cleaned.html
    assert 'src="https://example.com/img/camp.jpg"' in cleaned.html


def test_a_credit_container_holding_the_picture_keeps_the_picture() -> None:
    # WordPress's Media Credit plugin wraps the picture and its credit in one "media-credit-container".
    fragment = (
        PARA + '<div class="media-credit-container"><img src="/img/a.jpg" alt="">'
        '<span class="media-credit">Jane Doe</span></div>'
    )
    cleaned = clean_html(fragment, BASE)
    assert _blocks(cleaned.text) == [PARA_TEXT]
    assert 'src="https://example.com/img/a.jpg"' in cleaned.html


def test_a_credits_class_outside_a_figure_is_not_a_pictures() -> None:
    line = "Directed by Jane Doe, written by John Roe, music by Ann Poe."
    cleaned = clean_html(f'{PARA}<p class="credits">{line}</p>', BASE)
    assert _blocks(cleaned.text) == [PARA_TEXT, line]


def test_credit_paragraph_removed() -> None:
    cleaned = clean_html(PARA + "<p>Marvel Entertainment/YouTube</p><p>(Photo Credit - EW)</p>")
    assert _blocks(cleaned.text) == [PARA_TEXT]


def test_tracking_pixel_removed() -> None:
    fragment = (
        PARA + '<img src="https://feeds.example.com/~r/x/~4/abc" width="1" height="1" alt="">'
    )
    fragment += '<img src="https://stats.example.com/p.gif" style="width:1px;height:1px">'
    cleaned = clean_html(fragment)
    assert "<img" not in cleaned.html
    assert cleaned.html == PARA


# --- safety -----------------------------------------------------------------------


def test_scripts_handlers_and_bad_urls_removed() -> None:
    fragment = (
        "<script>alert('x')</script><style>p{color:red}</style>"
        '<p onclick="steal()">Click <a href="javascript:alert(1)">here</a> or '
        '<a href=" JaVaScRiPt:alert(2)">there</a> or <a href="vbscript:msgbox">this</a> or '
        '<a href="data:text/html;base64,PHNjcmlwdD4=">that</a>.</p>'
        '<iframe src="https://evil.example.com"></iframe>'
        '<form action="/x"><input name="q"><button>Go</button></form>'
        '<img src="data:image/gif;base64,R0lGOD" alt="x">'
    )
    cleaned = clean_html(fragment, BASE)
    html = cleaned.html.lower()
    for banned in (
        "<script",
        "<style",
        "onclick",
        "javascript:",
        "vbscript:",
        "data:",
        "<iframe",
        "<form",
        "<input",
    ):
        assert banned not in html, banned
    assert _blocks(cleaned.text) == ["Click here or there or this or that."]


def test_relative_links_made_absolute() -> None:
    fragment = (
        '<p>See <a href="../2023/older.html">the older story</a> and <a href="/about">us</a>.</p>'
    )
    cleaned = clean_html(fragment, BASE)
    assert 'href="https://example.com/news/2023/older.html"' in cleaned.html
    assert 'href="https://example.com/about"' in cleaned.html


def test_relative_links_untouched_without_base() -> None:
    cleaned = clean_html('<p>See <a href="/about">us</a>.</p>')
    assert 'href="/about"' in cleaned.html


# --- structure ----------------------------------------------------------------------


def test_headings_and_lists_preserved_in_order() -> None:
    fragment = (
        "<h1>Big heading</h1><p>Intro paragraph.</p><h3>The cast</h3>"
        "<ul><li>Krysten Ritter</li><li>Rachael Taylor</li></ul>"
        "<h6>Small heading</h6><ol><li>First</li><li>Second</li></ol>"
        "<blockquote><p>A quote from the showrunner.</p></blockquote>"
    )
    cleaned = clean_html(fragment)
    assert _blocks(cleaned.text) == [
        "Big heading",
        "Intro paragraph.",
        "The cast",
        "Krysten Ritter",
        "Rachael Taylor",
        "Small heading",
        "First",
        "Second",
        "A quote from the showrunner.",
    ]
    assert cleaned.html == (
        "<h2>Big heading</h2><p>Intro paragraph.</p><h3>The cast</h3>"
        "<ul><li>Krysten Ritter</li><li>Rachael Taylor</li></ul>"
        "<h4>Small heading</h4><ol><li>First</li><li>Second</li></ol>"
        "<blockquote><p>A quote from the showrunner.</p></blockquote>"
    )


def test_inline_formatting_kept() -> None:
    cleaned = clean_html("<p>Some <em>emphasis</em> and <strong>strength</strong>.</p>")
    assert cleaned.html == "<p>Some <em>emphasis</em> and <strong>strength</strong>.</p>"


def test_loose_text_and_double_breaks_become_paragraphs() -> None:
    cleaned = clean_html("First paragraph.<br><br>Second <b>paragraph</b>.<br>Same paragraph.")
    assert _blocks(cleaned.text) == ["First paragraph.", "Second paragraph.\nSame paragraph."]
    assert cleaned.html.count("<p>") == 2


def test_empty_elements_dropped() -> None:
    cleaned = clean_html(f"<p></p><div><span> </span></div>{PARA}<p>&nbsp;</p>")
    assert cleaned.html == PARA


def test_empty_fragment() -> None:
    cleaned = clean_html("")
    assert (cleaned.text, cleaned.html) == ("", "")


# --- metadata in fragments -------------------------------------------------------------


def test_fragment_byline_and_time() -> None:
    fragment = (
        '<p>By Jane Doe</p><p><time datetime="2024-03-05T10:00:00-05:00">March 5</time></p>' + PARA
    )
    cleaned = clean_html(fragment)
    assert cleaned.author == "Jane Doe"
    assert cleaned.published == datetime(2024, 3, 5, 15, 0, tzinfo=UTC)
    assert "Jane Doe" not in cleaned.text


def test_rel_tag_links_become_tags() -> None:
    fragment = (
        PARA
        + '<p class="post-tags"><a rel="tag" href="/t/tv">TV</a> <a rel="tag" href="/t/marvel">Marvel</a></p>'
    )
    cleaned = clean_html(fragment)
    assert cleaned.tags == ("TV", "Marvel")
    assert _blocks(cleaned.text) == [PARA_TEXT]


# --- whole pages ---------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head>
<title>Jessica Jones Returns | Example Times</title>
<meta property="og:site_name" content="Example Times">
<meta property="og:title" content="Jessica Jones Returns | Example Times">
<meta property="article:section" content="Television">
<meta property="article:tag" content="Marvel">
<meta property="article:tag" content="Netflix">
<script>var tracking = true;</script>
</head>
<body>
<div class="cookie-banner"><p>We use cookies to give you the best experience. Accept all cookies?</p>
<button>OK</button></div>
<header class="site-header"><a href="/">Example Times</a>
<nav><ul><li><a href="/tv">TV</a></li><li><a href="/film">Film</a></li></ul></nav></header>
<main>
<article>
<header>
<h1>Jessica Jones Returns</h1>
<p class="byline">By <a rel="author" href="/staff/jane">Jane Doe</a></p>
<time datetime="2018-03-08T09:00:00-05:00">March 8, 2018</time>
</header>
<p>Jessica Jones is back for a second season, and she is angrier than ever.</p>
<figure><img src="/img/jj.jpg" alt="jessica jones season 2"><figcaption>Photo via Netflix</figcaption></figure>
<h2>What to expect</h2>
<p>The showrunner promised a more personal story, with <a href="/tv/defenders">The Defenders</a> in the past.</p>
<div class="share-tools"><a href="https://twitter.com/intent/tweet">Tweet</a><a href="#">Share</a></div>
<p>Let us know in the comments!</p>
</article>
<aside class="related"><h3>Related</h3><p>Luke Cage is cancelled, and other news from the week.</p></aside>
</main>
<footer><p>Copyright 2024 Example Times. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>
"""


def test_page_main_content_and_meta() -> None:
    cleaned = clean_page(PAGE, "https://example.com/tv/jessica-jones-returns")
    assert _blocks(cleaned.text) == [
        "Jessica Jones is back for a second season, and she is angrier than ever.",
        "What to expect",
        "The showrunner promised a more personal story, with The Defenders in the past.",
    ]
    assert cleaned.title == "Jessica Jones Returns"
    assert cleaned.author == "Jane Doe"
    assert cleaned.published == datetime(2018, 3, 8, 14, 0, tzinfo=UTC)
    assert cleaned.section == "Television"
    assert cleaned.tags == ("Marvel", "Netflix")
    assert 'href="https://example.com/tv/defenders"' in cleaned.html
    assert 'src="https://example.com/img/jj.jpg"' in cleaned.html
    for furniture in (
        "cookies",
        "Copyright",
        "Luke Cage",
        "Tweet",
        "Example Times",
        "comments",
        "<h1",
        "<script",
    ):
        assert furniture not in cleaned.html, furniture
        assert furniture not in cleaned.text, furniture


def test_page_meta_dates_win_over_time_element() -> None:
    page = PAGE.replace(
        "<script>",
        '<meta property="article:published_time" content="2018-03-07T12:00:00Z">'
        '<meta property="article:modified_time" content="2018-03-09T12:00:00Z"><script>',
    )
    cleaned = clean_page(page)
    assert cleaned.published == datetime(2018, 3, 7, 12, 0, tzinfo=UTC)
    assert cleaned.updated == datetime(2018, 3, 9, 12, 0, tzinfo=UTC)


def test_page_without_markers_uses_densest_container() -> None:
    prose = " ".join(["The article body goes on at length about the new season."] * 4)
    more = " ".join(["A second part of the body looks back at the first season."] * 4)
    page = (
        "<html><head><title>Plain Page</title></head><body>"
        '<div id="menu"><p>Home</p><p>About</p></div>'
        f'<div id="content"><h1>Plain Page</h1><div class="part"><p>{prose}</p></div>'
        f'<div class="part"><p>{more}</p><p>Short closing line.</p></div></div>'
        '<div id="bottom"><p>Contact us</p></div>'
        "</body></html>"
    )
    cleaned = clean_page(page)
    assert cleaned.title == "Plain Page"
    assert _blocks(cleaned.text) == [prose, more, "Short closing line."]


def test_page_prefers_the_full_article_over_teasers() -> None:
    prose = " ".join(["This is the real article text, sentence after sentence."] * 6)
    page = (
        "<html><body>"
        "<article><p>A teaser for another story.</p></article>"
        f'<article class="post"><h1>The Real One</h1><p>{prose}</p></article>'
        "<article><p>Another teaser.</p></article>"
        "</body></html>"
    )
    cleaned = clean_page(page)
    assert cleaned.title == "The Real One"
    assert _blocks(cleaned.text) == [prose]


def test_page_meta_author_url_is_not_a_name() -> None:
    page = PAGE.replace(
        "<script>",
        '<meta property="article:author" content="https://facebook.com/janedoe"><script>',
    )
    assert clean_page(page).author == "Jane Doe"


def test_empty_page() -> None:
    cleaned = clean_page("")
    assert (cleaned.text, cleaned.html, cleaned.title) == ("", "", None)


def test_span_wrapping_blocks_is_a_container() -> None:
    """Some page builders put the whole body in a <span>; loose text still becomes <p>s."""
    cleaned = clean_html(
        "<span>Intro text.<br><br>More intro.<h2>Part</h2>After the heading.</span>"
    )
    assert _blocks(cleaned.text) == ["Intro text.", "More intro.", "Part", "After the heading."]
    assert cleaned.html.count("<p>") == 3


@pytest.mark.parametrize(
    "source",
    [
        PARA + '<div class="share-buttons"><a href="#">Tweet</a></div><ul><li>One</li></ul>',
        "First paragraph.<br><br>Second <b>paragraph</b>.<br>Same paragraph.",
        "<h1>Big</h1><p>By Jane Doe</p><p>Text with <a href='/x'>a link</a>.</p>",
    ],
)
def test_clean_html_idempotent(source: str) -> None:
    """Cleaning already-clean HTML changes neither the HTML nor the text."""
    first = clean_html(source, BASE)
    again = clean_html(first.html, BASE)
    assert (again.html, again.text) == (first.html, first.text)


def test_clean_page_output_is_stable_under_clean_html() -> None:
    first = clean_page(PAGE, "https://example.com/tv/jessica-jones-returns")
    again = clean_html(first.html)
    assert (again.html, again.text) == (first.html, first.text)


def test_loose_text_beside_paragraphs_in_a_layout_cell_is_judged() -> None:
    fragment = (
        f"<table><tr><td>{PARA}Posted by David at December 16, 2025 11:15 AM</td></tr></table>"
    )
    cleaned = clean_html(fragment)
    assert cleaned.text == PARA_TEXT
    assert cleaned.author == "David"
    assert cleaned.published is not None and cleaned.published.date().isoformat() == "2025-12-16"


@pytest.mark.parametrize(
    "box",
    [
        '<div class="post_author"><a href="/u/1">Oleg Parashchak</a></div>',
        '<span class="authorDateBlock_authorName__N6j3Y">Reyan Perumal</span>',
        '<div class="the-author">Author: Isaiah Shelton</div>',
        '<p class="author">Shelby Loos, DVM</p>',
    ],
)
def test_author_marked_by_class_or_id(box: str) -> None:
    cleaned = clean_html(box + PARA)
    assert cleaned.author is not None and cleaned.author in box


@pytest.mark.parametrize(
    "box",
    [
        '<div class="author-line"><span>Written By:</span>'
        '<span class="author-name"><a href="/a/c">Celeste Longacre</a></span>'
        '<span class="author-title">Gardener &amp; Astrologer</span></div>',
        '<div class="card-author"><a href="/team/m"><h2>Matt Check</h2>'
        "<div>Head Winemaker, Co-Founder</div></a></div>",
        '<div class="author-intro"><div><strong>Written By:</strong><a href="/authors/c">'
        "<div>Cazzy Magennis</div></a></div><div><strong>Last Updated:</strong>"
        "<div>August 1, 2025</div></div></div>",
    ],
)
def test_an_author_box_gives_the_name_without_the_role(box: str) -> None:
    """The name and the role sit in elements of their own: run together, the role
    ("Head Winemaker", "Last") would read as part of the name."""
    name = clean_html(box + PARA).author
    assert name in {"Celeste Longacre", "Matt Check", "Cazzy Magennis"}
    assert name is not None and name in box


def test_comment_authors_are_not_the_author() -> None:
    fragment = PARA + '<div class="comments"><span class="comment-author">Jo Bloggs</span></div>'
    assert clean_html(fragment).author is None


# --- the second opinion's leak check ---------------------------------------------


def _second_opinion_page() -> tuple[Cleaned, str]:
    """What our finder returned, and the shorter article trafilatura agreed on."""
    intro = "The council approved the new harbour wall after a long debate on Tuesday."
    later = "Work starts in May, and the wall should be finished before the winter storms."
    html = (
        "<p>Home</p><p>News</p>"
        f"<p>{intro}</p>"
        "<h2>What the wall costs</h2><ul><li>Stone: 2 million</li><li>Labour: 1 million</li></ul>"
        '<p><a href="https://example.org/shop">Buy the harbour calendar</a></p>'
        f"<p>{later}</p>"
        "<p>Find care</p><p>Contact</p>"
    )
    return Cleaned(text=html_to_text(html), html=html), intro


def test_second_opinion_keeps_lists_and_prose_beyond_trafilatura() -> None:
    ours, theirs = _second_opinion_page()
    blocks = _blocks(trim_second_opinion(ours, theirs).text)
    assert blocks[0].startswith("The council approved")
    assert "What the wall costs" in blocks and "Stone: 2 million" in blocks
    assert blocks[-1].startswith("Work starts in May")


def test_second_opinion_loses_link_lines_and_furniture_at_its_ends() -> None:
    ours, theirs = _second_opinion_page()
    trimmed = trim_second_opinion(ours, theirs)
    for furniture in ("Home", "News", "Buy the harbour calendar", "Find care", "Contact"):
        assert furniture not in _blocks(trimmed.text)
        assert furniture not in trimmed.html


def test_inline_math_stays_inside_its_sentence() -> None:
    # yakubin.atom (feeds-review): MathML's parts looked like containers and the
    # sentence came out as "When you request" / "n" / "bytes from ...".
    cleaned = clean_html(
        '<p>When you request <math display="inline"><semantics><mi>n</mi>'
        '<annotation encoding="application/x-tex">n</annotation></semantics></math> bytes '
        "from the allocator, it hands you memory from the free part of the last chunk.</p>"
        "<p>If however <math><semantics><mrow><mi>L</mi><mo>=</mo><mi>C</mi></mrow>"
        '<annotation encoding="application/x-tex">L = C</annotation></semantics></math>'
        ", there is no more space left in the buffer.</p>"
    )
    assert cleaned.text == (
        "When you request n bytes from the allocator, it hands you memory from the free "
        "part of the last chunk.\n\nIf however L=C, there is no more space left in the buffer."
    )


def test_a_table_row_of_link_buttons_goes_and_a_row_about_a_link_stays() -> None:
    # dcrainmaker.xml (feeds-review): a product table's row "Amazon Link | | Link".
    story = "The new power meters arrived this year, and prices fell across the board. " * 3
    cleaned = clean_html(
        f"<p>{story}</p><table><tr><td>Weight</td><td>35 g</td></tr>"
        '<tr><td> Amazon Link</td><td></td><td><a href="https://example.com/buy">Link</a></td></tr>'
        "<tr><td>Link to the manual</td><td>PDF, 12 pages</td></tr></table>"
    )
    assert "Amazon Link" not in cleaned.text
    assert "Weight 35 g" in cleaned.text and "Link to the manual PDF, 12 pages" in cleaned.text


def test_a_quotes_source_stays_and_a_photos_caption_goes() -> None:
    # 3960.json (feeds-review): a figure holding a blockquote names its source in
    # a figcaption; under a picture the figcaption is a caption and goes.
    story = "Die Direktive leitet eine alte Adresse auf eine neue um, ohne Umwege und Fehler. " * 2
    cleaned = clean_html(
        f"<p>{story}</p><figure><blockquote><p>mod_alias is designed to handle simple URL "
        "manipulation tasks.</p></blockquote><figcaption><cite><a href='https://httpd.apache.org/"
        "docs/current/mod/mod_alias.html'>mod_alias – Apache HTTP Server Version 2.4</a></cite>"
        "</figcaption></figure><figure><img src='https://example.com/a.jpg' alt=''>"
        "<figcaption>The server room in 2019. Photo: Jane Doe</figcaption></figure>"
    )
    assert "mod_alias – Apache HTTP Server Version 2.4" in cleaned.text
    assert "The server room" not in cleaned.text


def test_a_block_that_is_one_link_is_not_a_photo_credit() -> None:
    # atp.rss (feeds-review): show notes link to "Plugable USB-C Voltage/Amperage
    # Meter", which has the shape of "Marvel Entertainment/YouTube".
    story = "Marco measured the power draw of every laptop with a small meter on his desk. " * 2
    cleaned = clean_html(
        f"<p>{story}</p><ul><li><a href='https://example.com/meter'>Plugable USB-C "
        "Voltage/Amperage Meter</a></li><li><a href='https://example.com/iokit'>IOKit</a></li>"
        "</ul><p>Marvel Entertainment/YouTube</p>"
    )
    assert "Plugable USB-C Voltage/Amperage Meter" in cleaned.text
    assert "Marvel Entertainment/YouTube" not in cleaned.text


def test_a_space_in_a_span_of_its_own_parts_two_words() -> None:
    # many-links.rss (feeds-real, Google Testing Blog): Google Docs pastes write the
    # space between two styled runs as a span of its own: "most discoverable</span>
    # <span> </span><span>means"; it read "discoverablemeans".
    cleaned = clean_html(
        "<p><span><b>A commit message is one of the easiest, most discoverable</b></span>"
        "<span style='color: #980000'> </span><span>means of providing context.</span>"
        "<span><span> </span></span><span>Write its first line to stand alone.</span></p>"
    )
    assert "most discoverable means of providing context. Write its first" in cleaned.text
    assert "discoverable</b> means" in cleaned.html


def test_a_line_break_inside_pre_is_a_new_line() -> None:
    # many-links.rss: an example commit message in a <pre> with <br>s for its lines
    # read "widgets.This allows ... andadd it".
    cleaned = clean_html(
        "<p>Write the first line of the commit message so it stands alone, as tools show "
        "it in listings. Example:</p><pre><span>Add Frobber to the list of widgets.<br />"
        "<br />This allows consumers to find the new widget and<br />add it.</span></pre>"
    )
    lines = cleaned.text.split("\n")
    assert "Add Frobber to the list of widgets." in lines
    assert "This allows consumers to find the new widget and" in lines
    assert "add it." in lines

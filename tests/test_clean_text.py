"""clean_text: the golden seed articles, then one test per rule.

The golden tests read ../shared/seeds/labels.json (hand labels for five real
scraped articles). They fail with one clear message when that folder is
missing (never skip); the rule tests below run everywhere.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from conftest import SEEDS
from jjfeed.clean import clean_text, rules

needs_seeds = pytest.mark.needs_shared(SEEDS / "labels.json")


def _load_labels() -> dict[str, dict[str, Any]]:
    if not SEEDS.is_dir():
        return {}
    files: dict[str, dict[str, Any]] = json.loads(
        (SEEDS / "labels.json").read_text(encoding="utf-8")
    )["files"]
    return files


LABELS = _load_labels()
SEED_NAMES = sorted(LABELS)


def _lines(name: str) -> list[str]:
    return (SEEDS / name).read_text(encoding="utf-8").split("\n")


def _line(name: str, number: int) -> str:
    """A labelled line, 1-based as in labels.json, whitespace-trimmed."""
    return _lines(name)[number - 1].strip()


def _blocks(text: str) -> list[str]:
    return text.split("\n\n") if text else []


def _same_day_somewhere(moment: datetime, label: str) -> bool:
    """Labels give the calendar date the page printed, in the page's own zone.

    We return UTC instants, so "May 24, 2021, 9:47 pm CDT" is 02:47 on May 25
    in UTC. The label matches when the instant falls on that date in some zone
    (UTC-12 to UTC+14). Exact instants are pinned by the unit tests below.
    """
    wanted = date.fromisoformat(label)
    earliest = (moment - timedelta(hours=12)).date()
    latest = (moment + timedelta(hours=14)).date()
    return earliest <= wanted <= latest


# --- golden seeds -----------------------------------------------------------


@needs_seeds
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_title_is_labelled_line(name: str) -> None:
    cleaned = clean_text((SEEDS / name).read_text(encoding="utf-8"))
    assert cleaned.title == _line(name, LABELS[name]["title"])


@needs_seeds
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_content_kept_as_blocks_in_order(name: str) -> None:
    blocks = _blocks(clean_text((SEEDS / name).read_text(encoding="utf-8")).text)
    wanted = [_line(name, n) for n in LABELS[name]["content"]]
    missing = [line for line in wanted if line not in blocks]
    assert not missing, f"content lost: {missing}"
    positions = [blocks.index(line) for line in wanted]
    assert positions == sorted(positions), "content out of order"


@needs_seeds
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_boilerplate_removed(name: str) -> None:
    text = clean_text((SEEDS / name).read_text(encoding="utf-8")).text
    blocks = _blocks(text)
    leaked = [
        line
        for line in (_line(name, n) for n in LABELS[name]["boilerplate"])
        if line and (line in blocks or line in text)
    ]
    assert not leaked, f"boilerplate leaked: {leaked}"


@needs_seeds
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_meta_recovered(name: str) -> None:
    cleaned = clean_text((SEEDS / name).read_text(encoding="utf-8"))
    expected = LABELS[name]["meta"]
    assert cleaned.author == expected.get("author")
    assert cleaned.section == expected.get("section")
    assert cleaned.tags == tuple(expected.get("tags", ()))
    for field in ("published", "updated"):
        value = getattr(cleaned, field)
        if field in expected:
            assert value is not None, field
            assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
            assert _same_day_somewhere(value, expected[field]), (field, value)
        else:
            assert value is None, field


@needs_seeds
@pytest.mark.parametrize("name", SEED_NAMES)
def test_seed_idempotent(name: str) -> None:
    first = clean_text((SEEDS / name).read_text(encoding="utf-8"))
    _assert_idempotent(first)


def _assert_idempotent(first: Any) -> None:
    """Cleaning clean output changes nothing.

    The title is not part of ``text``, so the round trip feeds back
    ``title + blank line + text``: same title, same text. Feeding back ``text``
    alone may promote its first block to the title (it is headline-shaped, e.g.
    a subtitle), but no block is lost or altered.
    """
    head = f"{first.title}\n\n" if first.title else ""
    again = clean_text(head + first.text)
    assert again.text == first.text
    assert again.title == first.title
    body_only = clean_text(first.text)
    promoted = [body_only.title] if body_only.title else []
    assert promoted + _blocks(body_only.text) == _blocks(first.text)


def test_seed_002_exact_instants() -> None:
    """The dateline and the footer of seed 002, converted to UTC exactly."""
    raw = (
        "A Title\n\nMichelle Jaworski\n\nInternet Culture\n\n"
        "Posted on Mar 5, 2017   Updated on May 24, 2021, 9:47 pm CDT\n\n"
        "Body paragraph that says something.\n\n*First Published: Mar 5, 2017, 6:00 am CST"
    )
    cleaned = clean_text(raw)
    assert cleaned.updated == datetime(2021, 5, 25, 2, 47, tzinfo=UTC)
    # "Posted on Mar 5, 2017" (midnight) is refined by the footer's time that day.
    assert cleaned.published == datetime(2017, 3, 5, 12, 0, tzinfo=UTC)
    assert cleaned.author == "Michelle Jaworski"
    assert cleaned.section == "Internet Culture"
    assert cleaned.text == "Body paragraph that says something."


# --- helpers for rule tests -------------------------------------------------

TITLE = "A Perfectly Ordinary Headline"
BODY = "This is a real paragraph of the article, long enough to be plainly prose."


def _article(*blocks: str) -> str:
    return "\n\n".join([TITLE, BODY, *blocks])


def _kept(*blocks: str) -> list[str]:
    """Blocks kept after the title and the standard first paragraph."""
    out = _blocks(clean_text(_article(*blocks)).text)
    assert out[0] == BODY
    return out[1:]


# --- title ------------------------------------------------------------------


def test_title_skips_cookie_banner_and_credits() -> None:
    raw = (
        "We use cookies to improve your experience. By using this site you accept cookies.\n\n"
        "jessica jones season 2 trailer\n\nMarvel Entertainment/YouTube\n\n" + TITLE + "\n\n" + BODY
    )
    cleaned = clean_text(raw)
    assert cleaned.title == TITLE
    assert _blocks(cleaned.text) == [BODY]


def test_no_title_when_first_line_is_prose() -> None:
    """A text that starts with a sentence has no title line; nothing is lost."""
    cleaned = clean_text(BODY + "\n\nSecond paragraph here.")
    assert cleaned.title is None
    assert _blocks(cleaned.text) == [BODY, "Second paragraph here."]


def test_empty_input() -> None:
    cleaned = clean_text("   \n\n ")
    assert (cleaned.text, cleaned.html, cleaned.title) == ("", "", None)


def test_html_for_plain_text_is_escaped_paragraphs() -> None:
    cleaned = clean_text(_article("Tom & Jerry <script>alert(1)</script>"))
    assert cleaned.html.split("\n") == [
        f"<p>{BODY}</p>",
        "<p>Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt;</p>",
    ]


def test_hard_wrapped_paragraph_is_rejoined() -> None:
    wrapped = (
        "Plain text e-mails are often wrapped at a fixed width of about\n"
        "seventy characters, and a paragraph must come back as one block\n"
        "again."
    )
    assert _kept(wrapped) == [" ".join(wrapped.split("\n"))]


# --- cookie banners ---------------------------------------------------------


def test_cookie_banner_removed() -> None:
    banner = "Cookies help us deliver our Services. By using our Services, you agree to our use of cookies. Learn More."
    assert _kept(banner) == []


def test_paragraph_about_cookies_kept() -> None:
    line = "Ritter baked cookies for the whole crew on the last day of filming, and they agreed it was a treat."
    assert _kept(line) == [line]


# --- bylines, author bios, datelines -----------------------------------------


def test_by_line_gives_author() -> None:
    cleaned = clean_text(f"{TITLE}\n\nBy Jane Doe\n\n{BODY}")
    assert cleaned.author == "Jane Doe"
    assert _blocks(cleaned.text) == [BODY]


def test_by_line_with_date() -> None:
    cleaned = clean_text(f"{TITLE}\n\nBy Jane Doe | March 3, 2024 at 10:15 am EST\n\n{BODY}")
    assert cleaned.author == "Jane Doe"
    assert cleaned.published == datetime(2024, 3, 3, 15, 15, tzinfo=UTC)
    assert _blocks(cleaned.text) == [BODY]


@pytest.mark.parametrize(
    "line", ["Posted on March 3, 2024 by Jane Doe", "March 3, 2024 by Jane Doe"]
)
def test_date_then_by_line(line: str) -> None:
    cleaned = clean_text(f"{TITLE}\n\n{line}\n\n{BODY}")
    assert cleaned.author == "Jane Doe"
    assert cleaned.published == datetime(2024, 3, 3, tzinfo=UTC)
    assert _blocks(cleaned.text) == [BODY]


def test_a_date_then_by_in_a_sentence_is_kept() -> None:
    line = "March 3, 2024 by the river"
    cleaned = clean_text(_article(line))
    assert cleaned.author is None
    assert _blocks(cleaned.text)[-1] == line


def test_sentence_starting_with_by_is_kept() -> None:
    line = "By the end of the season, Jessica has to face what she did."
    cleaned = clean_text(_article(line))
    assert cleaned.author is None
    assert _blocks(cleaned.text)[-1] == line


def test_about_the_author_block_removed_and_name_taken() -> None:
    bio = "A reporter by trade, Jane loves horror films and has written about television for a decade."
    cleaned = clean_text(_article("About The Author", "Jane Doe", bio))
    assert cleaned.author == "Jane Doe"
    assert _blocks(cleaned.text) == [BODY]


def test_unheaded_bio_of_known_author_removed() -> None:
    bio = "Jane is a staff writer covering streaming television. Follow her work on the site."
    cleaned = clean_text(f"{TITLE}\n\nBy Jane Doe\n\n{BODY}\n\n{bio}")
    assert _blocks(cleaned.text) == [BODY]


def test_paragraph_mentioning_the_author_of_comics_kept() -> None:
    line = "The author of the comics, Brian Michael Bendis, is a writer whose run defined the character."
    assert _kept(line) == [line]


def test_name_and_section_above_dateline() -> None:
    cleaned = clean_text(f"{TITLE}\n\nJane Doe\n\nTV & Film\n\nPublished: 2024-03-03\n\n{BODY}")
    assert (cleaned.author, cleaned.section) == ("Jane Doe", "TV & Film")
    assert cleaned.published == datetime(2024, 3, 3, tzinfo=UTC)
    assert _blocks(cleaned.text) == [BODY]


def test_lone_name_line_without_dateline_kept() -> None:
    """Without a dateline below it, a capitalised two-word line is a heading."""
    assert _kept("Krysten Ritter", "She plays the title role.") == [
        "Krysten Ritter",
        "She plays the title role.",
    ]


def test_date_without_time_is_midnight_utc() -> None:
    cleaned = clean_text(_article("Posted on March 5, 2017"))
    assert cleaned.published == datetime(2017, 3, 5, tzinfo=UTC)
    assert cleaned.text == BODY


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Updated on May 24, 2021, 9:47 pm CDT", datetime(2021, 5, 25, 2, 47, tzinfo=UTC)),
        ("Last updated: Jan 2, 2020 11:00 PM PST", datetime(2020, 1, 3, 7, 0, tzinfo=UTC)),
        ("Updated July 4, 2022 at 9:00 am EDT", datetime(2022, 7, 4, 13, 0, tzinfo=UTC)),
        ("Updated 4 July 2022, 14:30 GMT", datetime(2022, 7, 4, 14, 30, tzinfo=UTC)),
        ("Updated: 2022-07-04T10:00:00+02:00", datetime(2022, 7, 4, 8, 0, tzinfo=UTC)),
    ],
)
def test_update_lines_and_time_zones(line: str, expected: datetime) -> None:
    cleaned = clean_text(_article(line))
    assert cleaned.updated == expected
    assert cleaned.published is None
    assert cleaned.text == BODY


def test_first_published_footer_removed() -> None:
    cleaned = clean_text(_article("*First Published: Mar 5, 2017, 6:00 am CST"))
    assert cleaned.published == datetime(2017, 3, 5, 12, 0, tzinfo=UTC)
    assert cleaned.text == BODY


def test_sentence_with_a_date_is_kept() -> None:
    line = "Netflix on Dec. 9, 2017 revealed that every episode will drop on March 8, 2018."
    cleaned = clean_text(_article(line))
    assert cleaned.published is None
    assert _blocks(cleaned.text)[-1] == line


# --- tags ---------------------------------------------------------------------


def test_bullets_under_title_are_tags() -> None:
    cleaned = clean_text(f"{TITLE}\n\n  • Adventure\n  • Crime\n  • Superhero\n\n{BODY}")
    assert cleaned.tags == ("Adventure", "Crime", "Superhero")
    assert _blocks(cleaned.text) == [BODY]


def test_bullet_list_inside_article_kept() -> None:
    items = ["• Krysten Ritter", "• Rachael Taylor", "• Eka Darville"]
    cleaned = clean_text(_article("The cast includes:", *items))
    assert cleaned.tags == ()
    assert _blocks(cleaned.text)[-3:] == items


def test_tags_line() -> None:
    cleaned = clean_text(_article("Tags: Netflix, Marvel, Jessica Jones"))
    assert cleaned.tags == ("Netflix", "Marvel", "Jessica Jones")
    assert cleaned.text == BODY


# --- prompts: share, follow, comment, related ------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Share this article",
        "Share This Story:",
        "Follow us on Twitter and Facebook for more news.",
        "Subscribe to our newsletter for the latest updates",
        "Sign up for our daily newsletter",
        "Top Stories",
        "Related",
        "Read more",
        "Read More: Everything we know about Daredevil season 3",
        "Join the Discussion",
        "Let us know in the comments!",
        "Do you think Jessica Jones will appear in Luke Cage ? Let us know in the comments!",
        "Share your thoughts on these Jessica Jones tidbits, and stay tuned for the latest updates!",
        "What do you think? Sound off below.",
        "The post Jessica Jones returns appeared first on Example News.",
        "Editor’s note: This article is regularly updated for relevance.",
        "This article was originally published in 2017.",
        "Advertisement",
    ],
)
def test_prompt_lines_removed(line: str) -> None:
    assert _kept(line) == []


@pytest.mark.parametrize(
    "line",
    [
        "However, comments from Mike Colter and Ritter suggest the two don’t hold a grudge.",
        "Fans flooded the comments section after the trailer dropped, many praising Ritter.",
        "The studio will share more details about the cast next month, according to Rosenberg.",
        "Rosenberg said: “Let us know what you need, and we will build it.”",
        "If Jessica can’t cope with the trauma Kilgrave left behind, how will she keep up with The Defenders ?",
        "Ritter wants to follow the character into darker places. Let us know what you think.",
        "Editor's note: Krysten Ritter spoke to us before the strike began.",
        "Related storylines from the comics are likely to show up, Rosenberg hinted.",
    ],
)
def test_content_mentioning_keywords_kept(line: str) -> None:
    assert _kept(line) == [line]


# --- photo captions, credits, alt text -----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Photo via Netflix",
        "Image: Getty Images",
        "Photograph by Jane Doe",
        "Courtesy of Netflix",
        "Marvel Entertainment/YouTube",
        "Entertainment Weekly/Twitter",
        "In Body Image",
        "jessica jones season 2 hogarth trish",
        "jessica jones season 2 release date key art",
        "New photo from Jessica Jones Season 2 (Photo Credit - Digital Spy)",
        "Another new photo featuring Jessica and Kilgrave (Photo Credit - EW)",
        "Jessica Jones Season 2 will delve deeper into Jessica's mental state post-Kilgrave. Netflix / Marvel",
        "Krysten Ritter at the premiere in New York. Jane Doe/Getty Images",
    ],
)
def test_credit_and_alt_lines_removed(line: str) -> None:
    assert _kept(line) == [], line


@pytest.mark.parametrize(
    "line",
    [
        "Jessica Jones season 2 cast",
        "The Marvel/Netflix partnership produced six series before it ended in 2019.",
        "Netflix released the photo on Twitter, where it quickly spread.",
        "Photos from the set leaked in March, showing Ritter in chains on a subway platform in Queens.",
        "It offered nuanced storytelling and a subversion of the noir genre.",
    ],
)
def test_content_resembling_credits_kept(line: str) -> None:
    assert _kept(line) == [line]


def test_caption_and_credit_on_adjacent_lines() -> None:
    assert _kept("In Body Image\nMarvel Entertainment/YouTube", "Second paragraph.") == [
        "Second paragraph."
    ]


# --- idempotence on a hand-made article ---------------------------------------------


def test_idempotent_hand_made() -> None:
    raw = (
        "Cookies help us deliver our Services. By using our Services, you agree to our use of cookies.\n\n"
        f"{TITLE}\n\nHow will it end?\n\nBy Jane Doe\n\n{BODY}\n\nA heading\n\n• one item\n• two item\n\n"
        "Photo via Netflix\n\nShare this article"
    )
    first = clean_text(raw)
    assert _blocks(first.text) == [
        "How will it end?",
        BODY,
        "A heading",
        "• one item",
        "• two item",
    ]
    _assert_idempotent(first)


def test_pitches_and_disclosures_go_but_reporting_on_them_stays() -> None:
    story = "The council voted on Tuesday to close the library for repairs."
    raw = "\n\n".join(
        [
            "Library To Close",
            story,
            "Want more from us? Sign up for our newsletter, The Weekly, and shop smarter.",
            "We may be compensated when you click on a link from one of our partners.",
            "Residents said they would follow the vote closely and subscribe to updates.",
        ]
    )
    cleaned = clean_text(raw)
    assert "Sign up" not in cleaned.text and "compensated" not in cleaned.text
    assert story in cleaned.text
    assert "Residents said they would follow the vote closely" in cleaned.text


# --- teaser lists, copyright lines, calls to action, appeals ------------------------


TEASERS = [
    "When the Social Security Administration denies your disability claim, it can feel like "
    "a dead end. Many applicants wonder if they can appeal, and there are remedies when "
    "your claim is denied. At Example and Partners,",
    "Navigating the disability process can be overwhelming while dealing with a condition. "
    "The system is complex, with strict deadlines and high denial rates, so our lawyers "
    "guide residents through it, improving their chances of",
]


STORY = [
    "The county board voted on Tuesday to fund two more caseworkers for residents whose "
    "disability claims were denied, after a year in which the waiting list doubled and the "
    "average appeal took fourteen months to be heard.",
    "Board members said the money would come from the reserve fund, and that the new staff "
    "would start in the spring once the positions had been advertised and filled.",
]


def test_teasers_cut_to_the_same_size_go_with_their_headlines() -> None:
    kept = _kept(*STORY, "More from our blog", TEASERS[0], "Disability appeals", TEASERS[1])
    assert kept == [*STORY, "More from our blog"]


def test_a_page_of_nothing_but_excerpts_is_a_listing_and_stays() -> None:
    """An events calendar or course list is all excerpts: the list is the content."""
    blocks = [TEASERS[0], "Disability appeals", TEASERS[1]]
    assert _kept(*blocks) == blocks


def test_one_paragraph_leading_into_a_quote_stays() -> None:
    lead = (
        "One of the dominant superstitions of our time is that truth is relative, as the "
        "philosopher argues in his book (Oxford University Press, 1997),"
    )
    other = "An example of this view comes from the standpoint theorists, who argue that,"
    quote = "“Experience generates a distinctive standpoint and a distinctive epistemology.”"
    assert _kept(lead, quote, other, quote) == [lead, quote, other, quote]


@pytest.mark.parametrize(
    "line",
    [
        "© Example Accounting, LLC",
        "Copyright 2025 © Jane Doe. All Rights Reserved.",
        "Book Now",
        "Learn More",
        "4 minute read time",
        "Advertisement: New AI Book!",
        "Request A Free Consultation for Accounting Services",
        "Check price at Amazon",
        "Fill out the form for a free quote that includes a custom layout and the total cost.",
        "Playful Void is a production of Idle Co. If you liked this article, please consider "
        "sharing and subscribing to the newsletter. If you want to support us, please consider "
        "a one-off donation.",
        "Book a demo",
        "Start Free Trial",
        "Get a Free Quote",
        "Get the cash you need with a low-interest personal loan today",
        "Begin learning a new language! Unlock up to 55% OFF your subscription today!",
        "Get the best of Example Weekly delivered to your inbox weekly",
        "Get the latest news about our live events and online courses.",
        "Page 1 of 8",
        "Table of Contents",
        "Advertisement - Continue Reading Below",
        "An official website of the United States government.",
        "Already have an account? Log in",
        "This article is exclusive to STAT+ subscribers",
        "This story is funded by readers like you",
        "Example.org is supported by commissions from providers listed on our site.",
        "You might also like: The Challenges of Sustainable Palm Oil Production",
        "Love the Example Newsletter? Tell your friends and get rewards.",
    ],
)
def test_footer_and_call_to_action_lines_removed(line: str) -> None:
    assert _kept(line) == [], line


@pytest.mark.parametrize(
    "line",
    [
        "Copyright law in the United States protects a work for the author's life plus 70 years.",
        "The band asked fans to support our work, the singer joked, before leaving the stage.",
        "Learn more about the case in the court filings, which run to 400 pages.",
        "Start with a budget-friendly setup under $300, focusing on core essentials.",
        "Get a feel for the neighbourhood before you sign a lease.",
        "Book early: the free tours fill up weeks ahead, the guide said.",
        "The studio's page 1 of the script leaked in March.",
        "This article is part of a series on the housing market.",
    ],
)
def test_lines_near_those_rules_kept(line: str) -> None:
    assert _kept(line) == [line]


def test_related_headings_are_furniture_lines() -> None:
    """The context rule only looks at headings the standalone rules already dropped."""
    assert rules.RELATED_HEADINGS <= rules.FURNITURE_LINES


def test_a_related_list_that_ends_the_article_goes_with_its_heading() -> None:
    story = [
        "The council voted on Tuesday to close the old library and move its books to the "
        "new civic centre, ending a two-year argument over the building's future and its "
        "listed reading room, which campaigners had hoped to keep open as a study space.",
        "Campaigners said they would ask the courts to review the decision, and the council "
        "said the move would save about £400,000 a year in heating and repairs alone, money "
        "it plans to spend on longer opening hours at the new centre and its branches.",
    ]
    related = [
        "Popular posts",
        "1",
        "Council budget gap widens as energy costs rise",
        "2",
        "The cheapest places to fly this winter include three regional airports.",
    ]
    assert _kept(*story, *related) == story


def test_a_related_box_inside_the_story_takes_only_its_heading() -> None:
    long = (
        "The council voted on Tuesday to close the old library and move its books to the new "
        "civic centre, ending a two-year argument over the building's future and its listed "
        "reading room, which campaigners had hoped to keep open as a study space for pupils."
    )
    lines = [long, "Related", "Council budget gap widens", long.replace("Tuesday", "Monday")]
    assert _kept(*lines) == [long, "Council budget gap widens", lines[-1]]

"""Story terms in other languages, and the words a source repeats (issue 17, item 4).

The false links the real-feeds review found, and the pure functions that
keep them apart: each language's stop words, the source's own words
(its name, its section labels), and strong evidence for two posts of one source.
"""

import pytest

from jjfeed import story

HEISE = [
    "Xbox One X im 4K-Test",
    "c't Fotografie: Spiegeloses Vollformat im Test",
    "Apple stellt neue iPads vor",
    "Bahn erhöht die Preise zum Fahrplanwechsel",
    "Smartwatch von Garmin im Test",
    "Bundestag beschließt Gesetz zur Cybersicherheit",
    "Linux-Kernel 6.1 freigegeben",
    "E-Autos: Ladesäulen im Test",
    "Microsoft verschiebt Windows-Update",
    "Drohnen über Flughäfen: Polizei rüstet auf",
]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Xbox One X im Test: schneller als die Konsole", "de"),
        ("Ukraine war enters third year", "en"),
        ("Die Bahn erhöht die Preise, und der Bund zahlt nicht", "de"),
        ("L'État annonce une réforme des retraites pour les jeunes", "fr"),
        ("Het kabinet wil dat de belasting op arbeid omlaag gaat", "nl"),
        ("El gobierno aprueba la reforma de las pensiones para los jóvenes", "es"),
        ("Three die in bank during Greek riots", "en"),  # "die", "in" are German too: a tie
        ("Man charged in fatal Bloomington hit and run", "en"),
        ("Titanfall", "en"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert story.language(text) == lang


def test_each_language_loses_its_stop_words() -> None:
    assert story.title_terms("Xbox One X im 4K-Test") == {"xbox", "1", "4k", "test"}
    assert story.title_terms("Die Bahn erhöht die Preise") == {"bahn", "erhöht", "preise"}
    assert story.title_terms("L'État annonce une réforme") == {"état", "annonce", "réforme"}
    assert story.title_terms("Het kabinet wil de belasting omlaag") == {
        "kabinet",
        "belasting",
        "omlaag",
    }


def test_german_stop_words_stay_content_words_in_english() -> None:
    assert "die" in story.title_terms("Three die in bank during Greek riots")
    assert "man" in story.title_terms("Man charged in fatal Bloomington hit and run")
    assert "war" in story.title_terms("Ukraine war enters third year")


def test_web_address_pieces_are_not_terms() -> None:
    assert story.title_terms("Q4 2022 RSS.com Product Updates") == {"q4", "2022", "rss", "product"}


def test_unmistakable_foreign_function_words_go_whatever_the_language() -> None:
    assert story.language("Xbox One X im 4K-Test") == "en"  # one German word is no language
    assert "im" not in story.title_terms("Xbox One X im 4K-Test")
    assert "las" not in story.title_terms("Gas prices in Las Vegas surge")


# -- the source's own words --------------------------------------------------------


def test_recurring_terms_are_a_sources_labels() -> None:
    assert story.recurring_terms(HEISE) == {"test"}


def test_recurring_terms_need_enough_titles() -> None:
    assert story.recurring_terms(HEISE[:2]) == frozenset()  # "test" twice: under the minimum
    assert story.recurring_terms([]) == frozenset()


def test_name_terms() -> None:
    assert story.name_terms("RSS.com") == {"rss"}
    assert story.name_terms("The Verge") == {"verge"}


def test_im_test_links_nothing_once_the_label_is_known() -> None:
    """Issue 17: "Xbox One X im 4K-Test" and "... Vollformat im Test" shared only "im Test"."""
    ignore = story.recurring_terms(HEISE)
    a = story.story_terms(HEISE[0], ignore=ignore)
    b = story.story_terms(HEISE[1], ignore=ignore)
    assert story.story_similarity(a, b) == 0.0


def test_the_source_name_links_nothing() -> None:
    """Issue 17: a podcast host's two posts shared only its name, "RSS.com"."""
    ignore = story.name_terms("RSS.com")
    a = story.story_terms("Q4 2022 RSS.com Product Updates", ignore=ignore)
    b = story.story_terms("Protecting RSS.com Podcasters From Email Spam", ignore=ignore)
    assert story.story_similarity(a, b) == 0.0
    # Without the name, the two did share a word.
    plain = story.story_similarity(
        story.story_terms("Q4 2022 RSS.com Product Updates"),
        story.story_terms("Protecting RSS.com Podcasters From Email Spam"),
    )
    assert plain > 0


def test_two_posts_of_one_source_need_strong_evidence() -> None:
    a = story.story_terms(HEISE[0])
    b = story.story_terms(HEISE[1])
    sim = story.story_similarity(a, b)
    assert 0 < sim < story.SAME_SOURCE_LINK
    assert story.member_similarity(sim, same_source=True) == 0.0
    assert story.member_similarity(sim, same_source=False) == sim
    assert story.member_similarity(0.9, same_source=True) == 0.9  # a repost, an update


def test_one_shared_common_word_does_not_found_a_pair() -> None:
    """Issue 17: "The Overseas Doctor's Path ..." and "Venezuela's 'Doctor of the Poor' ..."."""
    a = story.story_terms("The Overseas Doctor's Path to Working in the NHS")
    b = story.story_terms("Venezuela's 'Doctor of the Poor' Officially Canonised")
    sim = story.story_similarity(a, b)
    assert sim < story.STORY_EVIDENCE
    assert story.choose_story({"s": [sim]}, {"s": 1}) is None


def test_window_weights_make_a_common_word_count_less() -> None:
    a = story.story_terms("The Overseas Doctor's Path to Working in the NHS")
    b = story.story_terms("Venezuela's 'Doctor of the Poor' Officially Canonised")
    # 400 articles in the window: "doctor" in 40 of them, the names in two or three.
    seen = [{"doctor"}] * 40 + [{"nhs"}] * 2 + [{"venezuela"}] * 3 + [{"harbour"}] * 355
    window = story.TermWeights(seen)
    assert story.story_similarity(a, b, window) < story.story_similarity(a, b)


def test_term_weights_count_words_not_copies() -> None:
    weights = story.TermWeights()
    weights.add({"t:bridge", "bridge", "bridge#2", "ada"})
    weights.add({"t:library"})
    assert weights.docs == 2
    assert weights.doc_freq == {"bridge": 1, "ada": 1, "library": 1}
    assert weights("bridge#2") == weights("t:bridge") == weights("bridge")
    assert weights("unseen") > weights("bridge")


def test_installments_of_one_series_are_never_one_story() -> None:
    # Real feeds: a podcast's "Day One" .. "Day Five" episodes, a daily show by date,
    # release notes by version, Google Alerts of one insider's sales by amount.
    series = [
        (
            "Game of the Year 2017: Day One Deliberations",
            "Game of the Year 2017: Day Two Deliberations",
        ),
        ("Giant Bombcast 10-07-2008", "Giant Bombcast 10-08-2008"),
        ("v3.8.4", "v3.8.3"),
        ("Slack CEO Sells $53170714.63 in Stock", "Slack CEO Sells $91750.00 in Stock"),
        (
            "Business news: as it happened - March 10, 2014",
            "Business news: as it happened - March 11, 2014",
        ),
        # Some posts of a show carry its name ahead of the title (giantbomb-podcast.rss).
        (
            "Giant Bomb @ Nite - Live From E3 2019: Nite 1",
            "Giant Bombcast Giant Bomb @ Nite - Live From E3 2019: Nite 2",
        ),
        # ... and a word after it.
        ("Giant Bombcast Microcast 06-01-2009 AM", "Giant Bombcast MicroCast 06-02-2009"),
    ]
    for a, b in series:
        assert story.numbered_apart(a, b), (a, b)
        sim = story.story_similarity(story.story_terms(a), story.story_terms(b))
        assert story.member_similarity(sim, same_source=True, series=True) == 0.0
        assert story.member_similarity(sim, same_source=False, series=True) == sim
    not_series = [
        ("Micro Monday Episode 7 Transcript", "Micro Monday Episode 7"),  # one episode
        ("Chiquita Agree to Merger -- 2nd Update", "Chiquita Agree to Merger -- 3rd Update"),
        ("Stormy Daniels casts doubt on affair", "Stormy Daniels casts doubt on affair"),
        ("Apple vs. FBI: Day One", "Apple vs. FBI: the verdict"),
        ("Apple buys Beats for $3.2 billion", "Report: Apple buys Beats for $3.2 billion"),
        ("Day 2", "Giant Bombcast Day 3"),  # too short to tell a series by its tail
        ("Giant Bombcast 10-07-2008", "Giant Bombcast 10-07-2008 (Part 2)"),  # found whole
    ]
    for a, b in not_series:
        assert not story.numbered_apart(a, b), (a, b)

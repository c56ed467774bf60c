"""Tags a person would pick (issue 17): the junk classes real feeds showed, each checked.

Auto tags are names that matter to the article: in its title, or repeated in
its text. What these tests check is never an auto tag:

- contractions and pronouns, straight or curly apostrophe ("I’m", "I've",
  "C’est"), and the function words of every language the feeds use;
- single letters ("K", "X", "C.");
- sentence-initial capitals of ordinary words ("Value", "Black", "Trams");
- articles and determiners of English, German, French, Dutch, Spanish,
  Italian, Czech/Slovak ("Der Preis", "Die Jahre", "Het", "Een Cowboysbag");
- German nouns, which are capitalised everywhere ("der Preis");
- a phrase said twice ("Soft Voice Soft Voice");
- words capitalised by a heading, a title-case line, shouting or code
  ("Build", "PARTICULAR PURPOSE", "Void"), and words the feed mostly writes in
  lower case ("List");
- a source's own names: its name, and what it repeats in most of its posts
  (a podcast's show name, its host);
- placeholder categories ("Uncategorized", "Allgemein"), feed-given ones too;
- acronyms that are common nouns ("URL", "IDs", "UI", "TV", "CEO").

And real names are still tagged: "Tim Cook", "Kilgrave", "Angela Merkel".
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import SHARED
from jjfeed import pipeline, tag
from jjfeed.config import Config
from jjfeed.model import Article, Cluster, StoredArticle, Tagging

T = datetime(2026, 11, 1, tzinfo=UTC)
REVIEW = SHARED / "data" / "feeds-review"

# What each junk class looks like, checked on every tag the tests see.
FUNCTION_WORDS = set(
    """
    i me my we us our you your he him his she her it its they them their this that these those
    there here what who which when where why how and but or not no yes all any some each every
    ich du er sie es wir ihr und oder aber nicht mit für von auf bei aus nach heute
    je tu il elle nous vous ils elles et ou mais avec pour dans sur c'est
    ik jij hij zij wij jullie en maar niet met voor van op bij
    yo él ella nosotros ellos ellas pero con para por sin
    io lui lei noi voi loro ma con per tra
    já ty on ona my vy oni ale jak pro na je to se že
    """.split()
)
ARTICLES = set(
    "Der Die Das Den Dem Des Ein Eine Le La Les El Il Lo Gli Un Une Uno Una Het De Een".split()
)
PLACEHOLDERS = {"uncategorized", "uncategorised", "general", "allgemein", "non classé"}
# Acronyms that are common nouns: every article has a URL, an ID, a UI, a CEO.
GENERIC_ACRONYMS = {"url", "urls", "id", "ids", "ui", "tv", "api", "apis", "ceo", "ceos", "pdf"}


def junk_classes(name: str) -> list[str]:
    """The junk classes a tag falls in (empty: it may be a name)."""
    words = name.split()
    found = []
    if re.search(r"\w['’][a-z]", name) or (
        name.casefold() in FUNCTION_WORDS and not name.isupper()
    ):
        found.append("contraction or pronoun")
    if all(sum(c.isalpha() for c in w) < 2 for w in words):
        found.append("single letter")
    if words[0] in ARTICLES:
        found.append("leading article")
    half = len(words) // 2
    if half >= 2 and words[:half] == words[half:]:
        found.append("repeated phrase")
    if name.casefold() in PLACEHOLDERS:
        found.append("placeholder category")
    if name.casefold() in GENERIC_ACRONYMS:
        found.append("generic acronym")
    return found


def _auto(title: str, text: str) -> tuple[str, ...]:
    names = tag.salient_names(title, text, 10)
    assert not {n: junk_classes(n) for n in names if junk_classes(n)}
    return names


CASES = [
    pytest.param(
        "Tim Cook on the new iPhone",
        "I’m told Tim Cook will speak. I've heard it before. I’ll wait, I'd say. "
        "Don’t worry: We’re fine. It’s late. Let's see what Tim Cook says. "
        "They’re sure and You’ve seen it. YOU'LL LOVE IT, says TIM COOK. TIM COOK agrees.",
        {
            "I’m",
            "I've",
            "I’ll",
            "I'd",
            "Don’t",
            "We’re",
            "It’s",
            "Let's",
            "Let",
            "They’re",
            "YOU'LL",
            "YOU'LL LOVE IT",
            "LOVE IT",
        },
        {"Tim Cook"},
        id="contractions-en",
    ),
    pytest.param(
        "Emmanuel Macron à Berlin",
        "C’est vrai. J'ai vu Emmanuel Macron hier. L’homme parle. D’accord, qu’il vienne. "
        "Nous savons qu’Emmanuel Macron ira à Berlin, et l’Élysée le confirme.",
        {"C’est", "J'ai", "L’homme", "D’accord", "Nous"},
        {"Emmanuel Macron"},
        id="contractions-fr",
    ),
    pytest.param(
        "Kilgrave returns",
        "Ich glaube es. Wir wissen es. Nous le savons. Ils arrivent. Wij weten het. "
        "Ik ook. Nosotros también. Ella dice que sí. Noi lo sappiamo. Loro anche. "
        "Já vím. My víme. Then Kilgrave came back, and Kilgrave stayed.",
        {"Ich", "Wir", "Nous", "Ils", "Wij", "Ik", "Nosotros", "Ella", "Noi", "Loro", "Já", "My"},
        {"Kilgrave"},
        id="pronouns-in-seven-languages",
    ),
    pytest.param(
        "The iPhone X review",
        "Apple sold the iPhone X. Take Plan B, or vitamin K. The worm C. elegans is small. "
        "K is for potassium, says Tim Cook. X marks it, said Tim Cook.",
        {"X", "B", "K", "C", "C."},
        {"Tim Cook"},
        id="single-letters",
    ),
    pytest.param(
        "What we learned",
        "Value is what you pay for. The value of a thing varies. Black is back in fashion, "
        "and black shoes sell. Year after year the year ends. Trams run again, and trams "
        "are full. Software matters; software is eaten by Kilgrave. Kilgrave laughs.",
        {"Value", "Black", "Year", "Trams", "Software"},
        {"Kilgrave"},
        id="sentence-initial-ordinary-words",
    ),
    pytest.param(
        "Merkel besucht Paris",
        "Der Preis ist hoch. Die Jahre vergehen schnell. Das Wetter wird besser. "
        "Am Montag traf sich Angela Merkel mit dem Präsidenten. Die Kanzlerin sagte, "
        "der Preis sei gerecht. Ein Tipp: Angela Merkel kommt wieder. Eine Frage bleibt.",
        {
            "Der Preis",
            "Preis",
            "Die Jahre",
            "Jahre",
            "Das Wetter",
            "Wetter",
            "Der",
            "Die",
            "Ein Tipp",
            "Tipp",
            "Eine Frage",
            "Frage",
            "Die Kanzlerin",
            "Kanzlerin",
        },
        {"Angela Merkel"},
        id="articles-de",
    ),  # fmt: skip
    pytest.param(
        "Le Havre accueille Emmanuel Macron",
        "Le Gouvernement a décidé. La maison est vendue. Les enfants jouent. "
        "Un jour, Emmanuel Macron viendra au Havre. Une fois de plus, Emmanuel Macron parle.",
        {"Le", "La", "Les", "Un", "Une", "Gouvernement", "Le Gouvernement"},
        {"Emmanuel Macron"},
        id="articles-fr",
    ),
    pytest.param(
        "Tijdstip FC Utrecht - Feyenoord blijft op 12.15 uur",
        "De Rotterdammers wonnen vorig jaar. Het duel begint om 12.15 uur. Een Cowboysbag "
        "is een sporttas. De Nederlandse bond besliste dat FC Utrecht thuis speelt. "
        "Volgens FC Utrecht is dat goed.",
        {
            "De Rotterdammers",
            "Rotterdammers",
            "Het",
            "Een Cowboysbag",
            "Cowboysbag",
            "De Nederlandse",
            "Nederlandse",
        },
        {"FC Utrecht"},
        id="articles-nl",
    ),  # fmt: skip
    pytest.param(
        "Pedro Sánchez y Giorgia Meloni",
        "El Gobierno aprobó la ley. Los ministros votaron. La oposición protestó. "
        "Según Pedro Sánchez, la ley es justa, y Pedro Sánchez lo repite. "
        "Il Governo italiano tace. Gli studenti protestano. Lo dice Giorgia Meloni, "
        "e Giorgia Meloni lo ripete.",
        {"El Gobierno", "Gobierno", "Los", "La", "Il Governo", "Governo", "Gli", "Lo"},
        {"Pedro Sánchez", "Giorgia Meloni"},
        id="articles-es-it",
    ),
    pytest.param(
        "Petr Pavel v Praze",
        "V Praze se sešli politici. To je zpráva dne. K tomu řekl Petr Pavel, že souhlasí. "
        "Z Brna přijel také. Na schůzi Petr Pavel mluvil dlouho.",
        {"V", "To", "K", "Z", "Na", "V Praze"},
        {"Petr Pavel"},
        id="czech-prepositions",
    ),
    pytest.param(
        # In German a lone capitalised word is a name only when the title has it too.
        "Neue Regeln für Kilgrave",
        "Wir haben den Preis gesenkt, weil der Preis zu hoch war. Mit dem Preis sind "
        "alle zufrieden, sagt Kilgrave. Im Büro hängt eine Liste, und die Liste wächst. "
        "Kilgrave schreibt jeden Tag in die Liste, sagt auch Olaf Scholz. Zwiebeln und "
        "Milch kauft Olaf Scholz, Zwiebeln vor allem.",
        {"Preis", "Liste", "Büro", "Tag", "Zwiebeln", "Milch"},
        {"Kilgrave", "Olaf Scholz"},
        id="german-nouns",
    ),
    pytest.param(
        "Soft Voice Soft Voice",
        "Soft Voice Soft Voice sang again. We met Soft Voice Soft Voice later with "
        "Tim Cook, and Tim Cook clapped.",
        {"Soft Voice Soft Voice"},
        {"Tim Cook"},
        id="repeated-phrase",
    ),
    pytest.param(
        "Let’s Build a Reactive Programming Library",
        "The video of my talk is up.\n\nLet’s Build a Reactive Programming Library\n\n"
        "Functional reactive programming is fun, said Curt Clifton. Thanks to Curt Clifton "
        "and the Seattle Xcoders for hosting; the Seattle Xcoders are great.\n\n"
        "Part 2: Original iPhone Software Team Leader in Conversation with Many Others",
        {"Build", "Library", "Reactive Programming Library", "Conversation", "Software Team"},
        {"Curt Clifton", "Seattle Xcoders"},
        id="title-case-lines",
    ),
    pytest.param(
        "MIT License",
        'Permission is granted to anyone obtaining a copy of this software (the "Software"), '
        "to deal in the Software, says Tim Cook. Tim Cook agrees.\n\n"
        'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, FOR A PARTICULAR '
        "PURPOSE. IN NO EVENT SHALL THE COPYRIGHT HOLDERS BE LIABLE.\n\n"
        "public class Signal<Value> {\n"
        "    private var currentValue: Value? = nil\n"
        "    func update(to value: Value) -> Void {\n"
        "}",
        {"Software", "PARTICULAR PURPOSE", "COPYRIGHT HOLDERS", "Value", "Void", "Signal"},
        {"Tim Cook"},
        id="shouting-and-code",
    ),
    pytest.param(
        "Deals for Cyber Monday",
        "The best Cyber Monday deals are here. Shop the Black Friday leftovers, "
        "says Tim Cook. Read A Line Which Forms a Volume, a book Tim Cook likes.",
        {"Cyber", "Black", "Line", "Forms"},
        {"Tim Cook"},
        id="cut-from-a-capitalised-phrase",
    ),
    pytest.param(
        "The URL and the UI of the new TV app for Apple TV",
        "Each URL gets an ID from the API, and the URLs and IDs go to the CEO's dashboard, "
        "Tim Cook said. The UI of the TV app shows a PDF; the CEO, Tim Cook, approved the API. "
        "It runs on the Apple TV.",
        {"URL", "UI", "TV", "ID", "API", "URLs", "IDs", "CEO", "PDF"},
        {"Tim Cook", "Apple TV"},  # a generic acronym inside a name stays
        id="generic-acronyms",
    ),
]


@pytest.mark.parametrize(("title", "text", "junk", "real"), CASES)
def test_no_junk_class_is_an_auto_tag(
    title: str, text: str, junk: set[str], real: set[str]
) -> None:
    names = _auto(title, text)
    assert not junk & set(names), names
    assert real <= set(names), names


def test_a_name_matters_in_the_title_or_repeated() -> None:
    text = "Grace Hopper met Ada Lovelace. Later, Ada Lovelace wrote."
    assert _auto("", text) == ("Ada Lovelace",)
    assert set(_auto("Grace Hopper at sea", text)) == {"Ada Lovelace", "Grace Hopper"}


def test_real_names_with_apostrophes_and_articles_stay() -> None:
    text = (
        "Shaquille O’Neal spoke in Los Angeles. Later Shaquille O’Neal flew from Los Angeles "
        "to see The Defenders, and The Defenders won."
    )
    assert {"Shaquille O’Neal", "Los Angeles", "The Defenders"} <= set(_auto("", text))


def _article(source: str, n: int, title: str, text: str, tags: tuple[str, ...] = ()) -> Article:
    return Article(source, f"{source}-{n}", None, title, text=text, tags=tags)


def test_a_sources_own_names_are_no_tag_of_its_posts() -> None:
    games = ["Mass Effect", "Far Cry", "Mortal Kombat", "Rock Band", "Dead Space", "Halo Wars"]
    episodes = [
        _article(
            "Giant Bombcast",
            n,
            f"Giant Bombcast {500 + n}: {game}",
            f"Jeff Gerstmann and the crew talk {game} and more {game}. "
            f"Subscribe to the Bombcast on every app; Jeff Gerstmann thanks you.",
        )
        for n, game in enumerate(games * 2)
    ]
    other = _article(
        "Wire", 0, "Far Cry sells", "Jeff Gerstmann reviewed Far Cry, and Jeff Gerstmann liked it."
    )
    tagged = tag.auto_tags([*episodes, other])
    for article, names in zip(episodes, tagged, strict=False):
        assert not {"Giant Bombcast", "Bombcast", "Jeff Gerstmann"} & set(names), names
        game = article.title.split(": ")[1]
        assert game in names, (article.title, names)
    # Another source's post about the same host keeps him.
    assert set(tagged[-1]) == {"Far Cry", "Jeff Gerstmann"}
    # Learned from the source's recent posts when the pipeline gives them.
    recent = {"Wire": [("Jeff Gerstmann today", "Jeff Gerstmann. Jeff Gerstmann.")] * 10}
    assert tag.auto_tags([other], recent=recent) == [("Far Cry",)]


def test_house_names_need_enough_posts_and_most_of_them() -> None:
    posts = [
        (f"Post {n}", f"Kilgrave returns. Kilgrave again. Topic{n} Topic{n}.") for n in range(12)
    ]
    assert "kilgrave" in tag.house_names(posts)
    assert tag.house_names(posts[:5]) == frozenset()
    half = [
        (t, x.replace("Kilgrave", "Tim Cook") if i % 3 else x) for i, (t, x) in enumerate(posts)
    ]
    assert "kilgrave" not in tag.house_names(half)


def test_a_word_the_feed_writes_in_lower_case_is_no_tag() -> None:
    articles = [
        _article("Blog", 0, "Workflow tips", "Add to Variable, then Choose from List. List it."),
        _article("Blog", 1, "Lists", "Make a list, any list, with Apple Notes and Apple Notes."),
        _article("Blog", 2, "More lists", "A list of lists: the list grows. Apple Notes helps."),
    ]
    tagged = tag.auto_tags(articles)
    assert "List" not in tagged[0]
    assert "Apple Notes" in tagged[1]


@pytest.mark.parametrize(
    "placeholder",
    ["Uncategorized", "uncategorised", "General", "Allgemein", "Non classé", "Sin categoría"],
)
def test_placeholder_categories_are_dropped(placeholder: str) -> None:
    assert tag.tags_for(["Local"], [placeholder, "Politics"], [placeholder]) == (
        "Local",
        "Politics",
    )
    stored = StoredArticle(1, _article("S", 0, "t", "", (placeholder, "Art")), None, "h", "c", T)
    cluster = Cluster("c", (stored,), stored, T)
    assert tag.tag_clusters([cluster], Tagging())[0].tags == ("Art",)


# -- the review corpus ------------------------------------------------------------


def _corpus_articles(tmp_path: Path) -> list[Article]:
    out = []
    for folder in ("netnewswire", "feedjira"):
        config = Config(database=tmp_path / f"{folder}.db", output=tmp_path / folder, processes=1)
        pipeline.ingest_inputs(config, [str(REVIEW / folder)])
        for row in pipeline.export(config):
            if row.get("canonical"):
                title, text = str(row["title"] or ""), str(row["text"] or "")
                out.append(_article(str(row["source"]), int(str(row["id"])), title, text))
    return out


def _ordinary_words(articles: list[Article]) -> set[str]:
    """Words the corpus writes in lower case in 5+ articles, 3 times as often as capitalised."""
    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    for a in articles:
        lower.update(set(re.findall(r"(?<=[a-z,] )([a-z]{3,})(?= )", a.text)))
        capital.update(
            w.casefold() for w in set(re.findall(r"(?<=[a-z,] )([A-Z][a-z]{2,})(?= )", a.text))
        )
    return {w for w, n in lower.items() if n >= 5 and n >= 3 * capital[w]}


@pytest.mark.slow
@pytest.mark.needs_shared(REVIEW)
def test_auto_tags_over_the_review_corpus_hold_no_junk(tmp_path: Path) -> None:
    articles = _corpus_articles(tmp_path)
    assert len(articles) > 1000
    tagged = tag.auto_tags(articles)
    ordinary = _ordinary_words(articles)
    junk = {}
    per_source: dict[str, Counter[str]] = defaultdict(Counter)
    posts: Counter[str] = Counter(a.source for a in articles)
    for article, names in zip(articles, tagged, strict=True):
        per_source[article.source].update(names)
        for name in names:
            why = junk_classes(name)
            if name == name.capitalize() and name.casefold() in ordinary:
                why.append("ordinary word")
            if f" {name.casefold()} " in f" {article.source.casefold()} ":
                why.append("the source's own name")
            if why:
                junk[f"{article.source}: {name}"] = why
    for source, counts in per_source.items():
        if posts[source] >= 10:
            for name, n in counts.items():
                if n > posts[source] / 2:
                    junk[f"{source}: {name}"] = [f"on {n} of its {posts[source]} posts"]
    assert not junk, junk
    found = Counter(n for names in tagged for n in names)
    for name in ("Tim Cook", "San Bernardino", "FC Utrecht", "Apple", "Objective-C"):
        assert found[name] >= 2, (name, found.most_common(30))

"""A headline against a story of bodies, with the story window: judged on the bodies' scale.

With ``dedup.story_vectors`` a headline-only article is compared with a
member that has a body by the window's weighted cosine, the scale the text
bar (``TEXT_STORY_LINK``) was chosen for. The headline bar (``STORY_LINK``,
chosen for the Jaccard of two headlines) let a one-sentence report of a
twin event join a story it touched through one member (ECB+: the 2008
Harry Winston robbery joined the reports of a 2013 Paris ram raid).
"""

from datetime import UTC, datetime
from pathlib import Path

from jjfeed import pipeline, story
from jjfeed.model import Article
from jjfeed.store import Store

NOW = datetime(2024, 5, 1, tzinfo=UTC)
FILLER = (
    "The city council met on Monday. Member{k} spoke about the city budget, the schools and the"
    " roads. Residents asked about parking{k} near the market. The vote was put off until next month."
)
RAID = (
    (
        "Armed robbers hit Paris jewellery store",
        "Armed robbers rammed a car into a jewellery store in Paris on Monday and took diamonds and"
        " watches. The robbers set the car alight near Place Vendome and fled in a second vehicle,"
        " police said. Nobody was hurt in the ram raid, the latest of several in the capital this year.",
    ),
    (
        "Ram raid near Place Vendome",
        "A 4x4 ploughed into a boutique near Place Vendome on Monday. Four men grabbed watches from the"
        " display cases, set the 4x4 alight and fled in a second vehicle. Nobody was hurt in the ram"
        " raid, the latest of several this year, and detectives are reading camera footage of the 4x4.",
    ),
    (
        "Ram raiders set 4x4 alight after boutique raid",
        "Detectives are reading camera footage after four men in a 4x4 rammed a boutique near Place"
        " Vendome on Monday. The ram raiders set the 4x4 alight and fled in a second vehicle with"
        " watches. Nobody was hurt in the raid, the latest of several this year.",
    ),
    (
        "Boutique raided by four men in a 4x4",
        "Four men in a 4x4 rammed a boutique near Place Vendome on Monday and fled with watches in a"
        " second vehicle after setting the 4x4 alight. Detectives are reading camera footage. Nobody"
        " was hurt in the ram raid, the latest of several this year.",
    ),
    (
        "Watches taken in Place Vendome ram raid",
        "Watches were taken on Monday when four men rammed a 4x4 into a boutique near Place Vendome,"
        " set it alight and fled in a second vehicle. Nobody was hurt. Detectives are reading camera"
        " footage of the ram raid, the latest of several this year.",
    ),
)
TWIN = "Armed robbers steal diamonds worth 85 million euros from Harry Winston store in Paris"
SAME = "Ram raiders set 4x4 alight after boutique raid near Place Vendome"


def _joins(tmp_path: Path, headline: str) -> bool:
    """File a weighing window (60 council reports), the raid's five reports, then the
    headline alone; True when the headline's cluster joins the raid's story."""
    with Store(tmp_path / "j.db") as store:
        deduper = pipeline._Deduper(store, NOW, story_vectors=True)
        deduper.prepare()
        with store.transaction():
            for k in range(story.MIN_WINDOW_DOCS + 10):
                text = FILLER.format(k=k)
                deduper.file(
                    Article(
                        source=f"town{k}",
                        guid=f"f{k}",
                        title=f"Council meeting {k}",
                        url=None,
                        published=NOW,
                        text=text,
                    ),
                    0,
                )
            for k, (title, text) in enumerate(RAID):
                deduper.file(
                    Article(
                        source=f"wire{k}",
                        guid=f"r{k}",
                        title=title,
                        url=None,
                        published=NOW,
                        text=text,
                    ),
                    0,
                )
            deduper.file(
                Article(source="brief", guid="h", title=headline, url=None, published=NOW, text=""),
                0,
            )
        stories = store.cluster_stories()
        cluster = {s.article.guid: s.cluster for s in store.articles()}
        raid = {stories[cluster[f"r{k}"]] for k in range(len(RAID))}
        assert len(raid) == 1  # the five reports are one story
        return stories[cluster["h"]] in raid


def test_a_headline_close_to_one_member_of_five_bodies_does_not_join(tmp_path: Path) -> None:
    # Its weighted link to the first report alone is high (the same rare words), but over
    # the story that is a mean under the text bar, though far over the headline bar.
    window = story.StoryWindow()
    for k in range(story.MIN_WINDOW_DOCS + 10):
        terms = story.story_terms(f"Council meeting {k}", FILLER.format(k=k), counts=True)
        window.add(k, NOW, terms, f"town{k}")
    for k, (title, text) in enumerate(RAID):
        window.add(100 + k, NOW, story.story_terms(title, text, counts=True), f"wire{k}")
    sims = window.score(story.story_terms(TWIN, counts=True), range(100, 105), "brief")
    mean = sum(sims.values()) / len(RAID)
    assert story.STORY_LINK <= mean < story.TEXT_STORY_LINK
    assert sum(sims.values()) >= story.STORY_EVIDENCE
    assert not _joins(tmp_path, TWIN)


def test_a_headline_close_to_the_whole_story_joins(tmp_path: Path) -> None:
    assert _joins(tmp_path, SAME)

import re
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from conftest import prose
from jjfeed import dedup
from jjfeed.model import Article, Signature, StoredArticle


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://www.example.com/story/1", "https://example.com/story/1/"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2&fbclid=xyz"),
        ("https://EXAMPLE.com:443/a#comments", "https://example.com/a"),
        # Redirect links stand for the page they send to (Google Alerts, a newspaper's tracker).
        (
            "https://www.google.com/url?rct=j&sa=t&url=https://site.example/news/1&ct=ga&usg=AF",
            "https://site.example/news/1",
        ),
        (
            "https://redir.paper.example/redir/online/rss091/*https://www1.paper.example/a.shtml?x=1",
            "https://www1.paper.example/a.shtml?x=1",
        ),
    ],
)
def test_canonical_url_equates_the_same_page(a: str, b: str) -> None:
    assert dedup.canonical_url(a) == dedup.canonical_url(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/a?id=1", "https://example.com/a?id=2"),
        ("https://example.com/a", "https://example.org/a"),
        ("https://example.com/a", "https://example.com/b"),
        # An address in a page's own query is no redirect (only a redirect parameter is).
        ("https://site.example/page?next=/https://a.example/1", "https://a.example/1"),
        # A search is not a redirect: its q= is words, not an address.
        ("https://search.example/?q=rss+feeds", "https://search.example/?q=atom+feeds"),
        (
            "https://www.google.com/url?url=https://site.example/news/1",
            "https://www.google.com/url?url=https://site.example/news/2",
        ),
    ],
)
def test_canonical_url_keeps_different_pages_apart(a: str, b: str) -> None:
    assert dedup.canonical_url(a) != dedup.canonical_url(b)


def test_canonical_url_rejects_non_web() -> None:
    assert dedup.canonical_url("mailto:x@y") is None
    assert dedup.canonical_url("") is None
    assert dedup.canonical_url("http://[::1") is None


def test_content_hash_ignores_case_spacing_and_punctuation() -> None:
    assert dedup.content_hash("Hello,  World!") == dedup.content_hash("hello world")
    assert dedup.content_hash("hello world") != dedup.content_hash("hello there world")
    assert dedup.hash_key("too short") is None


def test_shingle_hashes() -> None:
    assert len(dedup.shingle_hashes("a b c d")) == 2
    assert len(dedup.shingle_hashes("a b c a b c")) == 3  # "a b c", "b c a", "c a b"
    assert len(dedup.shingle_hashes("A b")) == 1
    assert len(dedup.shingle_hashes("...")) == 0
    assert (dedup.shingle_hashes("The cat, sat!") == dedup.shingle_hashes("the CAT sat")).all()
    assert (dedup.shingle_hashes("a b c") != dedup.shingle_hashes("c b a")).all()


def test_band_keys_are_stable_and_per_band() -> None:
    sig = dedup.signature(prose(9))
    assert sig is not None
    keys = dedup.band_keys(sig)
    assert keys == dedup.band_keys(sig)
    assert len(keys) == len(set(keys)) > 10
    assert all(-(2**63) <= k < 2**63 for k in keys)


def _edit(text: str, every: int) -> str:
    words = text.split()
    return " ".join("changed" if i % every == 0 else w for i, w in enumerate(words))


def test_light_edit_is_a_duplicate_and_lsh_finds_it() -> None:
    base = prose(1, 400)
    edited = _edit(base, 40) + " One more sentence was added at the end of the wire copy."
    assert dedup.similarity(base, edited).duplicate
    index = dedup.Index()
    sig = dedup.signature(base)
    assert sig is not None
    index.add(7, sig)
    other = dedup.signature(edited)
    assert other is not None and index.candidates(other) == [7]


def test_different_articles_are_not_duplicates() -> None:
    a, b = prose(1, 400), prose(2, 400)
    sim = dedup.similarity(a, b)
    assert not sim.duplicate
    index = dedup.Index()
    sig_a, sig_b = dedup.signature(a), dedup.signature(b)
    assert sig_a is not None and sig_b is not None
    index.add(1, sig_a)
    assert index.candidates(sig_b) == []


def test_summary_inside_full_text_is_contained() -> None:
    full = prose(3, 500)
    lead = full.split("\n\n")[0]
    sim = dedup.similarity(lead, full)
    assert sim.containment == 1.0 and sim.duplicate


def test_signature_refuses_other_params() -> None:
    sig = dedup.signature(prose(4))
    assert sig is not None
    index = dedup.Index()
    assert not index.add(1, Signature("other-params", sig.hashvalues))
    assert index.add(1, sig) and len(index) == 1
    assert index.add(1, sig) and len(index) == 1  # re-indexing replaces


def _stored(
    i: int, text: str, priority: int = 0, published: datetime | None = None
) -> StoredArticle:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    art = Article(source=f"s{i}", guid=str(i), url=None, title="t", text=text, published=published)
    return StoredArticle(i, art, None, "h", "c", when, priority)


def test_representative_policy() -> None:
    early = datetime(2026, 10, 1, tzinfo=UTC)
    late = datetime(2026, 10, 2, tzinfo=UTC)
    short, long_ = _stored(1, "a b c", published=early), _stored(2, "a b c d e f", published=late)
    assert dedup.representative([short, long_]).id == 2  # fullest text
    assert dedup.representative([short, _stored(3, "a b c", published=late)]).id == 1  # earliest
    assert dedup.representative([long_, _stored(4, "x", priority=1)]).id == 4  # priority first
    # A copy a reader can follow beats a fuller one saved to a file (no link; its title is
    # the file's name): the feedjira review published "AmazonWebServicesBlogFirstEntryContent".
    linked = replace(short, id=5, article=replace(short.article, url="https://a.example/p"))
    assert dedup.representative([long_, linked]).id == 5


def test_cluster_id_is_stable() -> None:
    assert dedup.new_cluster_id("s", "g") == dedup.new_cluster_id("s", "g")
    assert dedup.new_cluster_id("s", "g") != dedup.new_cluster_id("s", "h")


def test_similar_among_and_survivor() -> None:
    base = prose(31, 400)
    found = dedup.similar_among(base, {1: _edit(base, 40), 2: prose(32, 400), 3: base})
    assert [i for i, _ in found] == [1, 3]
    early, late = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, tzinfo=UTC)
    assert dedup.survivor({"b": early, "a": late}) == "b"
    assert dedup.survivor({"b": early, "a": early}) == "a"


@pytest.mark.parametrize("count", [0, 1, 2, 7, 300, 5000])
def test_fast_min_hashes_equal_datasketch(count: int) -> None:
    """The numpy path must give datasketch's signature exactly, or stored signatures break."""
    rng = np.random.default_rng(count)
    hashes = np.unique(rng.integers(0, 2**32, count, dtype=np.uint64))
    assert dedup.min_hashes(hashes).tolist() == dedup.minhash_of(hashes).hashvalues.tolist()


def test_shingle_hashes_are_the_sorted_unique_crc_folds() -> None:
    """The word cache and the sort-based unique must not change a single hash (stored signatures)."""
    import zlib

    text = "The council met. The council met again, and the COUNCIL voted: ÅBO café 42!"
    tokens = dedup.words(text)
    crc = [zlib.crc32(t.encode()) for t in tokens]
    expected = {
        (crc[i] * 1_000_003**2 + crc[i + 1] * 1_000_003 + crc[i + 2]) % 2**32
        for i in range(len(tokens) - 2)
    }
    got = dedup.shingle_hashes(text)
    assert got.tolist() == sorted(expected)
    assert dedup.shingle_hashes(text).tolist() == got.tolist()  # second call: from the cache
    assert dedup.shingle_hashes("one").tolist() == [zlib.crc32(b"one")]
    assert dedup.shingle_hashes("").tolist() == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "one",
        "a few words only here",
        prose(31, 24),
        prose(32, 25),
        prose(33, 79),
        prose(34, 81),
        prose(35, 500),
        "İstanbul ŞEHİR straße " * 40,
        "x" * 5000 + " " + prose(36, 200),
        "日本語 の テキスト " * 200,
    ],
)
def test_features_match_the_separate_functions(text: str) -> None:
    features = dedup.features(text)
    sig, keys = dedup.lsh_keys(text)
    assert features.signature == sig
    assert features.lsh_keys == keys
    assert features.content_hash == dedup.content_hash(text)
    assert features.hash_key == dedup.hash_key(text)
    # The lead is the first 80 words of the whole text, however far in they end.
    tokens = re.findall(r"\w+", text)
    full, lead = dedup.signatures(text)
    assert full == sig
    assert lead == (dedup.signature(" ".join(tokens[:80])) if sig and len(tokens) > 80 else None)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "!!! ...",
        "Corrections",
        "one two three four",
        "word " * (dedup.MIN_WORDS - 1),
        "word " * dedup.MIN_WORDS,
        "A longer text " * 40,
    ],
)
def test_the_short_key_read_from_the_features_is_the_one_from_the_text(text: str) -> None:
    assert dedup.short_key_of(dedup.features(text)) == dedup.short_text_key(text)


def test_the_written_out_bands_are_the_ones_datasketch_chooses() -> None:
    from datasketch import MinHashLSH

    from jjfeed.dedup import minhash

    lsh = MinHashLSH(threshold=minhash.LSH_THRESHOLD, num_perm=minhash.NUM_PERM)
    assert (lsh.b, lsh.r) == (minhash._BANDS, minhash._ROWS)


def test_jjfeed_starts_without_importing_datasketch() -> None:
    # A cron run that finds every entry unchanged makes no signature: it never pays
    # for datasketch's import of scipy. A fresh interpreter, so other tests' imports
    # do not count.
    import subprocess
    import sys

    code = "import sys, jjfeed.cli; print('datasketch' in sys.modules, 'scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]

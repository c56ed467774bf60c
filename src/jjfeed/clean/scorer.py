"""The page block scorer: boosted trees that decide which leaf blocks stay.

Trained by ``benchmarks/train_blocks.py`` on the WCXB development pages
(LightGBM there; see docs/design.md for why), and shipped as plain trees in
``block_model.json`` beside this module: each node's feature, threshold and
children, each leaf's value. Reading them needs only numpy, so the training
library is not a dependency of jjfeed, and one page's blocks are scored in a
few vectorised steps (every row walks every tree one level per step).

A :class:`BlockScorer` is the ``decide`` argument of ``clean_tree`` and
``clean_page``: plain facts in (``features.BlockFacts``), keep-or-drop out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from jjfeed.clean.features import (
    AGREED,
    CONTENT,
    FEATURE_COUNT,
    BlockFacts,
    is_finished_prose,
    needs_judging,
    page_rows,
)

MODEL_FILE = "block_model.json"
# The training script's knobs that shape the shipped file.
TREES = 300
MAX_DEPTH = 7
# A block stays when the model's probability that it is content reaches this.
KEEP_THRESHOLD = 0.5
# Subheadings: one of these goes with the section it opens (:func:`keep_section_headings`).
HEADINGS: frozenset[str] = frozenset({"h2", "h3", "h4", "h5", "h6"})


class BlockScorer:
    """Boosted trees over ``features.page_rows``, flattened into node arrays."""

    def __init__(
        self,
        feature: np.ndarray,
        threshold: np.ndarray,
        left: np.ndarray,
        right: np.ndarray,
        value: np.ndarray,
        roots: np.ndarray,
        depth: int,
        bias: float = 0.0,
        keep_threshold: float = KEEP_THRESHOLD,
    ) -> None:
        if not 0 < keep_threshold < 1:
            raise ValueError(f"keep threshold must lie between 0 and 1, not {keep_threshold}")
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.value = value
        self.roots = roots
        self.depth = depth
        self.bias = bias
        self.cut = math.log(keep_threshold / (1 - keep_threshold))

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], keep_threshold: float = KEEP_THRESHOLD
    ) -> BlockScorer:
        """From the plain form :func:`trees_from_lightgbm` writes."""
        if data.get("features") != FEATURE_COUNT:
            raise ValueError(
                f"block model has {data.get('features')} features, the code makes {FEATURE_COUNT}"
            )
        return cls(
            feature=np.asarray(data["feature"], dtype=np.intp),
            threshold=np.asarray(data["threshold"], dtype=np.float64),
            left=np.asarray(data["left"], dtype=np.intp),
            right=np.asarray(data["right"], dtype=np.intp),
            value=np.asarray(data["value"], dtype=np.float64),
            roots=np.asarray(data["roots"], dtype=np.intp),
            depth=int(data["depth"]),
            bias=float(data.get("bias", 0.0)),
            keep_threshold=keep_threshold,
        )

    def margins(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        """The raw score (log-odds of content) of each row."""
        x = np.asarray(rows, dtype=np.float64)
        if x.size == 0:
            return np.zeros(0)
        at = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        index = np.arange(len(x))[:, None]
        for _ in range(self.depth):
            goes_left = x[index, self.feature[at]] <= self.threshold[at]
            at = np.where(goes_left, self.left[at], self.right[at])
        return self.value[at].sum(axis=1) + self.bias

    def __call__(self, blocks: Sequence[BlockFacts]) -> list[bool]:
        """Keep or drop each of one page's blocks (in document order).

        A block a phrase rule dropped stays dropped: letting the model keep
        such blocks leaked more boilerplate on held-out sites (see
        docs/design.md). The model decides the blocks the rules would keep,
        except finished prose (``features.needs_judging``).
        """
        keep = [block.reason == CONTENT for block in blocks]
        asked = [index for index, block in enumerate(blocks) if needs_judging(block)]
        if asked:
            margins = self.margins(page_rows(blocks, asked))
            for index, margin in zip(asked, margins, strict=True):
                keep[index] = bool(margin >= self.cut)
        return keep_section_headings(blocks, keep)


def keep_section_headings(blocks: Sequence[BlockFacts], keep: Sequence[bool]) -> list[bool]:
    """A subheading goes with the section it opens.

    A heading no phrase rule dropped, which trafilatura returned too, stays
    when the block after it stays and is finished prose trafilatura returned
    too: "What to expect" over the article's next paragraph is the article's,
    whatever its few words look like to the model. A "Related" heading opens
    teasers, which are not both.
    """
    kept = list(keep)
    for index, (block, after) in enumerate(zip(blocks, blocks[1:], strict=False)):
        if (
            not kept[index]
            and block.tag in HEADINGS
            and block.reason == CONTENT
            and block.agreed >= AGREED
            and kept[index + 1]
            and after.agreed >= AGREED
            and is_finished_prose(after)
        ):
            kept[index] = True
    return kept


def trees_from_lightgbm(dump: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten LightGBM's ``dump_model()`` into node arrays.

    A leaf points to itself on both sides with an infinite threshold, so
    walking ``depth`` steps from every root lands every row on a leaf
    whatever the tree's own depth. Splits must be ``<=`` on present values
    (the features are never missing).
    """
    feature: list[int] = []
    threshold: list[float] = []
    left: list[int] = []
    right: list[int] = []
    value: list[float] = []
    roots: list[int] = []
    depth = 0

    def add(node: Mapping[str, Any], level: int) -> int:
        nonlocal depth
        index = len(feature)
        feature.append(0)
        threshold.append(math.inf)
        left.append(index)
        right.append(index)
        value.append(0.0)
        if "leaf_value" in node:
            value[index] = float(node["leaf_value"])
            depth = max(depth, level)
            return index
        if node.get("decision_type") != "<=":
            raise ValueError(f"unsupported split {node.get('decision_type')!r}")
        feature[index] = int(node["split_feature"])
        threshold[index] = float(node["threshold"])
        left[index] = add(node["left_child"], level + 1)
        right[index] = add(node["right_child"], level + 1)
        return index

    for tree in dump["tree_info"]:
        roots.append(add(tree["tree_structure"], 0))
    return {
        "features": len(dump["feature_names"]),
        "depth": depth,
        "roots": roots,
        "feature": feature,
        "threshold": [t if math.isfinite(t) else 1e308 for t in threshold],
        "left": left,
        "right": right,
        "value": value,
    }


def rules_only(blocks: Sequence[BlockFacts]) -> list[bool]:
    """The phrase rules' verdicts as they stand (what feed entries get)."""
    return [block.reason == CONTENT for block in blocks]


@lru_cache(maxsize=1)
def shipped_scorer() -> BlockScorer:
    """The model in the package, read once."""
    text = resources.files("jjfeed.clean").joinpath(MODEL_FILE).read_text("utf-8")
    return BlockScorer.from_dict(json.loads(text))

"""feeds.yaml keys for publishing: outputs, public_url, hub; errors name file, line and key."""

from pathlib import Path

import pytest

from jjfeed.config import load_config, parse_config
from jjfeed.errors import ConfigError
from jjfeed.model import OutputSpec


def test_outputs_public_url_and_hub_are_read(tmp_path: Path) -> None:
    config = parse_config(
        "public_url: https://feeds.example/jj/\n"
        "hub: https://hub.example/\n"
        "outputs:\n"
        "  - path: .\n"
        "  - path: /tv/\n"
        "    formats: [atom, json, atom]\n"
        "    limit: 20\n"
        "    title: TV\n"
        "    include_tags: [Television]\n"
        "    exclude_tags: [Spoilers]\n"
        "    query: 'marvel -netflix'\n",
        tmp_path / "feeds.yaml",
    )
    assert config.feed.public_url == "https://feeds.example/jj/"
    assert config.feed.hub == "https://hub.example/"
    assert config.outputs == (
        OutputSpec(),
        OutputSpec(
            path="tv",
            formats=("atom", "json"),
            limit=20,
            title="TV",
            include_tags=("Television",),
            exclude_tags=("Spoilers",),
            query="marvel -netflix",
        ),
    )


def test_flags_keep_the_publishing_settings(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("outputs:\n  - path: a\ntags:\n  auto: false\n")
    config = load_config(path, output=tmp_path / "elsewhere")
    assert config.outputs == (OutputSpec(path="a"),) and config.tagging.auto is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hub: ftp://x\n", r"feeds.yaml:1: hub: not an http\(s\) URL"),
        ("public_url: x\n", r"feeds.yaml:1: public_url: not an http\(s\) URL"),
        (
            "hub: https://hub.example/\n",
            r"feeds.yaml:1: hub: a hub needs public_url",
        ),
        ("outputs: []\n", r"feeds.yaml:1: outputs: must be a non-empty list"),
        ("outputs:\n  - formats: [pdf]\n", r"feeds.yaml:2: outputs\[0\].formats: unknown format"),
        ("outputs:\n  - path: ../up\n", r"feeds.yaml:2: outputs\[0\].path: must be a folder"),
        ("outputs:\n  - path: a\n  - path: a/\n", r"feeds.yaml:3: outputs\[1\].path: output 'a'"),
        ("outputs:\n  - limit: 0\n", r"feeds.yaml:2: outputs\[0\].limit: must be at least 1"),
        ("outputs:\n  - colour: red\n", r"feeds.yaml:2: outputs\[0\].colour: unknown key"),
    ],
)
def test_bad_publishing_config(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text, tmp_path / "feeds.yaml")

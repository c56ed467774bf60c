from pathlib import Path

import pytest

from jjfeed.config import Config, load_config, parse_config
from jjfeed.errors import ConfigError

GOOD = """\
title: My feed
link: https://example.org/
sources:
  - name: a
    url: https://a.example/feed.xml
    tags: [news, local]
  - name: b
    path: local/b.xml
    priority: 2
"""


def test_good_config_resolves_paths_against_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(GOOD)
    config = load_config(path)
    assert [s.name for s in config.sources] == ["a", "b"]
    assert config.sources[0].tags == ("news", "local")
    assert config.sources[1].path == tmp_path / "local/b.xml"
    assert config.sources[1].priority == 2
    assert config.database == tmp_path / ".jjfeed/jjfeed.db"
    assert config.output == tmp_path / "output"
    assert config.feed.title == "My feed"
    assert config.feed.limit == 100  # default shipped, not stated in the file


def test_overrides_beat_the_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(GOOD + "database: x.db\n")
    config = load_config(path, database=Path("/tmp/other.db"), output=Path("out"))
    assert config.database == Path("/tmp/other.db")
    assert config.output == Path("out")


def test_missing_optional_config_gives_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.yaml", required=False)
    assert config == Config()


def test_missing_required_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="none.yaml: config file not found"):
        load_config(tmp_path / "none.yaml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "title: x\nsources:\n  - name: a\n    url: https://a/\n    tagz: [x]\n",
            r"f\.yaml:5: sources\[0\]\.tagz: unknown key",
        ),
        ("colour: blue\n", r"f\.yaml:1: colour: unknown key"),
        ("limit: many\n", r"f\.yaml:1: limit: must be an integer, got 'many'"),
        ("limit: 0\n", r"f\.yaml:1: limit: must be at least 1"),
        (
            "sources:\n  - name: a\n    url: https://a/\n    tags: news\n",
            r"f\.yaml:4: sources\[0\]\.tags: must be a list of strings",
        ),
        (
            "sources:\n  - name: a\n",
            r"f\.yaml:2: sources\[0\]: give exactly one of 'url' or 'path'",
        ),
        (
            "sources:\n  - url: https://a/\n",
            r"f\.yaml:2: sources\[0\]: missing required key 'name'",
        ),
        (
            "sources:\n  - name: a\n    url: ftp://a/\n",
            r"f\.yaml:3: sources\[0\]\.url: not an http\(s\) URL",
        ),
        (
            "sources:\n  - {name: a, path: x}\n  - {name: a, path: y}\n",
            r"f\.yaml:3: sources\[1\]\.name: duplicate source name 'a' \(first on line 2\)",
        ),
        ("title: [unclosed\n", r"f\.yaml:2: invalid YAML"),
        ("- just\n- a list\n", r"f\.yaml:1: top level: must be a mapping"),
        ("title: 5\n", r"f\.yaml:1: title: must be a string, got '5'"),
    ],
)
def test_errors_name_file_line_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text, Path("f.yaml"))


def test_empty_file_is_all_defaults() -> None:
    assert parse_config("", Path("f.yaml")).sources == ()

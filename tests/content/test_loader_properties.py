"""Property tests: no input, however odd, makes the loader do anything but load or explain."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.content.errors import ContentInvalid
from bot.content.loader import ContentLoader
from bot.content.safe_yaml import YamlError, read_yaml
from bot.content.schema import BRIEF_FIELD_NAMES
from tests.content_files import GLOSSARY, make_content

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

YAML_ALPHABET = st.sampled_from(
    [*list("abcyNOtrue019:-_ .,#&*!|>'\"[]{}?%@`~\n\t\\"), "  ", "- ", ": ", "\n  ", "é", "\x00"]
)
yaml_like_text = st.lists(YAML_ALPHABET, max_size=80).map("".join)

scalars = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.dates(),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(sorted(BRIEF_FIELD_NAMES)) | st.text(max_size=8), children, max_size=5
        ),
    ),
    max_leaves=20,
)


def _load_brief_file(data: bytes, glossary: str = GLOSSARY) -> None:
    """Load a content folder whose only brief file holds `data`; only ContentInvalid may escape."""
    with tempfile.TemporaryDirectory() as tmp:
        content = make_content(Path(tmp), {"random.yml": data}, glossary)
        try:
            ContentLoader(content).load()
        except ContentInvalid as invalid:
            assert invalid.errors
            for error in invalid.errors:
                assert str(error)


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_never_crash_the_loader(data):
    """Arbitrary bytes as a brief file give a Library or ContentInvalid, nothing else."""
    _load_brief_file(data)


@SETTINGS
@given(yaml_like_text)
def test_random_yaml_text_never_crashes_the_loader(text):
    """Text made of YAML punctuation gives a Library or ContentInvalid, nothing else."""
    _load_brief_file(text.encode("utf-8"))


@SETTINGS
@given(yaml_like_text)
def test_random_yaml_text_as_glossary_never_crashes(text):
    """The same holds for a broken glossary file."""
    _load_brief_file(b"title: T\ndate: 2024-05-01\nsummary: S\n", glossary=text)


@SETTINGS
@given(documents)
def test_random_documents_never_crash_the_loader(document):
    """Well-formed YAML of any shape and types gives a Library or ContentInvalid."""
    _load_brief_file(yaml.safe_dump(document, allow_unicode=True).encode("utf-8"))


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, dict):
        return (
            isinstance(ours, dict)
            and ours.keys() == {str(k) for k in theirs}
            and all(_same(ours[str(k)], v) for k, v in theirs.items())
        )
    if isinstance(theirs, list):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(map(_same, ours, theirs))
    if isinstance(theirs, float) and math.isnan(theirs):
        return isinstance(ours, float) and math.isnan(ours)
    return type(ours) is type(theirs) and ours == theirs


@SETTINGS
@given(documents)
def test_values_match_pyyaml_safe_load(document):
    """read_yaml gives the same values as yaml.safe_load for text-keyed documents."""
    text = yaml.safe_dump(document, allow_unicode=True)
    theirs = yaml.safe_load(text)
    if isinstance(theirs, dict) and not all(isinstance(k, str) for k in theirs):
        return  # read_yaml keeps every key as written text, by design
    ours = read_yaml(text.encode("utf-8")).value
    assert _same(ours, theirs), (text, ours, theirs)


plain_words = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20),
    st.from_regex(
        r"[-+]?(0[bx])?[0-9a-f_]{0,6}(:[0-6]?[0-9]){0,2}(\.[0-9_]*)?([eE][-+]?[0-9]+)?",
        fullmatch=True,
    ),
    st.from_regex(
        r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
        r"([Tt ][0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?( ?(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?",
        fullmatch=True,
    ),
    st.sampled_from(
        [
            "yes",
            "No",
            "ON",
            "off",
            "True",
            "FALSE",
            "y",
            "n",
            "~",
            "null",
            ".inf",
            "-.Inf",
            ".NaN",
            "<<",
            "=",
        ]
    ),
)


@SETTINGS
@given(plain_words)
@example("._0")  # a dot then an underscore is text to PyYAML, not the float 0.0
@example(".5")
def test_plain_scalar_types_match_pyyaml(word):
    """Each unquoted value reads as the same type and value as PyYAML's safe loader."""
    if word.lstrip().startswith("!"):
        return  # a non-specific tag: see test_non_specific_tag_reads_as_text
    text = f"k: {word}\n"
    try:
        theirs = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError):
        with contextlib.suppress(YamlError):
            read_yaml(text.encode("utf-8"))
        return
    if not isinstance(theirs, dict) or list(theirs) != ["k"]:
        return
    try:
        ours = read_yaml(text.encode("utf-8")).value
    except YamlError:
        return  # anchors, aliases and tags are refused on purpose
    value = theirs["k"]
    if isinstance(value, dt.datetime):
        assert isinstance(ours["k"], dt.datetime)
    else:
        assert _same(ours["k"], value), (text, ours["k"], value)


@pytest.mark.parametrize(("text", "expected"), [("k: !\n", ""), ("k: ! 5\n", "5")])
def test_non_specific_tag_reads_as_text(text, expected):
    """A value tagged `!` is text, as YAML 1.2 says (PyYAML would resolve it to null or 5)."""
    assert read_yaml(text.encode()).value["k"] == expected

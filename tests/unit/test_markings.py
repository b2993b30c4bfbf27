# SPDX-License-Identifier: Apache-2.0
"""Markings (SPEC §5): the input forms, the canonical banner, the structured marking.

The data-driven part reads ``tests/vectors/markings.json``; the expected banners there were
written from SPEC §5, not copied from the code's output.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, strategies as st

from clearway.domain.marking import (
    NOFORN,
    ORCON,
    Marking,
    display_banner,
    make_marking,
    parse_marking,
    render_banner,
)
from clearway.domain.reference import RANK_WORDS, Reference
from clearway.errors import InvalidInputError, MarkingError
from clearway.reference import default_reference

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "markings.json").read_text(encoding="utf-8")
)
REFERENCE = default_reference()
VALID: list[dict[str, Any]] = VECTORS["valid"]
INVALID: list[dict[str, Any]] = VECTORS["invalid"]
#: The SPEC §5 input forms the vectors are tagged with.
FORMS = ("us", "aukus", "foreign", "kor", "nato", "fgi", "uk", "aus", "aus-email", "jpn")


def _ids(vectors: list[dict[str, Any]]) -> list[str]:
    return [v["input"] or "<empty>" for v in vectors]


def _parse(text: str, reference: Reference) -> Marking:
    return parse_marking(text, reference).marking


# --- the vectors file itself ----------------------------------------------------------------


def test_vector_inputs_are_unique() -> None:
    counts = Counter(v["input"] for v in VALID + INVALID)
    assert [text for text, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("form", FORMS)
def test_vectors_cover_every_input_form(form: str) -> None:
    assert sum(v["form"] == form for v in VALID) >= 3
    assert sum(v["form"] == form for v in INVALID) >= 2
    assert {v["form"] for v in VALID + INVALID} <= set(FORMS)


@pytest.mark.parametrize("vector", INVALID, ids=_ids(INVALID))
def test_invalid_vector_positions_point_at_the_fragment(vector: dict[str, Any]) -> None:
    """The expected position is where the fragment stands in the input as given."""
    text, fragment, position = vector["input"], vector["fragment"], vector["position"]
    assert position >= 1
    if vector.get("fragment_synthetic"):  # a missing token, named just past the end
        assert position == len(text) + 1
    else:
        assert text[position - 1 : position - 1 + len(fragment)] == fragment


# --- valid vectors ---------------------------------------------------------------------------


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_valid_vector(vector: dict[str, Any], reference: Reference) -> None:
    parsed = parse_marking(vector["input"], reference)
    marking = parsed.marking
    assert marking.originator == vector["originator"]
    assert marking.level == vector["level"]
    assert sorted(marking.releasable_to) == vector["releasable_to"]
    assert sorted(marking.caveats) == vector.get("caveats", [])
    assert sorted(marking.fgi) == vector.get("fgi", [])
    assert marking.programmes == frozenset()
    assert marking.export_controls == frozenset()
    assert render_banner(marking, reference) == vector["canonical"]
    expected_warnings = vector.get("warnings", [])
    if not expected_warnings:
        assert parsed.warnings == ()
    for needle in expected_warnings:
        assert any(needle in warning for warning in parsed.warnings), parsed.warnings


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_canonical_banner_is_a_fixed_point(vector: dict[str, Any], reference: Reference) -> None:
    """render∘parse is idempotent, and the canonical banner parses without warnings."""
    once = render_banner(_parse(vector["input"], reference), reference)
    reparsed = parse_marking(once, reference)
    assert reparsed.warnings == ()
    assert render_banner(reparsed.marking, reference) == once


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_banner_loses_only_the_non_designated_level(
    vector: dict[str, Any], reference: Reference
) -> None:
    """Parsing the banner back gives the same marking, except that the level becomes the
    originator's designated level of the same rank (the banner shows only the rank word)."""
    marking = _parse(vector["input"], reference)
    level = marking.level_of(reference)
    back = _parse(render_banner(marking, reference), reference)
    designated = reference.scheme(marking.originator).designated(level.rank)
    assert designated is not None
    assert back == attrs.evolve(marking, level=designated.name)
    if level.designated:
        assert back == marking


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_canonical_banner_shape(vector: dict[str, Any], reference: Reference) -> None:
    """SPEC §5 banner rules, checked independently of the expected strings."""
    marking = _parse(vector["input"], reference)
    banner = render_banner(marking, reference)
    categories = banner.split("//")
    level = marking.level_of(reference)
    if marking.originator == "USA":
        assert categories[0] == marking.level
        rest = categories[1:]
    elif marking.originator == "NATO":
        assert categories[:2] == ["", marking.level]
        rest = categories[2:]
    else:
        assert categories[:2] == ["", f"{marking.originator} {RANK_WORDS[level.rank]}"]
        rest = categories[2:]
    assert all(rest)
    assert "AUKUS" not in banner
    dissemination = rest[-1].split("/")
    values = [v for v in dissemination if not v.startswith("REL TO ")]
    assert values == [c for c in (ORCON, NOFORN) if c in marking.caveats]
    rel = [v for v in dissemination if v.startswith("REL TO ")]
    if marking.originator == "USA" and marking.releasable_to == {"USA"}:
        assert rel == []
        assert dissemination[-1] == NOFORN
    else:
        assert len(rel) == 1
        assert dissemination[-1] == rel[0]
        codes = rel[0].removeprefix("REL TO ").split(", ")
        assert set(codes) == marking.releasable_to
        usa = ["USA"] if "USA" in codes else []
        trigraphs = sorted(c for c in codes if c not in reference.groups and c != "USA")
        tetragraphs = sorted(c for c in codes if c in reference.groups)
        assert codes == usa + trigraphs + tetragraphs


# --- invalid vectors -------------------------------------------------------------------------


@pytest.mark.parametrize("vector", INVALID, ids=_ids(INVALID))
def test_invalid_vector(vector: dict[str, Any], reference: Reference) -> None:
    with pytest.raises(MarkingError) as caught:
        parse_marking(vector["input"], reference)
    error = caught.value
    assert vector["reason_contains"].casefold() in error.reason.casefold()
    assert (error.fragment, error.position) == (vector["fragment"], vector["position"])
    assert f"(character {vector['position']})" in str(error)
    assert isinstance(error, InvalidInputError)


# --- the structured marking ------------------------------------------------------------------


def test_sds_survives_in_the_structured_marking(reference: Reference) -> None:
    """特定秘密 keeps its level although its banner is that of 極秘."""
    sds = _parse("特定秘密", reference)
    assert sds.level == "特定秘密"
    assert render_banner(sds, reference) == "//JPN SECRET//REL TO JPN"
    assert display_banner(sds, reference) == "//JPN SECRET//REL TO JPN (特定秘密)"
    gokuhi = _parse(render_banner(sds, reference), reference)
    assert gokuhi.level == "極秘"
    assert gokuhi != sds
    assert sds.as_dict() != gokuhi.as_dict()
    structured = make_marking(reference, originator="JPN", level="SDS")
    assert structured == sds


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("極秘", "//JPN SECRET//REL TO JPN (極秘)"),
        ("//JPN SECRET//REL TO JPN", "//JPN SECRET//REL TO JPN (極秘)"),
        ("秘//REL TO USA, JPN", "//JPN CONFIDENTIAL//REL TO USA, JPN (秘)"),
        ("CESI", "//JPN CONFIDENTIAL//REL TO JPN (重要経済安保情報)"),
        ("//KOR SECRET//REL TO KOR", "//KOR SECRET//REL TO KOR (Ⅱ급비밀)"),
        ("//KOR 군사Ⅱ급비밀", "//KOR SECRET//REL TO KOR (군사Ⅱ급비밀)"),
        ("UK OFFICIAL-SENSITIVE", "//GBR RESTRICTED//REL TO GBR (OFFICIAL-SENSITIVE)"),
        ("PROTECTED//AUSTEO", "//AUS RESTRICTED//REL TO AUS (PROTECTED)"),
        ("[SEC=OFFICIAL:Sensitive]", "//AUS RESTRICTED//REL TO AUS (OFFICIAL:Sensitive)"),
        ("//CAN RESTRICTED", "//CAN RESTRICTED//REL TO CAN (PROTECTED B)"),
        # the level's name is the banner's word: nothing to add
        ("UK SECRET", "//GBR SECRET//REL TO GBR"),
        ("//NZL RESTRICTED", "//NZL RESTRICTED//REL TO NZL"),
        ("SECRET//REL TO USA, JPN", "SECRET//REL TO USA, JPN"),
        ("TS//NF", "TOP SECRET//NOFORN"),
        ("NATO SECRET", "//NATO SECRET//REL TO NATO"),
    ],
)
def test_display_banner_shows_the_originators_level_name(
    text: str, shown: str, reference: Reference
) -> None:
    assert display_banner(_parse(text, reference), reference) == shown


def test_spec_banner_examples(reference: Reference) -> None:
    """The SPEC §5 banner examples, built from structured markings."""
    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"originator": "USA", "level": "SECRET", "releasable_to": ["AUS", "GBR", "JPN"]},
            "SECRET//REL TO USA, AUS, GBR, JPN",
        ),
        (
            {"originator": "GBR", "level": "SECRET", "releasable_to": ["USA", "AUS", "JPN"]},
            "//GBR SECRET//REL TO USA, AUS, GBR, JPN",
        ),
        ({"originator": "JPN", "level": "極秘"}, "//JPN SECRET//REL TO JPN"),
        ({"originator": "USA", "level": "TOP SECRET"}, "TOP SECRET//NOFORN"),
        (
            {
                "originator": "USA",
                "level": "CONFIDENTIAL",
                "releasable_to": ["JPN"],
                "caveats": ["ORCON"],
            },
            "CONFIDENTIAL//ORCON/REL TO USA, JPN",
        ),
    ]
    for fields, banner in cases:
        assert render_banner(make_marking(reference, **fields), reference) == banner
    gokuhi = make_marking(reference, originator="JPN", level="極秘")
    assert display_banner(gokuhi, reference) == "//JPN SECRET//REL TO JPN (極秘)"


# --- make_marking ------------------------------------------------------------------------------


def test_make_marking_adds_the_originator_and_normalises(reference: Reference) -> None:
    marking = make_marking(
        reference,
        originator=" gbr ",
        level="secret",
        releasable_to=["usa", "AUS", "USA", "FVEY"],
        caveats=["orcon"],
        programmes=["P2-QUANTUM", "P2-QUANTUM"],
        export_controls=["itar", "EAR"],
    )
    assert marking == Marking(
        originator="GBR",
        level="SECRET",
        releasable_to=frozenset({"AUS", "FVEY", "GBR", "USA"}),
        caveats=frozenset({ORCON}),
        programmes=frozenset({"P2-QUANTUM"}),
        export_controls=frozenset({"EAR", "ITAR"}),
    )
    assert render_banner(marking, reference) == "//GBR SECRET//ORCON/REL TO USA, AUS, GBR, FVEY"


def test_make_marking_spells_the_level_canonically(reference: Reference) -> None:
    assert make_marking(reference, originator="JPN", level="gokuhi").level == "極秘"
    assert make_marking(reference, originator="KOR", level="III급비밀").level == "Ⅲ급비밀"
    assert make_marking(reference, originator="USA", level="TS").level == "TOP SECRET"
    assert make_marking(reference, originator="AUS", level="TOP-SECRET").level == "TOP SECRET"


@pytest.mark.parametrize(
    ("releasable_to", "caveats", "expected"),
    [
        ([], [], {NOFORN}),
        (["USA"], [], {NOFORN}),
        (["USA", "USA"], [NOFORN], {NOFORN}),
        ([], [ORCON], {ORCON, NOFORN}),
        (["GBR"], [], set()),
        (["FVEY"], [ORCON], {ORCON}),
    ],
)
def test_make_marking_noforn_normal_form(
    releasable_to: list[str], caveats: list[str], expected: set[str], reference: Reference
) -> None:
    """For US information, NOFORN is a caveat exactly when USA is the only code."""
    marking = make_marking(
        reference, originator="USA", level="S", releasable_to=releasable_to, caveats=caveats
    )
    assert marking.caveats == expected
    assert (NOFORN in marking.caveats) == (marking.releasable_to == {"USA"})


def test_make_marking_agrees_with_parsing(reference: Reference) -> None:
    for vector in VALID:
        parsed = _parse(vector["input"], reference)
        built = make_marking(
            reference,
            originator=parsed.originator,
            level=parsed.level,
            releasable_to=sorted(parsed.releasable_to - {parsed.originator}),
            caveats=sorted(parsed.caveats),
            fgi=sorted(parsed.fgi),
        )
        assert built == parsed, vector["input"]


def test_make_marking_expands_the_aukus_alias(reference: Reference) -> None:
    marking = make_marking(reference, originator="JPN", level="HI", releasable_to=["AUKUS"])
    assert marking.releasable_to == {"AUS", "GBR", "JPN", "USA"}


@pytest.mark.parametrize(
    ("fields", "field", "needle"),
    [
        ({"originator": "XYZ", "level": "SECRET"}, "originator", "XYZ"),
        ({"originator": "FRA", "level": "SECRET"}, "originator", "FRA"),
        ({"originator": "USA", "level": "PROTECTED"}, "level", "PROTECTED"),
        ({"originator": "GBR", "level": "CONFIDENTIAL"}, "level", "CONFIDENTIAL"),
        ({"originator": "JPN", "level": "SECRET"}, "level", "SECRET"),
        (
            {"originator": "USA", "level": "SECRET", "releasable_to": ["GBR", "XYZ"]},
            "releasable_to",
            "XYZ",
        ),
        ({"originator": "GBR", "level": "SECRET", "releasable_to": ["UK"]}, "releasable_to", "UK"),
        ({"originator": "GBR", "level": "SECRET", "caveats": ["NOFORN"]}, "caveats", "NOFORN"),
        ({"originator": "NATO", "level": "NS", "caveats": ["NOFORN"]}, "caveats", "NOFORN"),
        (
            {
                "originator": "USA",
                "level": "SECRET",
                "releasable_to": ["GBR"],
                "caveats": ["NOFORN"],
            },
            "caveats",
            "NOFORN",
        ),
        ({"originator": "USA", "level": "SECRET", "caveats": ["RELIDO"]}, "caveats", "RELIDO"),
        (
            {"originator": "USA", "level": "SECRET", "export_controls": ["WASSENAAR"]},
            "export_control",
            "WASSENAAR",
        ),
        ({"originator": "USA", "level": "SECRET", "fgi": ["USA"]}, "fgi", "USA"),
        ({"originator": "USA", "level": "SECRET", "fgi": ["GBR", "QQQ"]}, "fgi", "QQQ"),
        (
            {"originator": "USA", "level": "SECRET", "programmes": ["P2", " "]},
            "programmes",
            "empty",
        ),
    ],
)
def test_make_marking_errors_name_the_field(
    fields: dict[str, Any], field: str, needle: str, reference: Reference
) -> None:
    with pytest.raises(MarkingError) as caught:
        make_marking(reference, **fields)
    assert caught.value.field == field
    assert needle in caught.value.reason
    assert caught.value.position is None


# --- as_dict, equality, warnings ---------------------------------------------------------------


def test_as_dict_is_deterministic(reference: Reference) -> None:
    one = make_marking(
        reference,
        originator="USA",
        level="SECRET",
        releasable_to=["JPN", "GBR", "FVEY", "AUS"],
        caveats=["ORCON"],
        programmes=["P2-B", "P2-A"],
        export_controls=["ITAR", "EAR"],
        fgi=["NATO", "JPN", "GBR"],
    )
    two = make_marking(
        reference,
        originator="usa",
        level="S",
        releasable_to=["AUS", "FVEY", "GBR", "JPN", "GBR"],
        caveats=["orcon"],
        programmes=["P2-A", "P2-B"],
        export_controls=["EAR", "ITAR"],
        fgi=["GBR", "JPN", "NATO"],
    )
    assert one == two
    assert hash(one) == hash(two)
    assert one.as_dict() == two.as_dict()
    encoded = json.dumps(one.as_dict(), ensure_ascii=False)
    assert encoded == json.dumps(two.as_dict(), ensure_ascii=False)
    assert one.as_dict() == {
        "originator": "USA",
        "level": "SECRET",
        "releasable_to": ["AUS", "FVEY", "GBR", "JPN", "USA"],
        "caveats": ["ORCON"],
        "programmes": ["P2-A", "P2-B"],
        "export_controls": ["EAR", "ITAR"],
        "fgi": ["GBR", "JPN", "NATO"],
    }


@pytest.mark.parametrize("vector", VALID, ids=_ids(VALID))
def test_as_dict_round_trips(vector: dict[str, Any], reference: Reference) -> None:
    marking = _parse(vector["input"], reference)
    data = marking.as_dict()
    assert list(data) == [
        "originator",
        "level",
        "releasable_to",
        "caveats",
        "programmes",
        "export_controls",
        "fgi",
    ]
    assert all(value == sorted(value) for value in data.values() if isinstance(value, list))
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    rebuilt = make_marking(
        reference,
        originator=str(data["originator"]),
        level=str(data["level"]),
        releasable_to=data["releasable_to"],  # type: ignore[arg-type]
        caveats=data["caveats"],  # type: ignore[arg-type]
        programmes=data["programmes"],  # type: ignore[arg-type]
        export_controls=data["export_controls"],  # type: ignore[arg-type]
        fgi=data["fgi"],  # type: ignore[arg-type]
    )
    assert rebuilt == marking


def test_aukus_warns_and_is_never_rendered(reference: Reference) -> None:
    parsed = parse_marking("SECRET//REL TO USA, AUKUS, JPN", reference)
    assert len(parsed.warnings) == 1
    assert "AUKUS" in parsed.warnings[0]
    assert "not an official tetragraph" in parsed.warnings[0]
    assert "AUS, GBR, USA" in parsed.warnings[0]
    assert "AUKUS" not in parsed.marking.releasable_to
    assert render_banner(parsed.marking, reference) == "SECRET//REL TO USA, AUS, GBR, JPN"
    same = parse_marking("SECRET//REL TO USA, AUS, GBR, JPN", reference)
    assert same.warnings == ()
    assert same.marking == parsed.marking


def test_only_unrecorded_email_elements_warn(reference: Reference) -> None:
    parsed = parse_marking("[SEC=PROTECTED, EXPIRES=2030-01-01]", reference)
    assert parsed.warnings == ("`EXPIRES=2030-01-01` is not recorded by clearway",)
    assert parse_marking("[SEC=PROTECTED]", reference).warnings == ()


def test_full_width_and_ascii_inputs_agree(reference: Reference) -> None:
    pairs = [
        (
            "ＳＥＣＲＥＴ／／ＯＲＣＯＮ／ＲＥＬ　ＴＯ　ＵＳＡ，　ＧＢＲ",
            "SECRET//ORCON/REL TO USA, GBR",
        ),
        ("極秘／／ＲＥＬ　ＴＯ　ＵＳＡ、ＪＰＮ", "極秘//REL TO USA, JPN"),
        ("［ＳＥＣ＝ＰＲＯＴＥＣＴＥＤ］", "[SEC=PROTECTED]"),
        ("//KOR Ⅱ급비밀", "//KOR II급비밀"),
    ]
    for wide, narrow in pairs:
        assert _parse(wide, reference) == _parse(narrow, reference)


def test_error_positions_follow_the_input_as_given(reference: Reference) -> None:
    """Characters that NFKC expands (Ⅲ → III) or composes (decomposed Hangul) count as written."""
    with pytest.raises(MarkingError) as caught:
        parse_marking("//KOR Ⅲ급비밀//REL TO ＸＹＺ, KOR", reference)
    assert (caught.value.fragment, caught.value.position) == ("ＸＹＺ", 20)
    with pytest.raises(MarkingError) as caught:
        parse_marking("Ⅲ급비밀", reference)
    assert (caught.value.fragment, caught.value.position) == ("Ⅲ급비밀", 1)


# --- robustness ----------------------------------------------------------------------------------

_PIECES = [
    "SECRET", "TOP SECRET", "S", "TS", "U", "//", "/", ",", " ", "REL TO ", "REL ", "USA", "GBR",
    "AUS", "JPN", "KOR", "NATO", "FVEY", "AUKUS", "XYZ", "NOFORN", "NF", "ORCON", "FGI ", "UK ",
    " EYES ONLY", "AUSTEO", "PROTECTED", "OFFICIAL", "[SEC=", "]", ", CAVEAT=RI:", "CAVEAT=SH:",
    "極秘", "特定秘密", "、", "／", "，", "ＲＥＬ", "Ⅲ", "급비밀", "\u1100\u1173\u11b8", "\u3099",
    "NATO SECRET", "COSMIC TOP SECRET", "=",
]  # fmt: skip


@given(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join))
def test_parser_accepts_or_names_the_offending_token(text: str) -> None:
    """Any input either parses to a marking whose banner is a fixed point, or fails with a
    MarkingError whose fragment stands at its position in the input as given."""
    failure: MarkingError | None = None
    try:
        parsed = parse_marking(text, REFERENCE)
    except MarkingError as error:
        failure = error
    if failure is None:
        banner = render_banner(parsed.marking, REFERENCE)
        assert render_banner(_parse(banner, REFERENCE), REFERENCE) == banner
        return
    assert failure.position is not None
    assert 1 <= failure.position <= len(text) + 1
    if not failure.reason.startswith("the email form must end with"):  # a missing `]`
        start = failure.position - 1
        assert text[start : start + len(failure.fragment)] == failure.fragment

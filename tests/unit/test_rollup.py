# SPDX-License-Identifier: Apache-2.0
"""Roll-up of portion markings by a compiling nation (SPEC §5), with Hypothesis properties."""

from __future__ import annotations

import json
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
    roll_up,
)
from clearway.domain.reference import Reference
from clearway.errors import MarkingError
from clearway.reference import default_reference

VALID: list[dict[str, Any]] = json.loads(
    (Path(__file__).parents[1] / "vectors" / "markings.json").read_text(encoding="utf-8")
)["valid"]


def _m(text: str, reference: Reference) -> Marking:
    return parse_marking(text, reference).marking


def _rolled(texts: list[str], by: str, reference: Reference) -> Marking:
    return roll_up([_m(t, reference) for t in texts], by, reference)


def _banner(texts: list[str], by: str, reference: Reference) -> str:
    return render_banner(_rolled(texts, by, reference), reference)


# --- SPEC §7 examples --------------------------------------------------------------------------


def test_spec_example_rollup_by_usa(reference: Reference) -> None:
    portions = ["SECRET//REL TO USA, AUS, GBR", "//JPN CONFIDENTIAL//REL TO USA, GBR, JPN"]
    rolled = _rolled(portions, "USA", reference)
    assert render_banner(rolled, reference) == "SECRET//FGI JPN//REL TO USA, GBR"
    assert rolled == Marking(
        originator="USA",
        level="SECRET",
        releasable_to=frozenset({"USA", "GBR"}),
        fgi=frozenset({"JPN"}),
    )


def test_spec_example_compiler_not_releasable(reference: Reference) -> None:
    portions = ["//JPN SECRET//REL TO USA, JPN", "//GBR SECRET//REL TO USA, GBR"]
    with pytest.raises(MarkingError) as caught:
        _rolled(portions, "JPN", reference)
    assert caught.value.field == "portion 2"
    assert "JPN" in caught.value.reason


# --- level ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("portions", "by", "level", "banner"),
    [
        (
            ["SECRET//REL TO USA, GBR", "//GBR RESTRICTED//REL TO USA, GBR"],
            "USA",
            "SECRET",
            "SECRET//FGI GBR//REL TO USA, GBR",
        ),
        # partner RESTRICTED in the USA is protected as US CONFIDENTIAL
        (
            ["UNCLASSIFIED//REL TO USA, GBR", "//GBR RESTRICTED//REL TO USA, GBR"],
            "USA",
            "CONFIDENTIAL",
            "CONFIDENTIAL//FGI GBR//REL TO USA, GBR",
        ),
        # partner CONFIDENTIAL in the UK is protected as UK SECRET
        (
            ["CONFIDENTIAL//REL TO USA, GBR"],
            "GBR",
            "SECRET",
            "//GBR SECRET//FGI USA//REL TO USA, GBR",
        ),
        (
            ["//AUS RESTRICTED//REL TO AUS, GBR"],
            "GBR",
            "OFFICIAL-SENSITIVE",
            "//GBR RESTRICTED//FGI AUS//REL TO AUS, GBR",
        ),
        # Australia has no CONFIDENTIAL: 秘 rounds up to AUS SECRET
        (["秘//REL TO AUS, JPN"], "AUS", "SECRET", "//AUS SECRET//FGI JPN//REL TO AUS, JPN"),
        # foreign rank 1 lands on AUS's designated PROTECTED, not OFFICIAL:Sensitive
        (
            ["//GBR RESTRICTED//REL TO AUS, GBR"],
            "AUS",
            "PROTECTED",
            "//AUS RESTRICTED//FGI GBR//REL TO AUS, GBR",
        ),
        # same rank: the later level of the compiler's order
        (
            ["[SEC=PROTECTED]", "[SEC=OFFICIAL:Sensitive]"],
            "AUS",
            "PROTECTED",
            "//AUS RESTRICTED//REL TO AUS",
        ),
        (
            ["[SEC=OFFICIAL]", "[SEC=UNOFFICIAL]"],
            "AUS",
            "OFFICIAL",
            "//AUS UNCLASSIFIED//REL TO AUS",
        ),
        (
            ["特定秘密//REL TO JPN, USA", "極秘//REL TO JPN, USA"],
            "JPN",
            "特定秘密",
            "//JPN SECRET//REL TO USA, JPN",
        ),
        (
            ["SECRET//REL TO USA, JPN", "SDS//REL TO USA, JPN"],
            "JPN",
            "特定秘密",
            "//JPN SECRET//FGI USA//REL TO USA, JPN",
        ),
        (
            ["CONFIDENTIAL//REL TO USA, JPN", "CESI//REL TO USA, JPN"],
            "JPN",
            "重要経済安保情報",
            "//JPN CONFIDENTIAL//FGI USA//REL TO USA, JPN",
        ),
        (
            ["SECRET//REL TO USA, JPN", "CESI//REL TO USA, JPN"],
            "JPN",
            "極秘",
            "//JPN SECRET//FGI USA//REL TO USA, JPN",
        ),
        # the Japan-ROK agreement rows, in both directions
        (
            ["極秘//REL TO JPN, KOR", "//KOR SECRET//REL TO JPN, KOR"],
            "KOR",
            "군사Ⅱ급비밀",
            "//KOR SECRET//FGI JPN//REL TO JPN, KOR",
        ),
        (
            ["秘//REL TO JPN, KOR"],
            "KOR",
            "군사Ⅲ급비밀",
            "//KOR CONFIDENTIAL//FGI JPN//REL TO JPN, KOR",
        ),
        (
            ["//KOR 군사Ⅱ급비밀//REL TO JPN, KOR"],
            "JPN",
            "極秘",
            "//JPN SECRET//FGI KOR//REL TO JPN, KOR",
        ),
        (
            ["//KOR 군사III급비밀//REL TO JPN, KOR"],
            "JPN",
            "秘",
            "//JPN CONFIDENTIAL//FGI KOR//REL TO JPN, KOR",
        ),
        # rank first: a rank-4 portion beats any rank-3 level
        (
            ["SDS//REL TO USA, JPN", "TS//REL TO USA, JPN"],
            "JPN",
            "機密",
            "//JPN TOP SECRET//FGI USA//REL TO USA, JPN",
        ),
        (
            ["//COSMIC TOP SECRET", "SECRET//REL TO USA, NATO"],
            "USA",
            "TOP SECRET",
            "TOP SECRET//FGI NATO//REL TO USA, NATO",
        ),
    ],
)
def test_level_is_the_highest_translated_into_the_compilers_scheme(
    portions: list[str], by: str, level: str, banner: str, reference: Reference
) -> None:
    for ordered in (portions, portions[::-1]):
        rolled = _rolled(ordered, by, reference)
        assert rolled.originator == by
        assert rolled.level == level
        assert render_banner(rolled, reference) == banner


def test_rolled_up_level_is_displayed_in_the_compilers_own_name(reference: Reference) -> None:
    rolled = _rolled(["SECRET//REL TO USA, JPN", "SDS//REL TO USA, JPN"], "JPN", reference)
    assert display_banner(rolled, reference) == "//JPN SECRET//FGI USA//REL TO USA, JPN (特定秘密)"


# --- releasable-to ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("portions", "banner"),
    [
        (
            ["SECRET//REL TO USA, AUS, GBR, JPN", "SECRET//REL TO USA, GBR, JPN, KOR"],
            "SECRET//REL TO USA, GBR, JPN",
        ),
        # a tetragraph written in every portion is kept
        (
            ["SECRET//REL TO USA, FVEY", "//GBR SECRET//REL TO USA, GBR, FVEY"],
            "SECRET//FGI GBR//REL TO USA, FVEY",
        ),
        # ... and expanded when some portion did not write it
        (
            ["SECRET//REL TO USA, FVEY", "SECRET//REL TO USA, AUS, CAN, GBR, NZL"],
            "SECRET//REL TO USA, AUS, CAN, GBR, NZL",
        ),
        (
            ["SECRET//REL TO USA, FVEY", "SECRET//REL TO USA, ACGU"],
            "SECRET//REL TO USA, AUS, CAN, GBR",
        ),
        (["SECRET//REL TO USA, FVEY", "SECRET//REL TO USA, GBR, JPN"], "SECRET//REL TO USA, GBR"),
        (["SECRET//REL TO USA, NATO", "SECRET//REL TO USA, FVEY"], "SECRET//REL TO USA, CAN, GBR"),
        (
            ["SECRET//REL TO USA, JPN, FVEY", "SECRET//REL TO USA, JPN, FVEY"],
            "SECRET//REL TO USA, JPN, FVEY",
        ),
        # trigraphs written in every portion stay beside a kept tetragraph (register example)
        (
            [
                "//GBR SECRET//REL TO USA, GBR, JPN, NATO",
                "//JPN CONFIDENTIAL//REL TO USA, GBR, JPN, NATO",
                "//NATO SECRET//REL TO USA, GBR, JPN",
                "SECRET//REL TO USA, GBR, JPN, NATO",
            ],
            "SECRET//FGI GBR JPN NATO//REL TO USA, GBR, JPN, NATO",
        ),
        # the AUKUS alias was expanded on input, so it never comes back
        (
            ["SECRET//REL TO AUKUS", "//GBR SECRET//REL TO USA, AUS, GBR, JPN"],
            "SECRET//FGI GBR//REL TO USA, AUS, GBR",
        ),
        # NATO information: the members plus the nations listed
        (
            ["NATO SECRET//REL TO JPN, USA", "SECRET//REL TO USA, JPN, GBR"],
            "SECRET//FGI NATO//REL TO USA, GBR, JPN",
        ),
    ],
)
def test_releasable_is_the_intersection(
    portions: list[str], banner: str, reference: Reference
) -> None:
    for ordered in (portions, portions[::-1]):
        assert _banner(ordered, "USA", reference) == banner


def test_nothing_in_common_but_the_compiler(reference: Reference) -> None:
    rolled = _rolled(["SECRET//REL TO USA, GBR", "SECRET//REL TO USA, JPN"], "USA", reference)
    assert rolled.releasable_to == {"USA"}
    assert rolled.caveats == {NOFORN}
    assert render_banner(rolled, reference) == "SECRET//NOFORN"
    by_gbr = _rolled(["//GBR SECRET", "SECRET//REL TO USA, GBR"], "GBR", reference)
    assert by_gbr.caveats == frozenset()
    assert render_banner(by_gbr, reference) == "//GBR SECRET//FGI USA//REL TO GBR"


def test_any_noforn_portion_leaves_the_originator_only(reference: Reference) -> None:
    portions = ["TOP SECRET//NOFORN", "//GBR SECRET//REL TO USA, GBR", "SECRET//REL TO USA, GBR"]
    rolled = _rolled(portions, "USA", reference)
    assert rolled.releasable_to == {"USA"}
    assert rolled.caveats == {NOFORN}
    assert render_banner(rolled, reference) == "TOP SECRET//FGI GBR//NOFORN"
    with_orcon = _rolled(["S//OC/NF", "SECRET//REL TO USA, FVEY"], "USA", reference)
    assert render_banner(with_orcon, reference) == "SECRET//ORCON/NOFORN"


def test_noforn_information_cannot_be_compiled_abroad(reference: Reference) -> None:
    with pytest.raises(MarkingError) as caught:
        _rolled(["SECRET//REL TO USA, GBR", "SECRET//NOFORN"], "GBR", reference)
    assert caught.value.field == "portion 2"


# --- unions ----------------------------------------------------------------------------------


def test_programmes_caveats_and_export_controls_are_unions(reference: Reference) -> None:
    a = make_marking(
        reference,
        originator="USA",
        level="SECRET",
        releasable_to=["AUS", "GBR"],
        programmes=["P2-QUANTUM"],
        export_controls=["ITAR"],
    )
    b = make_marking(
        reference,
        originator="GBR",
        level="SECRET",
        releasable_to=["USA", "AUS"],
        caveats=["ORCON"],
        programmes=["P2-AUTONOMY", "P2-QUANTUM"],
        export_controls=["UK-SECL"],
    )
    rolled = roll_up([a, b], "USA", reference)
    assert rolled == Marking(
        originator="USA",
        level="SECRET",
        releasable_to=frozenset({"USA", "AUS", "GBR"}),
        caveats=frozenset({ORCON}),
        programmes=frozenset({"P2-AUTONOMY", "P2-QUANTUM"}),
        export_controls=frozenset({"ITAR", "UK-SECL"}),
        fgi=frozenset({"GBR"}),
    )
    assert render_banner(rolled, reference) == "SECRET//FGI GBR//ORCON/REL TO USA, AUS, GBR"


# --- FGI -------------------------------------------------------------------------------------


def test_fgi_lists_foreign_originators_trigraphs_then_tetragraphs(reference: Reference) -> None:
    portions = [
        "//NATO SECRET//REL TO USA",
        "//KOR SECRET//REL TO USA, KOR",
        "//GBR SECRET//REL TO USA, GBR",
        "SECRET//REL TO USA, AUS",
        "極秘//REL TO USA, JPN",
        "[SEC=SECRET, CAVEAT=RI:REL AUS/USA]",
    ]
    rolled = _rolled(portions, "USA", reference)
    assert rolled.fgi == {"AUS", "GBR", "JPN", "KOR", "NATO"}
    assert render_banner(rolled, reference) == "SECRET//FGI AUS GBR JPN KOR NATO//NOFORN"


def test_no_fgi_for_the_compilers_own_portions(reference: Reference) -> None:
    rolled = _rolled(["SECRET//REL TO USA, GBR", "C//REL TO USA, GBR"], "USA", reference)
    assert rolled.fgi == frozenset()
    assert render_banner(rolled, reference) == "SECRET//REL TO USA, GBR"


def test_rollup_of_rollups_unions_fgi(reference: Reference) -> None:
    one = _rolled(
        ["SECRET//REL TO USA, GBR, JPN", "//GBR SECRET//REL TO USA, GBR, JPN"], "USA", reference
    )
    two = _rolled(["極秘//REL TO USA, GBR, JPN"], "USA", reference)
    both = roll_up([one, two], "USA", reference)
    assert both.fgi == {"GBR", "JPN"}
    assert render_banner(both, reference) == "SECRET//FGI GBR JPN//REL TO USA, GBR, JPN"
    # the FGI category of a banner parses back and unions the same way
    parsed = _rolled(
        ["SECRET//FGI GBR//REL TO USA, GBR, JPN", "//JPN SECRET//REL TO USA, GBR, JPN"],
        "USA",
        reference,
    )
    assert parsed == both


def test_a_foreign_compilation_compiled_again(reference: Reference) -> None:
    """A UK roll-up holding US information, rolled up by the USA: the FGI is the UK's; US
    information is never foreign to the USA."""
    uk = _rolled(["SECRET//REL TO USA, GBR", "//GBR SECRET//REL TO USA, GBR"], "GBR", reference)
    assert render_banner(uk, reference) == "//GBR SECRET//FGI USA//REL TO USA, GBR"
    us = roll_up([uk, _m("//JPN SECRET//REL TO USA, GBR, JPN", reference)], "USA", reference)
    assert us.fgi == {"GBR", "JPN"}
    assert render_banner(us, reference) == "SECRET//FGI GBR JPN//REL TO USA, GBR"


def test_rollup_banner_parses_back_to_the_rollup(reference: Reference) -> None:
    rolled = _rolled(
        ["SECRET//REL TO USA, AUS, GBR", "//JPN CONFIDENTIAL//REL TO USA, GBR, JPN"],
        "USA",
        reference,
    )
    assert _m(render_banner(rolled, reference), reference) == rolled


# --- errors -----------------------------------------------------------------------------------


def test_no_portions_is_an_error(reference: Reference) -> None:
    with pytest.raises(MarkingError) as caught:
        roll_up([], "USA", reference)
    assert caught.value.field == "portions"


@pytest.mark.parametrize("by", ["FRA", "XYZ", "", "FVEY"])
def test_compiler_without_a_scheme_is_an_error(by: str, reference: Reference) -> None:
    with pytest.raises(MarkingError) as caught:
        roll_up([_m("SECRET//REL TO USA, FRA, FVEY", reference)], by, reference)
    assert caught.value.field == "by"


def test_compiler_is_case_insensitive(reference: Reference) -> None:
    portions = [_m("SECRET//REL TO USA, GBR", reference)]
    assert roll_up(portions, " gbr ", reference) == roll_up(portions, "GBR", reference)


def test_compiler_releasable_through_a_tetragraph_only(reference: Reference) -> None:
    rolled = _rolled(["SECRET//REL TO USA, FVEY"], "NZL", reference)
    assert render_banner(rolled, reference) == "//NZL SECRET//FGI USA//REL TO USA, NZL, FVEY"


@pytest.mark.parametrize("vector", VALID, ids=[v["input"] for v in VALID])
def test_a_portion_rolled_up_by_its_originator_is_unchanged(
    vector: dict[str, Any], reference: Reference
) -> None:
    marking = _m(vector["input"], reference)
    assert roll_up([marking], marking.originator, reference) == marking


# --- properties --------------------------------------------------------------------------------

REFERENCE = default_reference()
COMPILERS = ("USA", "GBR", "AUS", "JPN", "KOR", "CAN", "NZL")
ORIGINATORS = (*COMPILERS, "NATO")
GROUPS = ("FVEY", "ACGU", "NATO")
CODES = (*COMPILERS, "FRA", "DEU", "ITA", *GROUPS)
PROGRAMMES = ("P2-QUANTUM", "P2-AUTONOMY", "P2-HYPERSONIC")
EXPORT_CONTROLS = ("ITAR", "ITAR-EXCLUDED", "EAR", "DSGL")


@st.composite
def portions_for(draw: st.DrawFn, compiler: str) -> Marking:
    """A portion marking releasable to ``compiler`` (written as its code or as a group)."""
    originator = draw(st.sampled_from(ORIGINATORS))
    level = draw(st.sampled_from(REFERENCE.scheme(originator).levels)).name
    caveats = ["ORCON"] if draw(st.booleans()) else []
    if originator == "USA" == compiler and draw(st.integers(0, 4)) == 0:
        releasable: list[str] = []
        caveats.append("NOFORN")
    else:
        holders = [g for g in GROUPS if compiler in REFERENCE.groups[g]]
        releasable = [draw(st.sampled_from([compiler, *holders]))]
        releasable += draw(st.lists(st.sampled_from(CODES), max_size=5))
    foreign = [c for c in ORIGINATORS if c != originator]
    return make_marking(
        REFERENCE,
        originator=originator,
        level=level,
        releasable_to=releasable,
        caveats=caveats,
        programmes=draw(st.lists(st.sampled_from(PROGRAMMES), max_size=2)),
        export_controls=draw(st.lists(st.sampled_from(EXPORT_CONTROLS), max_size=2)),
        fgi=draw(st.lists(st.sampled_from(foreign), max_size=2)),
    )


@st.composite
def compilations(draw: st.DrawFn, min_size: int = 1) -> tuple[str, list[Marking]]:
    compiler = draw(st.sampled_from(COMPILERS))
    return compiler, draw(st.lists(portions_for(compiler), min_size=min_size, max_size=5))


@given(compilations(), st.randoms(use_true_random=False))
def test_rollup_is_commutative(case: tuple[str, list[Marking]], rnd: Any) -> None:
    compiler, portions = case
    shuffled = list(portions)
    rnd.shuffle(shuffled)
    assert roll_up(shuffled, compiler, REFERENCE) == roll_up(portions, compiler, REFERENCE)


@given(st.data())
def test_rollup_is_associative(data: st.DataObject) -> None:
    compiler = data.draw(st.sampled_from(COMPILERS))
    a, b, c = (data.draw(portions_for(compiler)) for _ in range(3))

    def up(*parts: Marking) -> Marking:
        return roll_up(list(parts), compiler, REFERENCE)

    flat = up(a, b, c)
    assert up(up(a, b), c) == flat
    assert up(a, up(b, c)) == flat
    assert up(up(a), up(b), up(c)) == flat


@given(compilations(min_size=2), st.data())
def test_rollup_of_any_grouping_is_the_flat_rollup(
    case: tuple[str, list[Marking]], data: st.DataObject
) -> None:
    compiler, portions = case
    cut = data.draw(st.integers(1, len(portions) - 1))
    nested = [roll_up(portions[:cut], compiler, REFERENCE), *portions[cut:]]
    assert roll_up(nested, compiler, REFERENCE) == roll_up(portions, compiler, REFERENCE)


@given(compilations())
def test_rollup_follows_the_spec_rules(case: tuple[str, list[Marking]]) -> None:
    compiler, portions = case
    rolled = roll_up(portions, compiler, REFERENCE)
    assert rolled.originator == compiler
    translated = [REFERENCE.translate(p.level_of(REFERENCE), compiler) for p in portions]
    highest = max((lv.rank, lv.index) for lv in translated if lv is not None)
    level = rolled.level_of(REFERENCE)
    assert (level.rank, level.index) == highest
    if any(NOFORN in p.caveats for p in portions):
        assert rolled.releasable_to == {compiler}
    else:
        common = frozenset.intersection(*(p.releasable_nations(REFERENCE) for p in portions))
        assert rolled.releasable_nations(REFERENCE) == common
        written = frozenset.intersection(*(p.releasable_to for p in portions))
        assert written <= rolled.releasable_to
    assert compiler in rolled.releasable_to
    groups = {code for code in rolled.releasable_to if code in REFERENCE.groups}
    assert all(all(g in p.releasable_to for p in portions) for g in groups)
    assert (NOFORN in rolled.caveats) == (compiler == "USA" and rolled.releasable_to == {"USA"})
    assert rolled.caveats - {NOFORN} == set().union(*(p.caveats for p in portions)) - {NOFORN}
    assert rolled.programmes == set().union(*(p.programmes for p in portions))
    assert rolled.export_controls == set().union(*(p.export_controls for p in portions))
    assert rolled.fgi == set().union(*(p.fgi | {p.originator} for p in portions)) - {compiler}


@given(compilations())
def test_rollup_banner_parses_back(case: tuple[str, list[Marking]]) -> None:
    """The banner carries everything but programmes, export controls and a non-designated
    level, which become the designated level of the same rank."""
    compiler, portions = case
    rolled = roll_up(portions, compiler, REFERENCE)
    designated = REFERENCE.scheme(compiler).designated(rolled.level_of(REFERENCE).rank)
    assert designated is not None
    back = parse_marking(render_banner(rolled, REFERENCE), REFERENCE)
    assert back.warnings == ()
    expected = attrs.evolve(
        rolled, level=designated.name, programmes=frozenset(), export_controls=frozenset()
    )
    assert back.marking == expected


def test_rolling_up_banners_instead_of_markings_loses_the_level_detail(
    reference: Reference,
) -> None:
    """Associativity is a property of structured markings. A roll-up re-read from its banner
    has the designated level of its rank (SPEC §5: the banner shows a rank word), so a
    roll-up of banners can differ from the roll-up of the markings."""
    sds = _m("SDS//REL TO USA, JPN", reference)
    us = _m("SECRET//REL TO USA, JPN", reference)
    inner = roll_up([sds, us], "JPN", reference)
    assert inner.level == "特定秘密"
    via_banner = _m(render_banner(inner, reference), reference)
    assert via_banner.level == "極秘"
    assert roll_up([inner, us], "JPN", reference).level == "特定秘密"
    assert roll_up([via_banner, us], "JPN", reference).level == "極秘"

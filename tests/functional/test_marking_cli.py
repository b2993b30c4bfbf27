# SPDX-License-Identifier: Apache-2.0
"""``clearway marking parse|rollup|translate`` (SPEC §2, §5)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from clearway.cli import app

runner = CliRunner()


# --- parse -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("SECRET//REL TO GBR, USA, AUS", "SECRET//REL TO USA, AUS, GBR"),
        ("SECRET//REL TO USA, GBR, GBR", "SECRET//REL TO USA, GBR"),
        ("TOP SECRET//NOFORN", "TOP SECRET//NOFORN"),
        ("CONFIDENTIAL//ORCON/REL TO JPN, USA", "CONFIDENTIAL//ORCON/REL TO USA, JPN"),
        ("//GBR SECRET//REL TO USA, AUS, GBR, JPN", "//GBR SECRET//REL TO USA, AUS, GBR, JPN"),
        ("UK SECRET", "//GBR SECRET//REL TO GBR"),
        ("SECRET//REL AUS/GBR/USA", "//AUS SECRET//REL TO USA, AUS, GBR"),
        ("極秘//REL TO ＵＳＡ，ＪＰＮ", "//JPN SECRET//REL TO USA, JPN"),
        ("NATO SECRET", "//NATO SECRET//REL TO NATO"),
        ("NATO SECRET//REL TO JPN", "//NATO SECRET//REL TO JPN, NATO"),
        ("COSMIC TOP SECRET", "//COSMIC TOP SECRET//REL TO NATO"),
        ("SECRET//REL TO USA, FVEY", "SECRET//REL TO USA, FVEY"),
    ],
)
def test_parse_prints_the_canonical_banner(text: str, canonical: str) -> None:
    result = runner.invoke(app, ["marking", "parse", text])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    # displays may show the originator's own level name beside the banner, e.g. (極秘)
    assert line == canonical or line.startswith(canonical + " ("), line


def test_parse_shows_the_originators_own_level_name() -> None:
    result = runner.invoke(app, ["marking", "parse", "極秘//REL TO USA, JPN"])
    assert result.exit_code == 0
    assert "極秘" in result.stdout


def test_parse_json_gives_the_structured_marking() -> None:
    result = runner.invoke(
        app, ["marking", "parse", "--json", "//JPN CONFIDENTIAL//REL TO USA, JPN"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["canonical"] == "//JPN CONFIDENTIAL//REL TO USA, JPN"
    assert document["originator"] == "JPN"
    assert document["level"] == "秘"  # the originator's level is kept, never a rank word
    assert document["releasable_to"] == ["JPN", "USA"]


def test_parse_warns_about_the_aukus_alias_on_stderr() -> None:
    result = runner.invoke(app, ["marking", "parse", "SECRET//REL TO USA, AUKUS"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "SECRET//REL TO USA, AUS, GBR"
    assert "AUKUS" in result.stderr


@pytest.mark.parametrize(
    ("text", "token", "position"),
    [
        ("SECRET//REL TO USA, XYZ", "XYZ", 21),
        ("SECRET//REL TO GBR", "USA", 9),
        ("SEKRET", "SEKRET", 1),
        ("//GBR CONFIDENTIAL", "CONFIDENTIAL", 7),
        ("SECRET//NOFORN/REL TO USA, GBR", "NOFORN", 9),
        ("SECRET////REL TO USA", "empty", 7),
        ("SECRET//REL TO USA, GBR//REL TO USA", "repeated", 26),
        ("OFFICIAL UK EYES ONLY", "UK EYES ONLY", 10),
        # positions count characters of the text as given (full-width here)
        ("極秘//REL TO ＵＳＡ，ＸＹＺ", "XYZ", 16),
    ],
)
def test_parse_rejects_bad_input_naming_the_token_and_its_position(
    text: str, token: str, position: int
) -> None:
    result = runner.invoke(app, ["marking", "parse", text])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert token in result.stderr
    assert f"character {position})" in result.stderr, result.stderr


# --- rollup ----------------------------------------------------------------------------------


def test_rollup_by_a_compiling_nation() -> None:
    result = runner.invoke(
        app,
        [
            "marking",
            "rollup",
            "--by",
            "USA",
            "SECRET//REL TO USA, AUS, GBR",
            "//JPN CONFIDENTIAL//REL TO USA, GBR, JPN",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "SECRET//FGI JPN//REL TO USA, GBR"


def test_rollup_with_noforn_is_originator_only() -> None:
    result = runner.invoke(
        app, ["marking", "rollup", "--by", "USA", "SECRET//NOFORN", "CONFIDENTIAL//REL TO USA, GBR"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "SECRET//NOFORN"


def test_rollup_not_releasable_to_the_compiling_nation_exits_2() -> None:
    result = runner.invoke(
        app,
        [
            "marking",
            "rollup",
            "--by",
            "JPN",
            "//JPN SECRET//REL TO USA, JPN",
            "//GBR SECRET//REL TO USA, GBR",
        ],
    )
    assert result.exit_code == 2
    assert "JPN" in result.stderr
    assert result.stdout == ""


def test_rollup_needs_by() -> None:
    result = runner.invoke(app, ["marking", "rollup", "SECRET//REL TO USA, GBR"])
    assert result.exit_code == 2


def test_rollup_of_an_invalid_portion_exits_2() -> None:
    result = runner.invoke(app, ["marking", "rollup", "--by", "USA", "SECRET//REL TO USA, XYZ"])
    assert result.exit_code == 2
    assert "XYZ" in result.stderr


# --- translate -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "source", "target", "expected"),
    [
        # Australia abolished CONFIDENTIAL: partner CONFIDENTIAL rounds up to SECRET
        ("CONFIDENTIAL", "USA", "AUS", "AUS SECRET"),
        ("C", "USA", "AUS", "AUS SECRET"),
        # partner CONFIDENTIAL in the UK is protected as UK SECRET
        ("CONFIDENTIAL", "USA", "GBR", "GBR SECRET"),
        # partner RESTRICTED in the USA is protected as US CONFIDENTIAL
        ("RESTRICTED", "NZL", "USA", "USA CONFIDENTIAL"),
        ("SECRET", "GBR", "USA", "USA SECRET"),
        ("CONFIDENTIAL", "USA", "JPN", "JPN 秘"),
        # the Japan–ROK agreement rows
        ("極秘", "JPN", "KOR", "KOR 군사Ⅱ급비밀"),
        ("GOKUHI", "JPN", "KOR", "KOR 군사Ⅱ급비밀"),
        ("秘", "JPN", "KOR", "KOR 군사Ⅲ급비밀"),
        ("SECRET", "USA", "USA", "USA SECRET"),
    ],
)
def test_translate_protects_as(level: str, source: str, target: str, expected: str) -> None:
    result = runner.invoke(app, ["marking", "translate", level, "--from", source, "--to", target])
    assert result.exit_code == 0, result.output
    assert expected in result.stdout, result.stdout


def test_translate_says_whether_an_agreement_row_was_used() -> None:
    by_row = runner.invoke(app, ["marking", "translate", "極秘", "--from", "JPN", "--to", "KOR"])
    rounded = runner.invoke(app, ["marking", "translate", "C", "--from", "USA", "--to", "AUS"])
    assert "agreement" in by_row.stdout
    assert "agreement" not in rounded.stdout


@pytest.mark.parametrize(
    ("args", "token"),
    [
        (["FOO", "--from", "USA", "--to", "AUS"], "FOO"),
        (["SECRET", "--from", "XXX", "--to", "AUS"], "XXX"),
        (["SECRET", "--from", "USA", "--to", "XXX"], "XXX"),
        (["CONFIDENTIAL", "--from", "GBR", "--to", "USA"], "CONFIDENTIAL"),
    ],
)
def test_translate_rejects_unknown_levels_and_schemes(args: list[str], token: str) -> None:
    result = runner.invoke(app, ["marking", "translate", *args])
    assert result.exit_code == 2
    assert token in result.stderr

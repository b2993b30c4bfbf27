# SPDX-License-Identifier: Apache-2.0
"""``clearway demo [--lang en|ja]``: the guided tour of an AUKUS Pillar 2 world with Japan."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from clearway.cli import app
from clearway.domain.decision import RULE_ORDER

runner = CliRunner()


@pytest.fixture(scope="module")
def english() -> Any:
    return runner.invoke(app, ["demo"])


@pytest.fixture(scope="module")
def japanese() -> Any:
    return runner.invoke(app, ["demo", "--lang", "ja"])


def test_the_demo_exits_0(english: Any) -> None:
    assert english.exit_code == 0, english.output
    assert english.stdout.strip()


def test_the_demo_shows_all_nine_reason_codes(english: Any) -> None:
    assert len(RULE_ORDER) == 9
    missing = [r.value for r in RULE_ORDER if r.value not in english.stdout]
    assert missing == []


def test_the_demo_shows_both_actions_and_both_outcomes(english: Any) -> None:
    for word in (" read ", " download ", "PERMIT", "DENY"):
        assert word in english.stdout, word


def test_the_demo_shows_canonical_banners(english: Any) -> None:
    for banner in (
        "//GBR SECRET//REL TO USA, AUS, GBR, JPN",
        "CONFIDENTIAL//REL TO USA, AUS, GBR, JPN",
        "SECRET//FGI JPN//REL TO USA, GBR",
    ):
        assert banner in english.stdout, banner


def test_the_demo_shows_protect_as_translations(english: Any) -> None:
    # Australia abolished CONFIDENTIAL: partner CONFIDENTIAL rounds up to AUS SECRET
    assert "AUS SECRET" in english.stdout
    assert "JPN 秘" in english.stdout


def test_the_demo_in_japanese_exits_0_with_japanese_explanations(japanese: Any) -> None:
    assert japanese.exit_code == 0, japanese.output
    text = japanese.stdout
    assert "有効期限が切れました" in text
    for word in ("許可", "拒否"):
        assert word in text, word
    # the reason codes stay as they are, in either language
    assert [r.value for r in RULE_ORDER if r.value not in text] == []


def test_the_japanese_tour_differs_from_the_english_one(english: Any, japanese: Any) -> None:
    assert "has passed its 10-year validity" in english.stdout
    assert "has passed its 10-year validity" not in japanese.stdout
    assert "有効期限が切れました" not in english.stdout


def test_an_unknown_language_exits_2() -> None:
    result = runner.invoke(app, ["demo", "--lang", "xx"])
    assert result.exit_code == 2
    assert "xx" in result.stderr
    assert result.stdout == ""

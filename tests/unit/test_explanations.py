# SPDX-License-Identifier: Apache-2.0
"""Explanations of failed rules (SPEC §6): one per reason, in rule order, each naming its
marking term in both English and Japanese."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
import yaml

from clearway.domain.decision import Decision, Explanation, Reason
from clearway.domain.facts import World
from clearway.domain.pdp import decide
from tests.factories import utc, world_from_yaml

AT = utc(2026, 6, 1)
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")

Doc = dict[str, Any]


def make_world(**sections: list[Doc]) -> World:
    return world_from_yaml(yaml.safe_dump(sections, allow_unicode=True, sort_keys=False))


def clr(issuer: str, type_: str, granted: str = "2025-01-01", **extra: Any) -> Doc:
    return {"issuer": issuer, "type": type_, "status": "granted", "granted": granted, **extra}


def deny(
    world: World,
    person: str = "P",
    asset: str = "A",
    action: str = "read",
    at: datetime = AT,
) -> Decision:
    decision = decide(world, person, asset, action, at)
    assert decision.permit is False
    assert [e.reason for e in decision.explanations] == list(decision.reasons)
    for explanation in decision.explanations:
        assert explanation.en
        assert JAPANESE.search(explanation.ja), explanation.ja
        assert explanation.text("en") == explanation.en
        assert explanation.text("ja") == explanation.ja
    return decision


def only(decision: Decision, reason: Reason) -> Explanation:
    """The one explanation of a decision that failed exactly ``reason``."""
    assert decision.reasons == (reason,)
    return decision.explanations[0]


def names(explanation: Explanation, *terms: str) -> None:
    """Every term appears in both languages."""
    for term in terms:
        assert term in explanation.en, (term, explanation.en)
        assert term in explanation.ja, (term, explanation.ja)


# --- not-releasable ---------------------------------------------------------------------------


def test_not_releasable_names_the_missing_country() -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["KOR"]}],
        assets=[{"id": "A", "originator": "GBR", "level": "OFFICIAL", "releasable_to": ["USA"]}],
    )
    explanation = only(deny(world), Reason.NOT_RELEASABLE)
    names(explanation, "KOR", "REL TO")
    assert "REL TO does not include KOR" in explanation.en
    assert "USA, GBR" in explanation.en  # the releasable set as rendered, USA first


def test_not_releasable_names_every_nationality() -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["KOR", "JPN"]}],
        assets=[{"id": "A", "originator": "GBR", "level": "OFFICIAL", "releasable_to": ["FVEY"]}],
    )
    explanation = only(deny(world), Reason.NOT_RELEASABLE)
    names(explanation, "JPN", "KOR", "FVEY")


def test_not_releasable_without_a_level_to_protect_it_as() -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["DEU"]}],
        assets=[{"id": "A", "originator": "NATO", "level": "NATO UNCLASSIFIED"}],
    )
    explanation = only(deny(world), Reason.NOT_RELEASABLE)
    names(explanation, "DEU", "NATO UNCLASSIFIED")


# --- the clearance group ----------------------------------------------------------------------


def test_clearance_missing_names_the_issuers_in_rel_to() -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["GBR"], "clearances": [clr("JPN", "SDS")]}],
        assets=[{"id": "A", "originator": "GBR", "level": "SECRET", "releasable_to": ["USA"]}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_MISSING)
    names(explanation, "REL TO", "USA, GBR")
    names(explanation, "JPN SDS")  # the clearance that does not count


def test_clearance_missing_without_any_clearance() -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["AUS"]}],
        assets=[{"id": "A", "originator": "AUS", "level": "PROTECTED", "releasable_to": ["JPN"]}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_MISSING)
    names(explanation, "AUS", "JPN")


@pytest.mark.parametrize(
    ("status", "ja_status"),
    [("suspended", "停止中"), ("revoked", "取消済み"), ("withdrawn", "取下げ済み")],
)
def test_clearance_inactive_names_type_issuer_and_status(status: str, ja_status: str) -> None:
    history = [{"status": "granted", "at": "2020-01-01"}, {"status": status, "at": "2026-03-01"}]
    world = make_world(
        people=[
            {
                "id": "P",
                "nationalities": ["GBR"],
                "clearances": [{"issuer": "GBR", "type": "SC", "history": history}],
            }
        ],
        assets=[{"id": "A", "originator": "GBR", "level": "SECRET"}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_INACTIVE)
    names(explanation, "GBR", "SC", "2026-03-01")
    assert status in explanation.en
    assert ja_status in explanation.ja


def test_clearance_inactive_names_only_the_inactive_relevant_one() -> None:
    history = [{"status": "applied", "at": "2025-01-01"}]
    world = make_world(
        people=[
            {
                "id": "P",
                "nationalities": ["GBR"],
                "clearances": [
                    {"issuer": "AUS", "type": "NV1", "history": history},
                    clr("JPN", "SDS"),
                ],
            }
        ],
        assets=[{"id": "A", "originator": "GBR", "level": "SECRET", "releasable_to": ["AUS"]}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_INACTIVE)
    names(explanation, "AUS", "NV1", "2025-01-01")
    assert "applied" in explanation.en
    assert "申請中" in explanation.ja
    assert "SDS" not in explanation.en


def test_clearance_expired_names_the_expiry_date() -> None:
    world = make_world(
        people=[
            {"id": "P", "nationalities": ["GBR"], "clearances": [clr("GBR", "SC", "2015-03-01")]}
        ],
        assets=[{"id": "A", "originator": "GBR", "level": "SECRET"}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_EXPIRED)
    names(explanation, "GBR", "SC", "2025-03-01")


def test_clearance_expired_names_an_explicit_expiry() -> None:
    world = make_world(
        people=[
            {
                "id": "P",
                "nationalities": ["USA"],
                "clearances": [clr("USA", "SECRET", "2024-01-01", expires="2026-02-14")],
            }
        ],
        assets=[{"id": "A", "originator": "USA", "level": "SECRET"}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_EXPIRED)
    names(explanation, "USA", "SECRET", "2026-02-14")


def test_clearance_expired_after_reinstatement_names_the_expiry_date() -> None:
    history = [
        {"status": "granted", "at": "2015-03-01"},
        {"status": "suspended", "at": "2024-01-01"},
        {"status": "granted", "at": "2026-01-01"},  # reinstated; expired since 2025-03-01
    ]
    world = make_world(
        people=[
            {
                "id": "P",
                "nationalities": ["GBR"],
                "clearances": [{"issuer": "GBR", "type": "SC", "history": history}],
            }
        ],
        assets=[{"id": "A", "originator": "GBR", "level": "SECRET"}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_EXPIRED)
    names(explanation, "GBR", "SC", "2025-03-01")
    assert "2026-01-01" not in explanation.en


@pytest.mark.parametrize(
    ("nationality", "clearance", "asset", "terms"),
    [
        # JPN CESI (ceiling 重要経済安保情報) vs GBR SECRET, protected in JPN as 極秘
        (
            "JPN",
            clr("JPN", "CESI"),
            {"originator": "GBR", "level": "SECRET", "releasable_to": ["JPN"]},
            ("JPN", "CESI", "重要経済安保情報", "極秘"),
        ),
        # AUS BASELINE (ceiling PROTECTED) vs US CONFIDENTIAL, protected in AUS as SECRET
        (
            "AUS",
            clr("AUS", "BASELINE"),
            {"originator": "USA", "level": "CONFIDENTIAL", "releasable_to": ["AUS"]},
            ("AUS", "BASELINE", "PROTECTED", "SECRET"),
        ),
        # KOR Ⅲ급 vs JPN 特定秘密: the Japan–ROK row protects it as 군사Ⅱ급비밀
        (
            "KOR",
            clr("KOR", "Ⅲ급"),
            {"originator": "JPN", "level": "特定秘密", "releasable_to": ["KOR"]},
            ("KOR", "Ⅲ급", "Ⅲ급비밀", "군사Ⅱ급비밀"),
        ),
    ],
)
def test_clearance_insufficient_names_type_issuer_ceiling_and_translated_level(
    nationality: str, clearance: Doc, asset: Doc, terms: tuple[str, ...]
) -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": [nationality], "clearances": [clearance]}],
        assets=[{"id": "A", **asset}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_INSUFFICIENT)
    names(explanation, *terms)


def test_clearance_insufficient_row_not_round_up() -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["KOR"], "clearances": [clr("KOR", "Ⅲ급")]}],
        assets=[{"id": "A", "originator": "JPN", "level": "極秘", "releasable_to": ["KOR"]}],
    )
    explanation = only(deny(world), Reason.CLEARANCE_INSUFFICIENT)
    assert "as 군사Ⅱ급비밀" in explanation.en  # the agreement row, not the designated Ⅱ급비밀


# --- need-to-know -------------------------------------------------------------------------------


def test_need_to_know_names_the_missing_programme() -> None:
    world = make_world(
        programmes=[
            {"id": "AUKUS-P2-QUANTUM", "nations": ["AUS", "GBR", "JPN", "USA"]},
            {"id": "AUKUS-P2-HYPERSONIC", "nations": ["AUS", "GBR", "JPN", "USA"]},
        ],
        people=[
            {
                "id": "P",
                "nationalities": ["JPN"],
                "read_on": [{"programme": "AUKUS-P2-HYPERSONIC"}],
            }
        ],
        assets=[
            {
                "id": "A",
                "originator": "GBR",
                "level": "OFFICIAL",
                "releasable_to": ["JPN"],
                "programmes": ["AUKUS-P2-QUANTUM", "AUKUS-P2-HYPERSONIC"],
            }
        ],
    )
    explanation = only(deny(world), Reason.NEED_TO_KNOW)
    names(explanation, "AUKUS-P2-QUANTUM")
    assert "AUKUS-P2-HYPERSONIC" not in explanation.en
    assert "AUKUS-P2-HYPERSONIC" not in explanation.ja


def test_need_to_know_names_the_nato_programme() -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["USA"], "clearances": [clr("USA", "SECRET")]}],
        assets=[{"id": "A", "originator": "NATO", "level": "NATO SECRET"}],
    )
    explanation = only(deny(world), Reason.NEED_TO_KNOW)
    names(explanation, "NATO")


# --- facility clearance -----------------------------------------------------------------------


def test_facility_names_employer_and_translated_level() -> None:
    world = make_world(
        organisations=[{"id": "ORG-BAE", "nation": "GBR"}],
        people=[
            {
                "id": "P",
                "nationalities": ["GBR"],
                "employer": "ORG-BAE",
                "clearances": [clr("GBR", "SC")],
            }
        ],
        assets=[
            {"id": "A", "originator": "USA", "level": "CONFIDENTIAL", "releasable_to": ["GBR"]}
        ],
    )
    explanation = only(deny(world, action="download"), Reason.FACILITY_CLEARANCE)
    names(explanation, "ORG-BAE", "GBR", "SECRET")  # US CONFIDENTIAL is protected as GBR SECRET


def test_facility_names_the_missing_employer() -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["USA"], "clearances": [clr("USA", "SECRET")]}],
        assets=[{"id": "A", "originator": "USA", "level": "SECRET"}],
    )
    explanation = only(deny(world, action="download"), Reason.FACILITY_CLEARANCE)
    assert "no employer" in explanation.en
    assert "所属組織がありません" in explanation.ja


# --- export authorisation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("controls", "term"),
    [(["ITAR"], "ITAR"), (["ITAR-EXCLUDED"], "ITAR-EXCLUDED"), (["ITAR", "EAR"], "ITAR")],
)
def test_export_names_the_control(controls: list[str], term: str) -> None:
    world = make_world(
        people=[{"id": "P", "nationalities": ["JPN"]}],
        assets=[
            {
                "id": "A",
                "originator": "USA",
                "level": "UNCLASSIFIED",
                "releasable_to": ["JPN"],
                "export_control": controls,
            }
        ],
    )
    explanation = only(deny(world), Reason.EXPORT_AUTHORISATION_REQUIRED)
    names(explanation, term, "JPN")
    if term == "ITAR":
        assert "ITAR-EXCLUDED" not in explanation.en
        assert "ITAR-EXCLUDED" not in explanation.ja


def test_export_names_the_employer_that_is_not_an_authorised_user() -> None:
    world = make_world(
        organisations=[{"id": "ORG-BAE", "nation": "GBR"}],
        people=[{"id": "P", "nationalities": ["GBR"], "employer": "ORG-BAE"}],
        assets=[
            {
                "id": "A",
                "originator": "USA",
                "level": "UNCLASSIFIED",
                "releasable_to": ["GBR"],
                "export_control": "ITAR",
            }
        ],
    )
    explanation = only(deny(world), Reason.EXPORT_AUTHORISATION_REQUIRED)
    names(explanation, "ITAR", "ORG-BAE", "AUKUS")


# --- originator approval --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("originator", "level"), [("USA", "UNCLASSIFIED"), ("GBR", "OFFICIAL"), ("AUS", "OFFICIAL")]
)
def test_orcon_names_orcon_and_the_originator(originator: str, level: str) -> None:
    world = make_world(
        organisations=[{"id": "ORG-MHI", "nation": "JPN"}],
        people=[{"id": "P-TANAKA", "nationalities": ["JPN"], "employer": "ORG-MHI"}],
        assets=[
            {
                "id": "A",
                "originator": originator,
                "level": level,
                "releasable_to": ["JPN"],
                "caveats": ["ORCON"],
            }
        ],
    )
    explanation = only(deny(world, "P-TANAKA"), Reason.ORIGINATOR_APPROVAL_REQUIRED)
    names(explanation, "ORCON", originator, "P-TANAKA", "ORG-MHI", "JPN")


# --- several at once ----------------------------------------------------------------------------


def test_one_explanation_per_reason_in_rule_order() -> None:
    world = make_world(
        programmes=[{"id": "P2", "nations": ["AUS", "GBR", "JPN", "USA"]}],
        people=[{"id": "P", "nationalities": ["JPN"]}],
        assets=[
            {
                "id": "A",
                "originator": "USA",
                "level": "SECRET",
                "programmes": ["P2"],
                "caveats": ["ORCON"],
                "export_control": "ITAR",
            }
        ],
    )
    decision = deny(world, action="download")
    assert decision.reasons == (
        Reason.NOT_RELEASABLE,
        Reason.CLEARANCE_MISSING,
        Reason.NEED_TO_KNOW,
        Reason.FACILITY_CLEARANCE,
        Reason.EXPORT_AUTHORISATION_REQUIRED,
        Reason.ORIGINATOR_APPROVAL_REQUIRED,
    )
    by_reason = {e.reason: e for e in decision.explanations}
    names(by_reason[Reason.NOT_RELEASABLE], "JPN")
    names(by_reason[Reason.NEED_TO_KNOW], "P2")
    names(by_reason[Reason.EXPORT_AUTHORISATION_REQUIRED], "ITAR")
    names(by_reason[Reason.ORIGINATOR_APPROVAL_REQUIRED], "ORCON", "USA")

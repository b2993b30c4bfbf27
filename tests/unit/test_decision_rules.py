# SPDX-License-Identifier: Apache-2.0
"""The access decision (SPEC §6): each of the nine reason codes appears exactly when its rule
fails, every failing rule is reported in rule order, permits carry their obligations, and bad
requests are errors, never denies. Worlds are written in the scenario format (SPEC §7)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml

from clearway.domain.decision import (
    RULE_ORDER,
    Action,
    Decision,
    DecisionError,
    Obligation,
    Reason,
)
from clearway.domain.facts import World
from clearway.domain.pdp import Request, decide, decide_batch, readable_assets, readers
from clearway.errors import InvalidInputError, NotFoundError
from tests.factories import utc, world_from_yaml

AT = utc(2026, 6, 1)
MICRO = timedelta(microseconds=1)

NR = "not-releasable"
MISSING = "clearance-missing"
INACTIVE = "clearance-inactive"
EXPIRED = "clearance-expired"
INSUFFICIENT = "clearance-insufficient"
NTK = "need-to-know"
FACILITY = "facility-clearance"
EXPORT = "export-authorisation-required"
APPROVAL = "originator-approval-required"

Doc = dict[str, Any]


# --- builders -----------------------------------------------------------------------------------


def make_world(
    *,
    people: list[Doc] | None = None,
    assets: list[Doc] | None = None,
    organisations: list[Doc] | None = None,
    programmes: list[Doc] | None = None,
    visits: list[Doc] | None = None,
    approvals: list[Doc] | None = None,
) -> World:
    """A world from scenario-format documents (dumped as YAML, read by the scenario loader)."""
    doc: Doc = {
        "organisations": organisations or [],
        "people": people or [],
        "programmes": programmes or [],
        "visits": visits or [],
        "assets": assets or [],
        "approvals": approvals or [],
    }
    return world_from_yaml(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


def person(
    nationalities: list[str],
    *clearances: Doc,
    ident: str = "P",
    employer: str | None = None,
    read_on: list[Doc] | None = None,
    export_authorisations: list[Doc] | None = None,
) -> Doc:
    doc: Doc = {"id": ident, "nationalities": nationalities, "clearances": list(clearances)}
    if employer is not None:
        doc["employer"] = employer
    if read_on is not None:
        doc["read_on"] = read_on
    if export_authorisations is not None:
        doc["export_authorisations"] = export_authorisations
    return doc


def asset(
    originator: str,
    level: str,
    releasable_to: list[str] | None = None,
    *,
    ident: str = "A",
    programmes: list[str] | None = None,
    caveats: list[str] | None = None,
    export_control: list[str] | None = None,
) -> Doc:
    doc: Doc = {"id": ident, "originator": originator, "level": level}
    if releasable_to is not None:
        doc["releasable_to"] = releasable_to
    if programmes is not None:
        doc["programmes"] = programmes
    if caveats is not None:
        doc["caveats"] = caveats
    if export_control is not None:
        doc["export_control"] = export_control
    return doc


def clr(issuer: str, type_: str, granted: str = "2025-01-01", **extra: Any) -> Doc:
    """A clearance granted on ``granted`` (``status`` may be overridden: interim)."""
    return {"issuer": issuer, "type": type_, "status": "granted", "granted": granted, **extra}


def hist(issuer: str, type_: str, *entries: tuple[str, str]) -> Doc:
    """A clearance given by its history of (status, date)."""
    return {
        "issuer": issuer,
        "type": type_,
        "history": [{"status": status, "at": at} for status, at in entries],
    }


def fhist(type_: str, *entries: tuple[str, str]) -> Doc:
    """A facility clearance given by its history of (status, date)."""
    return {"type": type_, "history": [{"status": status, "at": at} for status, at in entries]}


def org(ident: str, nation: str, *facility: Doc, **extra: Any) -> Doc:
    return {"id": ident, "nation": nation, "facility_clearances": list(facility), **extra}


def fcl(type_: str, granted: str = "2020-01-01", **extra: Any) -> Doc:
    return {"type": type_, "status": "granted", "granted": granted, **extra}


def codes(
    world: World,
    person_id: str = "P",
    asset_id: str = "A",
    action: str = "read",
    at: datetime = AT,
) -> tuple[str, ...]:
    """The reason codes of one decision, in the order reported."""
    return tuple(reason.value for reason in decide(world, person_id, asset_id, action, at).reasons)


def single(
    who: Doc,
    what: Doc,
    *,
    action: str = "read",
    at: datetime = AT,
    organisations: list[Doc] | None = None,
    programmes: list[Doc] | None = None,
) -> tuple[str, ...]:
    world = make_world(
        people=[who], assets=[what], organisations=organisations, programmes=programmes
    )
    return codes(world, who["id"], what["id"], action, at)


US_S = clr("USA", "SECRET")
US_C = clr("USA", "CONFIDENTIAL")
GB_SC = clr("GBR", "SC")
GB_BPSS = clr("GBR", "BPSS")
GB_CTC = clr("GBR", "CTC")
AU_BASE = clr("AUS", "BASELINE")
AU_NV1 = clr("AUS", "NV1")
JP_CESI = clr("JPN", "CESI")
JP_SDS = clr("JPN", "SDS")
KR_3 = clr("KOR", "Ⅲ급")
KR_2 = clr("KOR", "Ⅱ급")


def test_reason_codes_and_rule_order() -> None:
    assert [r.value for r in RULE_ORDER] == [
        NR,
        MISSING,
        INACTIVE,
        EXPIRED,
        INSUFFICIENT,
        NTK,
        FACILITY,
        EXPORT,
        APPROVAL,
    ]


# --- rule 1: not-releasable ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nationalities", "releasable_to", "expected"),
    [
        (["JPN"], ["USA"], (NR,)),
        (["GBR"], ["USA"], ()),  # the originator is always included
        (["USA"], ["USA"], ()),
        (["JPN", "GBR"], ["USA"], ()),  # dual nationality: one in the set suffices
        (["JPN", "KOR"], ["USA"], (NR,)),
        (["KOR"], ["USA", "JPN"], (NR,)),
        (["CAN"], ["FVEY"], ()),
        (["NZL"], ["FVEY"], ()),
        (["JPN"], ["FVEY"], (NR,)),
        (["CAN"], ["ACGU"], ()),
        (["NZL"], ["ACGU"], (NR,)),
        (["CAN"], ["NATO"], ()),
        (["USA"], ["NATO"], ()),
        (["AUS"], ["NATO"], (NR,)),
        (["JPN"], ["NATO"], (NR,)),
        (["AUS"], ["AUKUS"], ()),  # AUKUS: an input alias for AUS, GBR, USA
        (["USA"], ["AUKUS"], ()),
        (["CAN"], ["AUKUS"], (NR,)),
        (["JPN"], ["AUKUS"], (NR,)),
        (["JPN", "CAN"], ["AUKUS", "JPN"], ()),
    ],
)
def test_rule1_releasable_to(
    nationalities: list[str], releasable_to: list[str], expected: tuple[str, ...]
) -> None:
    # GBR OFFICIAL has rank 0: no other rule can fail
    assert single(person(nationalities), asset("GBR", "OFFICIAL", releasable_to)) == expected


@pytest.mark.parametrize(
    ("nationalities", "releasable_to", "expected"),
    [
        (["USA"], None, ()),  # NATO information: releasable to the NATO members
        (["GBR"], None, ()),
        (["JPN"], None, (NR,)),
        (["JPN"], ["JPN"], ()),  # ... plus any nation listed
        (["AUS"], ["JPN"], (NR,)),
    ],
)
def test_rule1_nato_information(
    nationalities: list[str], releasable_to: list[str] | None, expected: tuple[str, ...]
) -> None:
    what = asset("NATO", "NATO UNCLASSIFIED", releasable_to)
    assert single(person(nationalities), what) == expected


def test_rule1_nation_without_a_level_cannot_receive() -> None:
    # SPEC §2: N with no level to protect the information as cannot receive it (rule 1 fails
    # for N); DEU is a NATO member but has no scheme in the shipped data.
    what = asset("NATO", "NATO UNCLASSIFIED")
    assert single(person(["DEU"]), what) == (NR,)
    assert single(person(["DEU", "USA"]), what) == ()


def test_rule1_alone_for_a_cleared_person() -> None:
    # a valid clearance does not hide rule 1, and rule 1 does not hide anything else
    assert single(person(["JPN"], JP_SDS, US_S), asset("USA", "SECRET", ["GBR"])) == (NR,)


# --- rule 2: the clearance group --------------------------------------------------------------


@pytest.mark.parametrize(
    ("nationalities", "clearances", "what", "expected"),
    [
        # skipped at rank 0
        (["JPN"], [], asset("USA", "UNCLASSIFIED", ["JPN"]), ()),
        (["GBR"], [], asset("GBR", "OFFICIAL"), ()),
        (["AUS"], [], asset("AUS", "UNOFFICIAL"), ()),
        # skipped below the personnel threshold of a nationality in the releasable set
        (["AUS"], [], asset("AUS", "OFFICIAL:Sensitive"), ()),
        (["USA"], [], asset("AUS", "OFFICIAL:Sensitive", ["USA"]), (MISSING,)),
        (["USA", "AUS"], [], asset("AUS", "OFFICIAL:Sensitive", ["USA"]), ()),
        (["JPN"], [], asset("GBR", "OFFICIAL-SENSITIVE", ["JPN"]), ()),  # → 取扱注意 < 秘
        (["JPN"], [], asset("AUS", "PROTECTED", ["JPN"]), ()),
        (["KOR"], [], asset("GBR", "OFFICIAL-SENSITIVE", ["KOR"]), ()),  # → 대외비 < Ⅲ급비밀
        (["NZL"], [], asset("NZL", "RESTRICTED"), ()),
        (["CAN"], [], asset("CAN", "PROTECTED B"), (MISSING,)),  # at CAN's threshold
        # GBR's threshold is OFFICIAL-SENSITIVE itself (BPSS): not below it
        (["GBR"], [], asset("GBR", "OFFICIAL-SENSITIVE"), (MISSING,)),
        (["GBR"], [GB_BPSS], asset("GBR", "OFFICIAL-SENSITIVE"), ()),
        (["USA"], [], asset("GBR", "OFFICIAL-SENSITIVE", ["USA"]), (MISSING,)),  # → US C
        # JPN is not in the releasable set: its low threshold does not skip the rule
        (["GBR", "JPN"], [], asset("GBR", "OFFICIAL-SENSITIVE"), (MISSING,)),
        (["AUS"], [], asset("AUS", "PROTECTED"), (MISSING,)),
        (["AUS"], [AU_BASE], asset("AUS", "PROTECTED"), ()),
        # only clearances issued by a nation in the releasable set count
        (["AUS"], [US_S], asset("GBR", "SECRET", ["AUS"]), (MISSING,)),
        (["AUS"], [US_S], asset("GBR", "SECRET", ["AUS", "USA"]), ()),
        (["GBR"], [JP_SDS], asset("JPN", "極秘", ["GBR"]), ()),  # issuer, not nationality
        (["GBR", "JPN"], [GB_SC], asset("JPN", "極秘"), (MISSING,)),
        (["CAN"], [US_S], asset("GBR", "SECRET", ["FVEY"]), ()),  # a tetragraph's member
        # protect-as translation into the issuer's scheme
        (["GBR"], [GB_SC], asset("USA", "CONFIDENTIAL", ["GBR"]), ()),  # → GBR SECRET
        (["GBR"], [GB_CTC], asset("USA", "CONFIDENTIAL", ["GBR"]), (INSUFFICIENT,)),
        (["AUS"], [AU_BASE], asset("USA", "CONFIDENTIAL", ["AUS"]), (INSUFFICIENT,)),
        (["AUS"], [AU_NV1], asset("USA", "CONFIDENTIAL", ["AUS"]), ()),  # → AUS SECRET
        (["USA"], [US_C], asset("GBR", "OFFICIAL-SENSITIVE", ["USA"]), ()),  # → US C
        (["USA"], [US_C], asset("GBR", "SECRET", ["USA"]), (INSUFFICIENT,)),
        (["JPN"], [JP_CESI], asset("GBR", "SECRET", ["JPN"]), (INSUFFICIENT,)),  # → 極秘
        (["JPN"], [JP_SDS], asset("GBR", "SECRET", ["JPN"]), ()),
        (["JPN"], [JP_CESI], asset("JPN", "秘"), ()),
        (["JPN"], [JP_CESI], asset("JPN", "特定秘密"), (INSUFFICIENT,)),
        # the Japan–ROK rows
        (["JPN"], [JP_CESI], asset("KOR", "군사Ⅲ급비밀", ["JPN"]), ()),  # → 秘
        (["JPN"], [JP_CESI], asset("KOR", "군사Ⅱ급비밀", ["JPN"]), (INSUFFICIENT,)),  # → 極秘
        (["JPN"], [JP_SDS], asset("KOR", "군사Ⅱ급비밀", ["JPN"]), ()),
        (["KOR"], [KR_3], asset("JPN", "秘", ["KOR"]), ()),  # → 군사Ⅲ급비밀
        (["KOR"], [KR_3], asset("JPN", "特定秘密", ["KOR"]), (INSUFFICIENT,)),  # → 군사Ⅱ급비밀
        (["KOR"], [KR_2], asset("JPN", "特定秘密", ["KOR"]), ()),
        (["KOR"], [KR_3], asset("JPN", "CESI", ["KOR"]), ()),  # no row: rounds up to Ⅲ급비밀
        # a valid clearance of one issuer covers even when another's does not
        (["GBR"], [GB_CTC, US_S], asset("GBR", "SECRET", ["USA"]), ()),
        # NATO information: national clearances are used
        (["USA"], [US_C], asset("NATO", "NATO CONFIDENTIAL"), (NTK,)),
        (["USA"], [US_C], asset("NATO", "NATO SECRET"), (INSUFFICIENT, NTK)),
        (["USA"], [], asset("NATO", "NATO RESTRICTED"), (MISSING, NTK)),
    ],
)
def test_rule2(
    nationalities: list[str], clearances: list[Doc], what: Doc, expected: tuple[str, ...]
) -> None:
    assert single(person(nationalities, *clearances), what) == expected


GBR_SECRET = asset("GBR", "SECRET", ["USA"])
SC_SUSPENDED = hist("GBR", "SC", ("granted", "2020-01-01"), ("suspended", "2026-01-01"))
SC_REVOKED = hist("GBR", "SC", ("granted", "2020-01-01"), ("revoked", "2026-01-01"))
SC_EXPIRED = clr("GBR", "SC", "2016-01-01")  # expires 2026-01-01
US_EXPIRED = clr("USA", "SECRET", "2015-01-01")  # expires 2025-01-01
US_SUSPENDED = hist("USA", "SECRET", ("granted", "2024-01-01"), ("suspended", "2026-01-01"))


@pytest.mark.parametrize(
    ("clearances", "expected"),
    [
        ([], (MISSING,)),
        ([clr("GBR", "SC", "2027-01-01")], (MISSING,)),  # does not exist yet
        ([hist("GBR", "SC", ("applied", "2027-01-01"))], (MISSING,)),
        ([hist("GBR", "SC", ("applied", "2025-01-01"))], (INACTIVE,)),
        (
            [hist("GBR", "SC", ("applied", "2024-01-01"), ("investigating", "2025-01-01"))],
            (INACTIVE,),
        ),
        (
            [hist("GBR", "SC", ("investigating", "2025-01-01"), ("denied", "2025-06-01"))],
            (INACTIVE,),
        ),
        ([SC_SUSPENDED], (INACTIVE,)),
        ([SC_REVOKED], (INACTIVE,)),
        ([SC_SUSPENDED, SC_REVOKED], (INACTIVE,)),
        ([SC_EXPIRED], (EXPIRED,)),
        ([SC_EXPIRED, US_EXPIRED], (EXPIRED,)),
        # "expired — every active one is expired": the suspended one does not count
        ([SC_SUSPENDED, US_EXPIRED], (EXPIRED,)),
        ([US_SUSPENDED, SC_EXPIRED], (EXPIRED,)),
        # an active, unexpired one exists: insufficient, not expired
        ([SC_EXPIRED, GB_CTC], (INSUFFICIENT,)),
        ([SC_SUSPENDED, GB_BPSS], (INSUFFICIENT,)),
        ([GB_CTC], (INSUFFICIENT,)),
        ([SC_EXPIRED, US_S], ()),
        ([SC_REVOKED, US_S], ()),
        ([SC_SUSPENDED, SC_EXPIRED, GB_SC], ()),
        # clearances of issuers outside the releasable set are ignored for the choice
        ([clr("JPN", "SDS"), SC_SUSPENDED], (INACTIVE,)),
        ([clr("JPN", "SDS"), SC_EXPIRED], (EXPIRED,)),
        ([clr("AUS", "NV1"), GB_CTC], (INSUFFICIENT,)),
        ([clr("JPN", "SDS"), clr("AUS", "PV")], (MISSING,)),
    ],
)
def test_rule2_exactly_one_clearance_code(clearances: list[Doc], expected: tuple[str, ...]) -> None:
    assert single(person(["GBR"], *clearances), GBR_SECRET) == expected


def test_rule2_expiry_boundary_in_a_decision() -> None:
    world = make_world(
        people=[person(["GBR"], clr("GBR", "SC", "2016-06-01"))], assets=[GBR_SECRET]
    )
    assert codes(world, at=AT - MICRO) == ()
    assert codes(world, at=AT) == (EXPIRED,)


def test_rule2_interim_never_granted_does_not_expire() -> None:
    interim = clr("GBR", "SC", "2000-01-01", status="interim")
    assert single(person(["GBR"], interim), GBR_SECRET) == ()


def test_rule2_interim_with_explicit_expiry() -> None:
    interim = clr("GBR", "SC", "2025-01-01", status="interim", expires="2026-06-01")
    world = make_world(people=[person(["GBR"], interim)], assets=[GBR_SECRET])
    assert codes(world, at=AT - MICRO) == ()
    assert codes(world, at=AT) == (EXPIRED,)


def test_rule2_explicit_expiry_overrides_default() -> None:
    short = clr("GBR", "SC", "2025-01-01", expires="2026-01-01")
    long = clr("USA", "SECRET", "2010-01-01", expires="2030-01-01")  # default 2020
    assert single(person(["GBR"], short), GBR_SECRET) == (EXPIRED,)
    assert single(person(["GBR"], long), GBR_SECRET) == ()


def test_rule2_continuous_vetting() -> None:
    before = clr("USA", "SECRET", "2016-01-01", continuous_vetting={"from": "2025-01-01"})
    after = clr("USA", "SECRET", "2016-01-01", continuous_vetting={"from": "2026-03-01"})
    assert single(person(["GBR"], before), GBR_SECRET) == ()
    assert single(person(["GBR"], after), GBR_SECRET) == (EXPIRED,)


def test_rule2_reinstatement_and_revalidation() -> None:
    reinstated = hist(
        "GBR",
        "SC",
        ("granted", "2016-01-01"),
        ("suspended", "2024-01-01"),
        ("granted", "2025-01-01"),
    )
    revalidated = hist("GBR", "SC", ("granted", "2016-01-01"), ("granted", "2025-01-01"))
    world = make_world(
        people=[person(["GBR"], reinstated, ident="R"), person(["GBR"], revalidated, ident="V")],
        assets=[GBR_SECRET],
    )
    assert codes(world, "R", at=utc(2024, 6, 1)) == (INACTIVE,)
    assert codes(world, "R", at=utc(2025, 6, 1)) == ()
    assert codes(world, "R") == (EXPIRED,)  # the 2016 grant still counts: expired 2026-01-01
    assert codes(world, "V") == ()
    assert codes(world, "V", at=utc(2035)) == (EXPIRED,)


# --- rule 3: need-to-know ---------------------------------------------------------------------

P2 = {"id": "P2", "nations": ["AUS", "GBR", "JPN", "USA"]}
P3 = {"id": "P3", "nations": ["AUS", "GBR", "JPN", "USA"]}


def test_rule3_every_programme_is_required() -> None:
    what = asset("GBR", "OFFICIAL", ["JPN"], programmes=["P2", "P3"])
    world = make_world(
        people=[
            person(["JPN"], ident="NONE"),
            person(["JPN"], ident="ONE", read_on=[{"programme": "P2"}]),
            person(["JPN"], ident="BOTH", read_on=[{"programme": "P2"}, {"programme": "P3"}]),
        ],
        assets=[what],
        programmes=[P2, P3],
    )
    assert codes(world, "NONE") == (NTK,)
    assert codes(world, "ONE") == (NTK,)
    assert codes(world, "BOTH") == ()


def test_rule3_read_on_interval_is_half_open() -> None:
    window = {"programme": "P2", "from": "2026-01-01", "until": "2026-06-01"}
    world = make_world(
        people=[person(["JPN"], read_on=[window])],
        assets=[asset("GBR", "OFFICIAL", ["JPN"], programmes=["P2"])],
        programmes=[P2],
    )
    assert codes(world, at=utc(2026) - MICRO) == (NTK,)
    assert codes(world, at=utc(2026)) == ()
    assert codes(world, at=utc(2026, 6, 1) - MICRO) == ()
    assert codes(world, at=utc(2026, 6, 1)) == (NTK,)
    # an instant with an offset is compared as the instant it is
    tokyo = timezone(timedelta(hours=9))
    assert codes(world, at=datetime(2026, 6, 1, 8, 59, 59, tzinfo=tokyo)) == ()
    assert codes(world, at=datetime(2026, 6, 1, 9, 0, 0, tzinfo=tokyo)) == (NTK,)


def visit_world(status: str, nationality: str = "JPN") -> World:
    return make_world(
        organisations=[org("HOST", "GBR")],
        people=[person([nationality])],
        programmes=[P2],
        visits=[
            {
                "visitor": "P",
                "host": "HOST",
                "programmes": ["P2"],
                "from": "2026-05-01",
                "until": "2026-05-15",
                "status": status,
            }
        ],
        assets=[asset("GBR", "OFFICIAL", ["JPN", "KOR"], programmes=["P2"])],
    )


def test_rule3_approved_visit_counts_within_its_interval() -> None:
    world = visit_world("approved")
    assert codes(world, at=utc(2026, 5, 1) - MICRO) == (NTK,)
    assert codes(world, at=utc(2026, 5, 1)) == ()
    assert codes(world, at=utc(2026, 5, 15) - MICRO) == ()
    assert codes(world, at=utc(2026, 5, 15)) == (NTK,)


@pytest.mark.parametrize("status", ["requested", "refused", "cancelled"])
def test_rule3_visit_not_approved_does_not_count(status: str) -> None:
    assert codes(visit_world(status), at=utc(2026, 5, 5)) == (NTK,)


def test_rule3_visit_counts_only_if_the_nationality_participates() -> None:
    assert codes(visit_world("approved", "KOR"), at=utc(2026, 5, 5)) == (NTK,)


def test_rule3_visit_counts_per_programme_the_nationality_participates_in() -> None:
    world = make_world(
        organisations=[org("HOST", "USA")],
        people=[person(["JPN"])],
        programmes=[P2, {"id": "PK", "nations": ["KOR", "USA"]}],
        visits=[{"visitor": "P", "host": "HOST", "programmes": ["P2", "PK"], "from": "2026-05-01"}],
        assets=[
            asset("USA", "UNCLASSIFIED", ["JPN"], ident="A2", programmes=["P2"]),
            asset("USA", "UNCLASSIFIED", ["JPN"], ident="AK", programmes=["PK"]),
        ],
    )
    assert codes(world, asset_id="A2") == ()
    assert codes(world, asset_id="AK") == (NTK,)


NATO_READER = person(["USA"], US_S, ident="READ-ON", read_on=[{"programme": "NATO"}])
NATO_OTHER = person(["USA"], US_S, ident="NO-READ-ON", read_on=[{"programme": "P2"}])


@pytest.mark.parametrize(
    ("level", "programmes", "reader", "other"),
    [
        ("NATO UNCLASSIFIED", None, (), ()),
        ("NATO RESTRICTED", None, (), (NTK,)),
        ("NATO SECRET", None, (), (NTK,)),
        ("NATO SECRET", ["P2"], (NTK,), (NTK,)),
    ],
)
def test_rule3_nato_read_on(
    level: str,
    programmes: list[str] | None,
    reader: tuple[str, ...],
    other: tuple[str, ...],
) -> None:
    world = make_world(
        people=[NATO_READER, NATO_OTHER],
        assets=[asset("NATO", level, programmes=programmes)],
        programmes=[P2],
    )
    assert codes(world, "READ-ON") == reader
    assert codes(world, "NO-READ-ON") == other


def test_rule3_nato_read_on_and_programme_together() -> None:
    both = person(["USA"], US_S, read_on=[{"programme": "NATO"}, {"programme": "P2"}])
    what = asset("NATO", "NATO SECRET", programmes=["P2"])
    assert single(both, what, programmes=[P2]) == ()


def test_rule3_visit_to_the_nato_programme() -> None:
    world = make_world(
        organisations=[org("HOST", "GBR")],
        people=[person(["USA"], US_S)],
        visits=[{"visitor": "P", "host": "HOST", "programmes": ["NATO"], "from": "2026-05-01"}],
        assets=[asset("NATO", "NATO SECRET")],
    )
    assert codes(world, at=utc(2026, 4, 1)) == (NTK,)
    assert codes(world) == ()


# --- rule 4: facility clearance -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "employer", "what", "expected"),
    [
        # rank 0: skipped, even with no employer
        (person(["USA"]), None, asset("USA", "UNCLASSIFIED"), ()),
        (person(["GBR"]), None, asset("GBR", "OFFICIAL"), ()),
        # no employer
        (person(["USA"], US_S), None, asset("USA", "SECRET"), (FACILITY,)),
        # the employer's facility clearance: coverage, status, expiry, existence
        (
            person(["USA"], US_S, employer="O"),
            org("O", "USA", fcl("SECRET")),
            asset("USA", "SECRET"),
            (),
        ),
        (
            person(["USA"], US_S, employer="O"),
            org("O", "USA", fcl("TOP SECRET")),
            asset("USA", "SECRET"),
            (),
        ),
        (
            person(["USA"], US_S, employer="O"),
            org("O", "USA", fcl("C")),
            asset("USA", "SECRET"),
            (FACILITY,),
        ),
        (person(["USA"], US_S, employer="O"), org("O", "USA"), asset("USA", "SECRET"), (FACILITY,)),
        (
            person(["USA"], US_S, employer="O"),
            org(
                "O", "USA", fhist("SECRET", ("granted", "2020-01-01"), ("suspended", "2026-01-01"))
            ),
            asset("USA", "SECRET"),
            (FACILITY,),
        ),
        (
            person(["USA"], US_S, employer="O"),
            org("O", "USA", fcl("SECRET", expires="2026-06-01")),
            asset("USA", "SECRET"),
            (FACILITY,),
        ),
        (
            person(["USA"], US_S, employer="O"),
            org("O", "USA", fcl("SECRET", expires="2026-06-02")),
            asset("USA", "SECRET"),
            (),
        ),
        (
            person(["USA"], US_S, employer="O"),
            org("O", "USA", fcl("SECRET", "2027-01-01")),
            asset("USA", "SECRET"),
            (FACILITY,),
        ),
        # facility clearances have no default validity: an old one still holds
        (
            person(["USA"], US_S, employer="O"),
            org("O", "USA", fcl("SECRET", "1990-01-01")),
            asset("USA", "SECRET"),
            (),
        ),
        # translated into the employer's nation's scheme
        (
            person(["GBR"], GB_SC, employer="O"),
            org("O", "GBR"),
            asset("USA", "CONFIDENTIAL", ["GBR"]),
            (FACILITY,),
        ),
        (
            person(["GBR"], GB_SC, employer="O"),
            org("O", "GBR", fcl("SECRET")),
            asset("USA", "CONFIDENTIAL", ["GBR"]),
            (),
        ),
        (
            person(["AUS"], AU_BASE, employer="O"),
            org("O", "AUS"),
            asset("AUS", "PROTECTED"),
            (FACILITY,),
        ),
        (
            person(["AUS"], AU_BASE, employer="O"),
            org("O", "AUS", fcl("LEVEL 1")),
            asset("AUS", "PROTECTED"),
            (),
        ),
        (
            person(["AUS"], AU_NV1, employer="O"),
            org("O", "AUS", fcl("LEVEL 1")),
            asset("USA", "CONFIDENTIAL", ["AUS"]),
            (FACILITY,),
        ),
        (
            person(["AUS"], AU_NV1, employer="O"),
            org("O", "AUS", fcl("LEVEL 2")),
            asset("USA", "CONFIDENTIAL", ["AUS"]),
            (),
        ),
        # below the employer nation's facility threshold: skipped
        (person(["AUS"], employer="O"), org("O", "AUS"), asset("AUS", "OFFICIAL:Sensitive"), ()),
        (
            person(["GBR"], GB_BPSS, employer="O"),
            org("O", "GBR"),
            asset("GBR", "OFFICIAL-SENSITIVE"),
            (),
        ),
        (
            person(["JPN"], employer="O"),
            org("O", "JPN"),
            asset("GBR", "OFFICIAL-SENSITIVE", ["JPN"]),
            (),
        ),
        # ... but not for an employer of another nation: GBR O-S is protected in the USA as C
        (
            person(["GBR"], GB_BPSS, employer="O"),
            org("O", "USA"),
            asset("GBR", "OFFICIAL-SENSITIVE"),
            (FACILITY,),
        ),
        (
            person(["GBR"], GB_BPSS, employer="O"),
            org("O", "USA", fcl("C")),
            asset("GBR", "OFFICIAL-SENSITIVE"),
            (),
        ),
        # JPN employer with CESI (rank 2) vs GBR SECRET (→ 極秘, rank 3)
        (
            person(["JPN"], JP_SDS, employer="O"),
            org("O", "JPN", fcl("CESI")),
            asset("GBR", "SECRET", ["JPN"]),
            (FACILITY,),
        ),
        (
            person(["JPN"], JP_SDS, employer="O"),
            org("O", "JPN", fcl("SDS")),
            asset("GBR", "SECRET", ["JPN"]),
            (),
        ),
    ],
)
def test_rule4_facility_clearance(
    who: Doc, employer: Doc | None, what: Doc, expected: tuple[str, ...]
) -> None:
    organisations = [] if employer is None else [employer]
    assert single(who, what, action="read", organisations=organisations) == ()
    assert single(who, what, action="download", organisations=organisations) == expected


# --- rule 5: export authorisation -----------------------------------------------------------

READ_ON_P2 = [{"programme": "P2"}]
EXPORT_PROGRAMMES = [
    {"id": "P2", "nations": ["AUS", "CAN", "GBR", "JPN", "USA"]},
    {"id": "P3", "nations": ["AUS", "CAN", "GBR", "JPN", "USA"]},
]
EXPORT_ORGS = [
    org("AUKUS", "GBR", aukus_authorised_user=[{"from": "2024-09-01"}]),
    org("EARLY", "AUS", aukus_authorised_user={"from": "2024-01-01"}),
    org("ENDED", "GBR", aukus_authorised_user=[{"from": "2024-09-01", "until": "2025-01-01"}]),
    org("PRE", "GBR", aukus_authorised_user=[{"from": "2023-01-01", "until": "2024-06-01"}]),
    org("PLAIN", "GBR"),
    org(
        "AUTH",
        "JPN",
        export_authorisations=[
            {"regime": "ITAR", "programme": "P2", "from": "2025-01-01", "until": "2027-01-01"}
        ],
    ),
    org("AUTH-ASSET", "JPN", export_authorisations=[{"regime": "ITAR", "asset": "X-ITAR"}]),
    org("EAR", "JPN", export_authorisations=[{"regime": "EAR", "programme": "P2"}]),
]


def exporter(ident: str, nationalities: list[str], employer: str | None = None, **kw: Any) -> Doc:
    return person(nationalities, ident=ident, employer=employer, read_on=READ_ON_P2, **kw)


EXPORT_PEOPLE = [
    exporter("USA", ["USA"]),
    exporter("USA-JPN", ["USA", "JPN"]),
    exporter("JPN", ["JPN"], "PLAIN"),
    exporter("GBR-AUKUS", ["GBR"], "AUKUS"),
    exporter("AUS-AUKUS", ["AUS"], "AUKUS"),
    exporter("JPN-AUKUS", ["JPN"], "AUKUS"),
    exporter("CAN-AUKUS", ["CAN"], "AUKUS"),
    exporter("JPN-GBR-AUKUS", ["JPN", "GBR"], "AUKUS"),
    exporter("GBR", ["GBR"]),
    exporter("GBR-PLAIN", ["GBR"], "PLAIN"),
    exporter("AUS-EARLY", ["AUS"], "EARLY"),
    exporter("GBR-ENDED", ["GBR"], "ENDED"),
    exporter("GBR-PRE", ["GBR"], "PRE"),
    exporter("JPN-ASSET", ["JPN"], export_authorisations=[{"regime": "ITAR", "asset": "X-ITAR"}]),
    exporter(
        "JPN-PROG",
        ["JPN"],
        export_authorisations=[
            {"regime": "ITAR", "programme": "P2", "from": "2026-01-01", "until": "2026-07-01"}
        ],
    ),
    exporter("JPN-P3", ["JPN"], export_authorisations=[{"regime": "ITAR", "programme": "P3"}]),
    exporter("JPN-EAR", ["JPN"], export_authorisations=[{"regime": "EAR", "asset": "X-ITAR"}]),
    exporter("JPN-ORG", ["JPN"], "AUTH"),
    exporter("JPN-ORG-ASSET", ["JPN"], "AUTH-ASSET"),
    exporter("JPN-ORG-EAR", ["JPN"], "EAR"),
]


def export_asset(ident: str, controls: list[str]) -> Doc:
    # rank 0, releasable to everyone tested: only rule 5 can fail
    return asset(
        "USA",
        "UNCLASSIFIED",
        ["AUS", "CAN", "GBR", "JPN"],
        ident=ident,
        programmes=["P2"],
        export_control=controls,
    )


EXPORT_ASSETS = [
    export_asset("X-ITAR", ["ITAR"]),
    export_asset("X-EXCL", ["ITAR-EXCLUDED"]),
    export_asset("X-BOTH", ["ITAR", "ITAR-EXCLUDED"]),
    export_asset("X-EAR", ["EAR"]),
    export_asset("X-ITAR-EAR", ["ITAR", "EAR"]),
    export_asset("X-NONE", []),
]


@pytest.fixture(scope="module")
def export_world() -> World:
    return make_world(
        organisations=EXPORT_ORGS,
        people=EXPORT_PEOPLE,
        programmes=EXPORT_PROGRAMMES,
        assets=EXPORT_ASSETS,
    )


@pytest.mark.parametrize(
    ("who", "what", "at", "expected"),
    [
        ("USA", "X-ITAR", AT, ()),
        ("USA", "X-EXCL", AT, ()),
        ("USA-JPN", "X-ITAR", AT, ()),  # a USA nationality exempts
        ("USA-JPN", "X-EXCL", AT, ()),
        ("JPN", "X-ITAR", AT, (EXPORT,)),
        ("JPN", "X-EXCL", AT, (EXPORT,)),
        ("JPN", "X-BOTH", AT, (EXPORT,)),
        ("JPN", "X-ITAR-EAR", AT, (EXPORT,)),
        ("JPN", "X-EAR", AT, ()),  # other regimes are not enforced
        ("JPN", "X-NONE", AT, ()),
        # (a) the AUKUS exemption: AUS/GBR national at an authorised user, not ITAR-EXCLUDED
        ("GBR-AUKUS", "X-ITAR", AT, ()),
        ("GBR-AUKUS", "X-ITAR-EAR", AT, ()),
        ("GBR-AUKUS", "X-EXCL", AT, (EXPORT,)),
        ("GBR-AUKUS", "X-BOTH", AT, (EXPORT,)),
        ("AUS-AUKUS", "X-ITAR", AT, ()),
        ("JPN-AUKUS", "X-ITAR", AT, (EXPORT,)),  # Japan needs (b)
        ("CAN-AUKUS", "X-ITAR", AT, (EXPORT,)),
        ("JPN-GBR-AUKUS", "X-ITAR", AT, ()),
        ("GBR", "X-ITAR", AT, (EXPORT,)),  # no employer
        ("GBR-PLAIN", "X-ITAR", AT, (EXPORT,)),
        # a period before 2024-09-01 counts only from 2024-09-01
        ("AUS-EARLY", "X-ITAR", utc(2024, 3, 1), (EXPORT,)),
        ("AUS-EARLY", "X-ITAR", utc(2024, 9, 1) - MICRO, (EXPORT,)),
        ("AUS-EARLY", "X-ITAR", utc(2024, 9, 1), ()),
        ("AUS-EARLY", "X-ITAR", AT, ()),
        ("GBR-AUKUS", "X-ITAR", utc(2024, 9, 1) - MICRO, (EXPORT,)),
        ("GBR-ENDED", "X-ITAR", utc(2025, 1, 1) - MICRO, ()),
        ("GBR-ENDED", "X-ITAR", utc(2025, 1, 1), (EXPORT,)),
        ("GBR-PRE", "X-ITAR", utc(2024, 3, 1), (EXPORT,)),
        ("GBR-PRE", "X-ITAR", AT, (EXPORT,)),
        # (b) an ITAR export authorisation of the person or the employer
        ("JPN-ASSET", "X-ITAR", AT, ()),
        ("JPN-ASSET", "X-BOTH", AT, (EXPORT,)),  # it covers another asset
        ("JPN-PROG", "X-ITAR", AT, ()),
        ("JPN-PROG", "X-EXCL", AT, ()),  # (b) covers the Excluded Technology List too
        ("JPN-PROG", "X-ITAR", utc(2026) - MICRO, (EXPORT,)),
        ("JPN-PROG", "X-ITAR", utc(2026, 7, 1), (EXPORT,)),
        ("JPN-P3", "X-ITAR", AT, (EXPORT,)),  # a programme the asset is not in
        ("JPN-EAR", "X-ITAR", AT, (EXPORT,)),  # regime EAR is not ITAR
        ("JPN-ORG", "X-ITAR", AT, ()),
        ("JPN-ORG", "X-EXCL", AT, ()),
        ("JPN-ORG", "X-ITAR", utc(2027, 1, 1), (EXPORT,)),
        ("JPN-ORG-ASSET", "X-ITAR", AT, ()),
        ("JPN-ORG-ASSET", "X-EXCL", AT, (EXPORT,)),
        ("JPN-ORG-EAR", "X-ITAR", AT, (EXPORT,)),
    ],
)
def test_rule5_export_authorisation(
    export_world: World, who: str, what: str, at: datetime, expected: tuple[str, ...]
) -> None:
    assert codes(export_world, who, what, "read", at) == expected
    assert codes(export_world, who, what, "download", at) == expected


# --- rule 6: originator approval (ORCON) ----------------------------------------------------


@pytest.fixture(scope="module")
def orcon_world() -> World:
    def orcon(ident: str, originator: str = "USA", level: str = "UNCLASSIFIED") -> Doc:
        return asset(originator, level, ["JPN", "KOR"], ident=ident, caveats=["ORCON"])

    return make_world(
        organisations=[org("ORG-J", "JPN"), org("ORG-K", "KOR")],
        people=[
            person(["JPN"], ident="J1", employer="ORG-J"),
            person(["JPN"], ident="J2", employer="ORG-J"),
            person(["JPN"], ident="J3"),
            person(["KOR"], ident="K1", employer="ORG-K"),
            person(["USA"], ident="U1"),
            person(["GBR"], ident="G1"),
            person(["KOR", "JPN"], ident="KJ"),
        ],
        assets=[
            orcon("O-PERSON"),
            orcon("O-ORG"),
            orcon("O-NATION"),
            orcon("O-USA"),
            orcon("O-GBR", "GBR", "OFFICIAL"),
            orcon("O-NONE"),
            asset("USA", "UNCLASSIFIED", ["JPN"], ident="PLAIN"),
        ],
        approvals=[
            {"asset": "O-PERSON", "person": "J1", "from": "2026-01-01", "until": "2026-07-01"},
            {"asset": "O-ORG", "organisation": "ORG-J", "from": "2026-01-01"},
            {"asset": "O-NATION", "nation": "JPN", "from": "2026-01-01"},
            {"asset": "O-USA", "nation": "USA"},
            {"asset": "O-GBR", "nation": "GBR"},
        ],
    )


@pytest.mark.parametrize(
    ("who", "what", "at", "expected"),
    [
        ("J1", "PLAIN", AT, ()),  # not ORCON: no approval needed
        ("J1", "O-NONE", AT, (APPROVAL,)),
        ("U1", "O-NONE", AT, (APPROVAL,)),  # the originator's own nationals too
        # to a person
        ("J1", "O-PERSON", AT, ()),
        ("J1", "O-PERSON", utc(2026) - MICRO, (APPROVAL,)),
        ("J1", "O-PERSON", utc(2026), ()),
        ("J1", "O-PERSON", utc(2026, 7, 1) - MICRO, ()),
        ("J1", "O-PERSON", utc(2026, 7, 1), (APPROVAL,)),
        ("J2", "O-PERSON", AT, (APPROVAL,)),  # same employer, other person
        # to an organisation: its employees
        ("J1", "O-ORG", AT, ()),
        ("J2", "O-ORG", AT, ()),
        ("J3", "O-ORG", AT, (APPROVAL,)),  # same nationality, no employer
        ("K1", "O-ORG", AT, (APPROVAL,)),
        ("J1", "O-ORG", utc(2025, 12, 31), (APPROVAL,)),
        # to a nation: its nationals
        ("J3", "O-NATION", AT, ()),
        ("KJ", "O-NATION", AT, ()),
        ("K1", "O-NATION", AT, (APPROVAL,)),
        ("J3", "O-NATION", utc(2025, 6, 1), (APPROVAL,)),
        # an approval naming the originator's own nation releases to its nationals
        ("U1", "O-USA", AT, ()),
        ("J1", "O-USA", AT, (APPROVAL,)),
        ("G1", "O-GBR", AT, ()),
        ("J3", "O-GBR", AT, (APPROVAL,)),
    ],
)
def test_rule6_orcon(
    orcon_world: World, who: str, what: str, at: datetime, expected: tuple[str, ...]
) -> None:
    assert codes(orcon_world, who, what, "read", at) == expected


# --- every failing rule, in rule order ------------------------------------------------------


EVERYTHING = asset(
    "USA",
    "SECRET",
    programmes=["P2"],
    caveats=["ORCON"],
    export_control=["ITAR"],
)


@pytest.mark.parametrize(
    ("clearances", "action", "expected"),
    [
        ([], "download", (NR, MISSING, NTK, FACILITY, EXPORT, APPROVAL)),
        ([], "read", (NR, MISSING, NTK, EXPORT, APPROVAL)),
        ([US_SUSPENDED], "download", (NR, INACTIVE, NTK, FACILITY, EXPORT, APPROVAL)),
        ([US_EXPIRED], "download", (NR, EXPIRED, NTK, FACILITY, EXPORT, APPROVAL)),
        ([US_C], "download", (NR, INSUFFICIENT, NTK, FACILITY, EXPORT, APPROVAL)),
        ([US_S], "download", (NR, NTK, FACILITY, EXPORT, APPROVAL)),
    ],
)
def test_every_failing_rule_reported_in_rule_order(
    clearances: list[Doc], action: str, expected: tuple[str, ...]
) -> None:
    # a JPN national, NOFORN US information: rule 1 fails, and nothing short-circuits
    who = person(["JPN"], *clearances)
    got = single(who, EVERYTHING, action=action, programmes=[P2])
    assert got == expected
    assert list(got) == sorted(got, key=lambda code: RULE_ORDER.index(Reason(code)))


def test_the_same_request_permitted_once_every_fact_is_there() -> None:
    world = make_world(
        organisations=[org("O", "USA", fcl("SECRET"))],
        people=[person(["USA"], US_S, employer="O", read_on=[{"programme": "P2"}])],
        programmes=[P2],
        assets=[EVERYTHING],
        approvals=[{"asset": "A", "person": "P"}],
    )
    assert codes(world, action="download") == ()


# --- permits and their obligations ----------------------------------------------------------


@pytest.fixture(scope="module")
def permit_world() -> World:
    return make_world(
        organisations=[org("O", "GBR", fcl("SECRET"))],
        people=[person(["GBR"], GB_SC, employer="O"), person(["JPN"], ident="J")],
        assets=[
            asset("GBR", "SECRET", ["USA"]),
            asset("USA", "SECRET", ["GBR", "AUS"], ident="US", caveats=["ORCON"]),
        ],
        approvals=[{"asset": "US", "person": "P"}],
    )


def test_read_permit_carries_the_audit_obligation(permit_world: World) -> None:
    decision = decide(permit_world, "P", "A", "read", AT)
    assert decision.permit is True
    assert decision.reasons == ()
    assert decision.explanations == ()
    assert decision.obligations == (Obligation("audit"),)
    assert (decision.person, decision.asset, decision.action, decision.at) == (
        "P",
        "A",
        Action.READ,
        AT,
    )


@pytest.mark.parametrize(
    ("asset_id", "banner"),
    [("A", "//GBR SECRET//REL TO USA, GBR"), ("US", "SECRET//ORCON/REL TO USA, AUS, GBR")],
)
def test_download_permit_stamps_the_canonical_banner(
    permit_world: World, asset_id: str, banner: str
) -> None:
    decision = decide(permit_world, "P", asset_id, Action.DOWNLOAD, AT)
    assert decision.permit is True
    assert decision.obligations == (Obligation("audit"), Obligation("stamp-banner", banner))


def test_deny_carries_no_obligations(permit_world: World) -> None:
    decision = decide(permit_world, "J", "A", "download", AT)
    assert decision.permit is False
    assert decision.reasons == (
        Reason.NOT_RELEASABLE,
        Reason.CLEARANCE_MISSING,
        Reason.FACILITY_CLEARANCE,
    )
    assert decision.obligations == ()
    assert [e.reason for e in decision.explanations] == list(decision.reasons)


def test_decision_at_is_normalised_to_utc(permit_world: World) -> None:
    tokyo = timezone(timedelta(hours=9))
    decision = decide(permit_world, "P", "A", "read", datetime(2026, 6, 1, 9, tzinfo=tokyo))
    assert decision.at == AT
    assert decision.at.utcoffset() == timedelta(0)


def _branch_on(decision: Decision) -> str:
    if decision:  # the mistake Decision.__bool__ guards against
        return "permit"
    return "deny"


def test_decision_has_no_truth_value(permit_world: World) -> None:
    permit = decide(permit_world, "P", "A", "read", AT)
    deny = decide(permit_world, "J", "A", "read", AT)
    for decision in (permit, deny):
        with pytest.raises(TypeError):
            bool(decision)
        with pytest.raises(TypeError):
            _branch_on(decision)
        with pytest.raises(TypeError):
            _ = not decision


# --- errors, never denies ---------------------------------------------------------------------


def test_unknown_person_is_an_error(permit_world: World) -> None:
    with pytest.raises(NotFoundError, match="NOBODY"):
        decide(permit_world, "NOBODY", "A", "read", AT)


def test_unknown_asset_is_an_error(permit_world: World) -> None:
    with pytest.raises(NotFoundError, match="NOTHING"):
        decide(permit_world, "P", "NOTHING", "read", AT)


@pytest.mark.parametrize("action", ["print", "", "delete"])
def test_unknown_action_is_an_error(permit_world: World, action: str) -> None:
    with pytest.raises(InvalidInputError, match="unknown action"):
        decide(permit_world, "P", "A", action, AT)


def test_naive_instant_is_an_error(permit_world: World) -> None:
    with pytest.raises(InvalidInputError, match="offset"):
        decide(permit_world, "P", "A", "read", datetime(2026, 6, 1))  # noqa: DTZ001


def test_batch_error_items_leave_others_unaffected(permit_world: World) -> None:
    requests = [
        Request("P", "A", "read", AT),
        Request("NOBODY", "A", "read", AT),
        Request("P", "A", "print", AT),
        Request("P", "A", "read", datetime(2026, 6, 1)),  # noqa: DTZ001
        Request("P", "NOTHING", "download", AT),
        Request("J", "A", "download", AT),
        Request("P", "US", "download", AT),
    ]
    results = decide_batch(permit_world, requests)
    assert len(results) == len(requests)
    errors = {i: item for i, item in enumerate(results) if isinstance(item, DecisionError)}
    assert sorted(errors) == [1, 2, 3, 4]
    for index, item in errors.items():
        request = requests[index]
        assert item.permit is False
        assert (item.person, item.asset, item.action) == (
            request.person,
            request.asset,
            request.action,
        )
    assert "NOBODY" in errors[1].error
    assert "print" in errors[2].error
    assert "offset" in errors[3].error
    assert "NOTHING" in errors[4].error
    decisions = {i: item for i, item in enumerate(results) if isinstance(item, Decision)}
    assert sorted(decisions) == [0, 5, 6]
    for index, decision in decisions.items():
        request = requests[index]
        assert decision == decide(
            permit_world, request.person, request.asset, request.action, request.at
        )
    assert [decisions[i].permit for i in (0, 5, 6)] == [True, False, True]


def test_batch_of_nothing() -> None:
    assert decide_batch(make_world(), []) == []


# --- the reverse queries agree with decide ------------------------------------------------------


@pytest.fixture(scope="module")
def small_world() -> World:
    return make_world(
        organisations=[org("O-US", "USA", fcl("SECRET")), org("O-GB", "GBR")],
        people=[
            person(["USA"], US_S, ident="U", employer="O-US", read_on=[{"programme": "P2"}]),
            person(["GBR"], GB_SC, ident="G", employer="O-GB"),
            person(["JPN"], JP_CESI, ident="J"),
            person(["AUS"], AU_BASE, ident="AU"),
        ],
        programmes=[P2],
        assets=[
            asset("USA", "SECRET", ["GBR"], ident="A1"),
            asset("GBR", "OFFICIAL", ["JPN"], ident="A2"),
            asset("JPN", "秘", ["USA", "GBR"], ident="A3"),
            asset("AUS", "PROTECTED", ["AUS", "GBR", "USA"], ident="A4", programmes=["P2"]),
            asset("USA", "CONFIDENTIAL", ["FVEY"], ident="A5", export_control=["ITAR"]),
        ],
    )


@pytest.mark.parametrize("action", ["read", "download"])
def test_reverse_queries_agree_with_decide(small_world: World, action: str) -> None:
    people = sorted(small_world.people)
    assets = sorted(small_world.assets)
    permits = {
        (p, a) for p in people for a in assets if decide(small_world, p, a, action, AT).permit
    }
    assert permits  # the world is not trivially all-deny ...
    assert len(permits) < len(people) * len(assets)  # ... nor all-permit
    for p in people:
        assert readable_assets(small_world, p, action, AT) == [
            a for a in assets if (p, a) in permits
        ]
    for a in assets:
        assert readers(small_world, a, action, AT) == [p for p in people if (p, a) in permits]


def test_reverse_queries_known_answers(small_world: World) -> None:
    assert readable_assets(small_world, "G", "read", AT) == ["A1", "A2", "A3"]
    assert readers(small_world, "A2", "read", AT) == ["G", "J"]


def test_reverse_queries_errors(small_world: World) -> None:
    with pytest.raises(NotFoundError):
        readable_assets(small_world, "NOBODY", "read", AT)
    with pytest.raises(NotFoundError):
        readers(small_world, "NOTHING", "read", AT)
    with pytest.raises(InvalidInputError):
        readable_assets(small_world, "G", "print", AT)
    with pytest.raises(InvalidInputError):
        readers(small_world, "A1", "read", datetime(2026, 6, 1))  # noqa: DTZ001

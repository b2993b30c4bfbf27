# SPDX-License-Identifier: Apache-2.0
"""Sovereignty and scope (SPEC §1): who may change what.

Each refused change raises :class:`NotPermittedError` naming who may, changes nothing (facts
and identity rows), and writes exactly one audit entry with outcome ``refused`` in a transaction
of its own. The principal that may (the issuing or originating nation's authority, the
organisation's officer, the programme's manager) then can.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from sqlalchemy import func, select

from clearway.domain.lifecycle import Status
from clearway.domain.marking import make_marking
from clearway.domain.principals import SYSTEM_IMPORT, Principal, parse_principal
from clearway.errors import InvalidInputError, NotPermittedError
from clearway.persistence.models import AuditEntryRecord, ChangeCounterRecord, FactRecord
from clearway.persistence.repositories import IDENTITY_MODELS, AuditRepository
from clearway.reference import default_reference
from clearway.services.index import DecisionIndex
from clearway.services.queries import QueryService
from clearway.services.registry import RegistryService
from clearway.services.store import Store
from clearway.services.transfer import import_world
from tests.factories import utc, world_from_yaml

WORLD = """
organisations:
  - id: ORG-GB
    nation: GBR
    facility_clearances: [{type: SECRET, status: granted, granted: 2024-01-01}]
  - id: ORG-JP
    nation: JPN
    facility_clearances: [{type: SDS, status: granted, granted: 2024-01-01}]
  - {id: ORG-US, nation: USA}
programmes:
  - {id: PRG, nations: [GBR, JPN, USA]}
  - {id: PRG-GU, nations: [GBR, USA]}
  - {id: PRG-JU, nations: [JPN, USA]}
people:
  - id: P-JP
    nationalities: [JPN]
    employer: ORG-JP
    clearances:
      - {issuer: USA, type: SECRET, status: granted, granted: 2024-01-01}
      - issuer: USA
        type: TOP SECRET
        history: [{status: applied, at: 2025-01-01}, {status: investigating, at: 2025-02-01}]
      - {issuer: JPN, type: SDS, status: granted, granted: 2024-01-01}
    read_on: [{programme: PRG, from: 2024-01-01}]
  - id: P-GB
    nationalities: [GBR]
    employer: ORG-GB
    clearances: [{issuer: GBR, type: SC, status: granted, granted: 2022-01-01}]
    read_on: [{programme: PRG-GU, from: 2024-01-01}]
  - {id: P-FREE, nationalities: [GBR]}
assets:
  - {id: A-GB, originator: GBR, level: SECRET, releasable_to: [JPN, USA], programmes: [PRG]}
  - {id: A-US, originator: USA, level: SECRET, releasable_to: [GBR, JPN], programmes: [PRG],
     caveats: [ORCON]}
"""

REF = default_reference()
AT = utc(2026, 3, 1)


def p(text: str) -> Principal:
    return parse_principal(text)


def _read_on_fact(registry: RegistryService) -> int:
    view = QueryService(DecisionIndex(registry.store)).facts("person:P-JP")
    return int(next(f["id"] for f in view if f["kind"] == "read_on" and f["in_force"]))


def _status_fact(registry: RegistryService, clearance: str) -> int:
    view = QueryService(DecisionIndex(registry.store)).facts("person:P-JP")
    return int(next(f["id"] for f in view if f["subject"] == f"clearance:{clearance}"))


#: An operation run as a principal.
Operation = Callable[[RegistryService, Principal], Any]

OPERATIONS: dict[str, Operation] = {
    # Clearances follow the issuing nation (a USA clearance held by a Japanese national).
    "grant USA clearance": lambda r, who: r.transition(who, "P-JP/CLR-2", "grant", at=AT),
    "suspend USA clearance": lambda r, who: r.transition(who, "P-JP/CLR-1", "suspend", at=AT),
    "revoke USA clearance": lambda r, who: r.transition(
        who, "P-JP/CLR-1", "revoke", at=utc(2026, 4, 1)
    ),
    "record USA clearance": lambda r, who: r.add_clearance(
        who, "P-JP", "USA", "SECRET", status=Status.GRANTED, at=AT
    ),
    "apply for JPN clearance": lambda r, who: r.add_clearance(who, "P-JP", "JPN", "CESI", at=AT),
    "enrol USA clearance in CV": lambda r, who: r.set_continuous_vetting(who, "P-JP/CLR-1", AT),
    "correct USA clearance status": lambda r, who: r.correct(
        who, _status_fact(r, "P-JP/CLR-2"), retract=True, reason="mis-keyed"
    ),
    "suspend JPN facility": lambda r, who: r.facility_transition(
        who, "ORG-JP/FCL-1", "suspend", at=AT
    ),
    "add JPN facility": lambda r, who: r.add_facility_clearance(who, "ORG-JP", "CESI", at=AT),
    # Assets follow the originating nation.
    "change GBR marking": lambda r, who: r.change_marking(
        who, "A-GB", make_marking(REF, originator="GBR", level="SECRET", programmes=["PRG"])
    ),
    "approve USA ORCON": lambda r, who: r.add_approval(who, "A-US", "nation", "JPN"),
    "register GBR asset": lambda r, who: r.register_asset(
        who, "A-NEW", make_marking(REF, originator="GBR", level="SECRET", programmes=["PRG-GU"])
    ),
    "register GBR asset in PRG-JU": lambda r, who: r.register_asset(
        who, "A-NEW2", make_marking(REF, originator="GBR", level="SECRET", programmes=["PRG-JU"])
    ),
    "grant ITAR authorisation": lambda r, who: r.add_export_authorisation(
        who, "organisation", "ORG-JP", "ITAR", programme="PRG"
    ),
    "list GBR AUKUS user": lambda r, who: r.add_aukus_period(who, "ORG-GB", start=AT),
    "approve visit to ORG-GB": lambda r, who: r.record_visit(
        who, "P-JP", "ORG-GB", ["PRG"], start=AT, end=None
    ),
    # Organisations, people, programmes.
    "employ at ORG-GB": lambda r, who: r.join(who, "P-FREE", "ORG-GB", start=AT),
    "end employment at ORG-JP": lambda r, who: r.leave(who, "P-JP", "ORG-JP", end=AT),
    "register GBR person": lambda r, who: r.add_person(who, "P-NEW", ["GBR"]),
    "register person at ORG-JP": lambda r, who: r.add_person(
        who, "P-NEW2", ["JPN"], employer="ORG-JP"
    ),
    "register KOR person at ORG-JP": lambda r, who: r.add_person(
        who, "P-NEW3", ["KOR"], employer="ORG-JP"
    ),
    "record JPN nationality": lambda r, who: r.add_nationality(who, "P-GB", "JPN", start=AT),
    "register GBR organisation": lambda r, who: r.add_organisation(who, "ORG-NEW", "GBR"),
    "create GBR-USA programme": lambda r, who: r.add_programme(who, "PRG-NEW", ["GBR", "USA"]),
    "read on to PRG-GU": lambda r, who: r.read_on(who, "P-FREE", "PRG-GU", start=AT),
    "read off PRG": lambda r, who: r.read_off(who, "P-JP", "PRG", end=AT),
    "correct PRG read-on": lambda r, who: r.correct(
        who, _read_on_fact(r), changes={"from": utc(2024, 2, 1)}, reason="mis-keyed"
    ),
}


@attrs.frozen
class Case:
    operation: str
    refused: tuple[str, ...]  # principals refused (each in turn)
    allowed: str  # then this one succeeds
    who_may: str  # the refusal names this principal


CASES = [
    Case(
        "grant USA clearance",
        ("authority:JPN", "authority:GBR", "auditor:USA"),
        "authority:USA",
        "authority:USA",
    ),
    Case(
        "suspend USA clearance",
        ("authority:JPN", "officer:ORG-JP", "member:P-JP"),
        "authority:USA",
        "authority:USA",
    ),
    Case(
        "revoke USA clearance", ("authority:JPN", "manager:PRG"), "authority:USA", "authority:USA"
    ),
    Case(
        "record USA clearance",
        ("authority:JPN", "officer:ORG-JP"),
        "authority:USA",
        "authority:USA",
    ),
    Case(
        "apply for JPN clearance",
        ("officer:ORG-GB", "authority:USA", "auditor:ALL"),
        "officer:ORG-JP",
        "authority:JPN or officer:ORG-JP",
    ),
    Case("enrol USA clearance in CV", ("authority:JPN",), "authority:USA", "authority:USA"),
    Case("correct USA clearance status", ("authority:JPN",), "authority:USA", "authority:USA"),
    Case(
        "suspend JPN facility",
        ("authority:USA", "officer:ORG-JP"),
        "authority:JPN",
        "authority:JPN",
    ),
    Case("add JPN facility", ("authority:USA",), "authority:JPN", "authority:JPN"),
    Case(
        "change GBR marking",
        ("authority:JPN", "authority:USA", "manager:PRG"),
        "authority:GBR",
        "authority:GBR",
    ),
    Case("approve USA ORCON", ("authority:JPN", "authority:GBR"), "authority:USA", "authority:USA"),
    Case(
        "register GBR asset", ("authority:USA", "manager:PRG-JU"), "manager:PRG-GU", "authority:GBR"
    ),
    Case("register GBR asset in PRG-JU", ("manager:PRG-JU",), "authority:GBR", "authority:GBR"),
    Case(
        "grant ITAR authorisation",
        ("authority:JPN", "authority:GBR"),
        "authority:USA",
        "authority:USA",
    ),
    Case(
        "list GBR AUKUS user",
        ("authority:JPN", "officer:ORG-GB"),
        "authority:USA",
        "authority:GBR or authority:USA",
    ),
    Case(
        "approve visit to ORG-GB",
        ("authority:USA", "authority:JPN", "officer:ORG-GB"),
        "authority:GBR",
        "authority:GBR",
    ),
    Case(
        "employ at ORG-GB",
        ("officer:ORG-JP", "authority:JPN", "member:P-FREE"),
        "officer:ORG-GB",
        "authority:GBR or officer:ORG-GB",
    ),
    Case(
        "end employment at ORG-JP",
        ("officer:ORG-GB", "authority:GBR"),
        "officer:ORG-JP",
        "authority:JPN or officer:ORG-JP",
    ),
    Case(
        "register GBR person",
        ("authority:JPN", "auditor:ALL", "officer:ORG-GB"),
        "authority:GBR",
        "authority:GBR",
    ),
    Case(
        "register person at ORG-JP",
        ("officer:ORG-GB", "authority:KOR"),
        "officer:ORG-JP",
        "authority:JPN or officer:ORG-JP",
    ),
    # An officer attests only its own nation's nationals: a KOR national is KOR's to attest.
    Case(
        "register KOR person at ORG-JP",
        ("officer:ORG-JP", "authority:JPN"),
        "authority:KOR",
        "authority:KOR",
    ),
    Case(
        "record JPN nationality",
        ("authority:GBR", "officer:ORG-JP", "officer:ORG-GB"),
        "authority:JPN",
        "authority:JPN",
    ),
    Case(
        "register GBR organisation",
        ("authority:USA", "officer:ORG-GB"),
        "authority:GBR",
        "authority:GBR",
    ),
    Case(
        "create GBR-USA programme",
        ("authority:JPN", "manager:PRG-GU"),
        "authority:USA",
        "authority:GBR or authority:USA",
    ),
    Case(
        "read on to PRG-GU",
        ("manager:PRG", "authority:GBR", "officer:ORG-GB"),
        "manager:PRG-GU",
        "manager:PRG-GU",
    ),
    Case("read off PRG", ("manager:PRG-GU", "authority:JPN"), "manager:PRG", "manager:PRG"),
    Case("correct PRG read-on", ("manager:PRG-GU", "authority:JPN"), "manager:PRG", "manager:PRG"),
]


def snapshot(store: Store) -> dict[str, int]:
    """Counts of facts, identity rows, audit entries and the change counter."""
    models = {m.__tablename__: m for m in IDENTITY_MODELS}
    models.update(fact=FactRecord, audit=AuditEntryRecord)
    query = select(
        *(
            select(func.count()).select_from(model).scalar_subquery().label(name)
            for name, model in models.items()
        ),
        select(ChangeCounterRecord.value).scalar_subquery().label("counter"),
    )
    with store.read() as uow:
        return dict(uow.session.execute(query).one()._mapping)


def check_case(store: Store, case: Case) -> list[str]:
    """Run a case; the problems found (empty: as the rules say)."""
    registry = RegistryService(store)
    operation = OPERATIONS[case.operation]
    problems: list[str] = []
    for who in case.refused:
        before = snapshot(store)
        try:
            operation(registry, p(who))
        except NotPermittedError as exc:
            message = str(exc)
            if f"only {case.who_may} may" not in message or not message.startswith(f"{who} "):
                problems.append(f"{who} {case.operation}: unclear refusal {message!r}")
        except Exception as exc:  # noqa: BLE001 - reported as a problem
            problems.append(f"{who} {case.operation}: {type(exc).__name__} {exc}")
            continue
        else:
            problems.append(f"{who} {case.operation}: was allowed")
            continue
        after = snapshot(store)
        expected = {**before, "audit": before["audit"] + 1}
        if after != expected:
            problems.append(f"{who} {case.operation}: changed {before} -> {after}")
        with store.read() as uow:
            last = AuditRepository(uow.session).entries(after=before["audit"])
        if [(e.principal, e.outcome) for e in last] != [(who, "refused")]:
            problems.append(f"{who} {case.operation}: audited as {last}")
        elif "may not" not in last[0].detail.get("error", ""):
            problems.append(f"{who} {case.operation}: audit detail {last[0].detail}")
    before = snapshot(store)
    try:
        operation(registry, p(case.allowed))
    except Exception as exc:  # noqa: BLE001 - reported as a problem
        problems.append(f"{case.allowed} {case.operation}: refused {type(exc).__name__} {exc}")
        return problems
    after = snapshot(store)
    if after["audit"] != before["audit"] + 1 or after["counter"] != before["counter"] + 1:
        problems.append(f"{case.allowed} {case.operation}: wrote {before} -> {after}")
    with store.read() as uow:
        (entry,) = AuditRepository(uow.session).entries(after=before["audit"])
    if (entry.principal, entry.outcome) != (case.allowed, "ok"):
        problems.append(f"{case.allowed} {case.operation}: audited as {entry}")
    return problems


@pytest.fixture
def world(sqlite_store: Store) -> Store:
    import_world(sqlite_store, world_from_yaml(WORLD))
    return sqlite_store


@pytest.mark.parametrize("case", CASES, ids=[c.operation for c in CASES])
def test_refusals(world: Store, case: Case) -> None:
    assert check_case(world, case) == []


def test_every_operation_is_in_the_matrix() -> None:
    assert {c.operation for c in CASES} == set(OPERATIONS)


def test_refusals_on_both_stores(store: Store) -> None:
    """The whole matrix on SQLite and PostgreSQL: refusals commit their audit entry alone."""
    import_world(store, world_from_yaml(WORLD))
    problems = [problem for case in CASES for problem in check_case(store, case)]
    assert problems == []


def test_auditors_and_members_cannot_change_anything(world: Store) -> None:
    registry = RegistryService(world)
    for who in ("auditor:ALL", "auditor:GBR", "member:P-GB", "member:P-JP"):
        for name, operation in OPERATIONS.items():
            before = snapshot(world)
            with pytest.raises(NotPermittedError):
                operation(registry, p(who))
            after = snapshot(world)
            assert after == {**before, "audit": before["audit"] + 1}, (who, name)


def test_a_refusal_is_listed_in_the_audit_trail(world: Store) -> None:
    registry = RegistryService(world)
    with pytest.raises(NotPermittedError, match="only authority:USA may"):
        registry.transition(p("authority:JPN"), "P-JP/CLR-1", "revoke", at=AT, reason="because")
    entry = QueryService(DecisionIndex(world)).audit(limit=None)[-1]
    assert entry["principal"] == "authority:JPN"
    assert entry["event"] == "clearance:revoke"
    assert entry["subject"] == "P-JP/CLR-1"
    assert entry["outcome"] == "refused"
    assert "authority:JPN may not revoke a USA clearance" in entry["detail"]["error"]


def test_bulk_import_is_the_distinguished_principal() -> None:
    """``system:import`` is the only system principal; adapters admit it only for import."""
    assert str(SYSTEM_IMPORT) == "system:import"
    assert parse_principal("system:import") == SYSTEM_IMPORT
    for text in ("system:root", "system:", "authority", "king:GBR", ":GBR"):
        with pytest.raises(InvalidInputError):
            parse_principal(text)
    assert parse_principal(" Authority:jpn ") == p("authority:JPN")
    assert parse_principal("auditor:all") == p("auditor:ALL")

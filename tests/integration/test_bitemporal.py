# SPDX-License-Identifier: Apache-2.0
"""Bitemporal facts: decisions at past instants as now recorded, replays as recorded at an
earlier instant, and corrections that supersede (or retract) without deleting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from clearway.domain.marking import make_marking
from clearway.domain.pdp import decide
from clearway.domain.principals import parse_principal
from clearway.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TransitionError,
)
from clearway.persistence.mappers import iso
from clearway.persistence.models import AuditEntryRecord, FactRecord
from clearway.persistence.repositories import AuditRepository
from clearway.services.access import AccessService
from clearway.services.index import DecisionIndex
from clearway.services.loading import load_world
from clearway.services.queries import QueryService
from clearway.services.registry import RegistryService
from clearway.services.store import Store
from clearway.services.transfer import import_world
from tests.factories import utc, world_from_yaml

from .conftest import FakeClock

GBR = parse_principal("authority:GBR")
USA = parse_principal("authority:USA")
MANAGER = parse_principal("manager:PRG")
AUDITOR = parse_principal("auditor:ALL")
TICK = timedelta(microseconds=1)
JUNE = utc(2026, 6, 1)

WORLD = """
organisations:
  - id: ORG-1
    nation: GBR
    facility_clearances: [{type: SECRET, status: granted, granted: 2024-01-01}]
  - id: ORG-2
    nation: GBR
    facility_clearances: [{type: SECRET, status: granted, granted: 2024-01-01}]
programmes:
  - {id: PRG, nations: [GBR, USA]}
people:
  - id: P-1
    nationalities: [GBR]
    employment: [{organisation: ORG-1, from: 2020-01-01}]
    clearances:
      - issuer: GBR
        type: SC
        history:
          - {status: applied, at: 2021-10-01}
          - {status: investigating, at: 2021-11-01}
          - {status: granted, at: 2022-01-01}
    read_on: [{programme: PRG, from: 2023-01-01}]
assets:
  - {id: A-1, originator: USA, level: SECRET, releasable_to: [GBR], programmes: [PRG]}
"""


def reasons(world: Any, at: datetime, action: str = "read") -> list[str]:
    return [r.value for r in decide(world, "P-1", "A-1", action, at).reasons]


def fact_count(store: Store) -> int:
    with store.read() as uow:
        return uow.session.execute(select(func.count()).select_from(FactRecord)).scalar_one()


def audit_count(store: Store) -> int:
    with store.read() as uow:
        return uow.session.execute(select(func.count()).select_from(AuditEntryRecord)).scalar_one()


def facts(store: Store, kind: str | None = None) -> list[dict[str, Any]]:
    found = QueryService(DecisionIndex(store)).facts("person:P-1")
    return [f for f in found if kind is None or f["kind"] == kind]


def fact_rows(store: Store) -> dict[int, tuple[Any, ...]]:
    """Every stored fact's columns, to show nothing was updated or deleted."""
    with store.read() as uow:
        rows = uow.session.execute(select(FactRecord)).scalars().all()
        return {
            f.id: (f.kind, f.subject, f.payload, f.effective_at, f.recorded_at, f.actor, f.reason)
            for f in rows
        }


def unchanged_except_appended(before: dict[int, Any], after: dict[int, Any]) -> bool:
    return all(after.get(k) == v for k, v in before.items())


@pytest.fixture
def both(store: Store) -> Store:
    import_world(store, world_from_yaml(WORLD))
    return store


@pytest.fixture
def world(sqlite_store: Store) -> Store:
    import_world(sqlite_store, world_from_yaml(WORLD))
    return sqlite_store


def test_replay_does_not_see_a_suspension_recorded_later(both: Store, clock: FakeClock) -> None:
    imported = clock.now
    clock.advance(days=10)
    recorded = clock.now + TICK
    RegistryService(both).transition(
        GBR, "P-1/CLR-1", "suspend", at=utc(2026, 3, 1), reason="adverse report"
    )
    # As now recorded: suspended from 2026-03-01, whatever the decision's instant.
    now = load_world(both)
    assert reasons(now, JUNE) == ["clearance-inactive"]
    assert reasons(now, utc(2026, 3, 1) - TICK) == []
    assert reasons(now, utc(2026, 3, 1)) == ["clearance-inactive"]
    # As recorded before the suspension was learned: still granted in June.
    for horizon in (imported, recorded - TICK):
        assert reasons(load_world(both, recorded_by=horizon), JUNE) == []
    # The recording instant itself is included.
    assert reasons(load_world(both, recorded_by=recorded), JUNE) == ["clearance-inactive"]
    # Before the import nothing existed.
    assert load_world(both, recorded_by=imported - timedelta(days=1)).people == {}


def test_access_check_replays_with_recorded_by(both: Store, clock: FakeClock) -> None:
    imported = clock.now
    clock.advance(days=1)
    RegistryService(both).transition(GBR, "P-1/CLR-1", "suspend", at=utc(2026, 3, 1))
    access = AccessService(DecisionIndex(both))
    before = audit_count(both)
    assert not access.check(AUDITOR, "P-1", "A-1", "read", JUNE).permit
    replay = access.check(AUDITOR, "P-1", "A-1", "read", JUNE, recorded_by=imported)
    assert replay.permit
    assert audit_count(both) == before + 2
    with both.read() as uow:
        entries = AuditRepository(uow.session).entries(after=before)
    assert [e.outcome for e in entries] == ["deny", "permit"]
    assert entries[1].detail["recorded_by"] == iso(imported)
    assert "recorded_by" not in entries[0].detail
    assert {e.principal for e in entries} == {"auditor:ALL"}
    # A person registered after the horizon is unknown to the replay: an error, not a deny.
    RegistryService(both).add_person(GBR, "P-2", ["GBR"])
    with pytest.raises(NotFoundError):
        access.check(AUDITOR, "P-2", "A-1", "read", JUNE, recorded_by=imported)


def test_decisions_at_past_instants_use_facts_in_effect_then(world: Store) -> None:
    registry = RegistryService(world)
    registry.leave(GBR, "P-1", "ORG-1", end=utc(2026, 4, 1))
    registry.join(GBR, "P-1", "ORG-2", start=utc(2026, 5, 1))
    registry.read_off(MANAGER, "P-1", "PRG", end=utc(2026, 8, 1))
    index = DecisionIndex(world)
    for at, download in [
        (utc(2026, 3, 31), []),
        (utc(2026, 4, 1), ["facility-clearance"]),
        (utc(2026, 5, 1) - TICK, ["facility-clearance"]),
        (utc(2026, 5, 1), []),
    ]:
        decision = index.decide("P-1", "A-1", "download", at)
        assert [r.value for r in decision.reasons] == download, at
    assert index.decide("P-1", "A-1", "read", utc(2026, 8, 1) - TICK).permit
    assert [r.value for r in index.decide("P-1", "A-1", "read", utc(2026, 8, 1)).reasons] == [
        "need-to-know"
    ]
    # A marking change recorded now but effective in the past applies to past instants.
    marking = make_marking(world.reference, originator="USA", level="SECRET", programmes=["PRG"])
    registry.change_marking(USA, "A-1", marking, at=utc(2026, 1, 1))
    index.ensure_current()
    assert index.decide("P-1", "A-1", "read", utc(2025, 12, 31)).permit
    assert [r.value for r in index.decide("P-1", "A-1", "read", utc(2026, 1, 1)).reasons] == [
        "not-releasable",
        "clearance-missing",
    ]


def test_correction_supersedes_without_deleting(both: Store, clock: FakeClock) -> None:
    (read_on,) = facts(both, "read_on")
    assert read_on["payload"]["from"] == "2023-01-01T00:00:00Z"
    before_rows = fact_rows(both)
    clock.advance(days=1)
    before_correction = clock.now
    registry = RegistryService(both)
    new = registry.correct(
        MANAGER, read_on["id"], changes={"from": utc(2026, 7, 1)}, reason="mis-keyed year"
    )
    assert unchanged_except_appended(before_rows, fact_rows(both))
    assert fact_count(both) == len(before_rows) + 1
    old_view, new_view = facts(both, "read_on")
    assert old_view["id"] == read_on["id"]
    assert old_view["payload"] == read_on["payload"]
    assert old_view["in_force"] is False
    assert new_view["id"] == new
    assert new_view["supersedes"] == read_on["id"]
    assert new_view["in_force"] is True
    assert new_view["payload"]["from"] == "2026-07-01T00:00:00Z"
    assert new_view["effective_at"] == "2026-07-01T00:00:00Z"
    assert (new_view["actor"], new_view["reason"]) == ("manager:PRG", "mis-keyed year")
    # Decisions now use the correction; a replay before it uses the original.
    assert reasons(load_world(both), JUNE) == ["need-to-know"]
    assert reasons(load_world(both), utc(2026, 7, 1)) == []
    assert reasons(load_world(both, recorded_by=before_correction), JUNE) == []
    # Corrections chain: correcting the correction supersedes it; the original stays stored.
    newest = registry.correct(
        MANAGER, new, changes={"from": utc(2026, 6, 15)}, reason="the exact day"
    )
    states = [(f["id"], f["in_force"]) for f in facts(both, "read_on")]
    assert states == [(read_on["id"], False), (new, False), (newest, True)]
    assert reasons(load_world(both), utc(2026, 6, 15)) == []
    assert reasons(load_world(both), utc(2026, 6, 15) - TICK) == ["need-to-know"]


def test_retraction(world: Store, clock: FakeClock) -> None:
    (read_on,) = facts(world, "read_on")
    clock.advance(days=1)
    horizon = clock.now
    retraction = RegistryService(world).correct(
        MANAGER, read_on["id"], retract=True, reason="never read on"
    )
    views = facts(world, "read_on")
    assert [(f["id"], f["retracted"], f["in_force"]) for f in views] == [
        (read_on["id"], False, False),
        (retraction, True, False),
    ]
    assert reasons(load_world(world), utc(2024, 1, 1)) == ["need-to-know"]
    assert reasons(load_world(world), JUNE) == ["need-to-know"]
    assert reasons(load_world(world, recorded_by=horizon), JUNE) == []
    # A retraction cannot itself be corrected, and a fact corrected once not again.
    before = fact_count(world), audit_count(world)
    with pytest.raises(InvalidInputError):
        RegistryService(world).correct(MANAGER, retraction, retract=True, reason="undo")
    with pytest.raises(ConflictError):
        RegistryService(world).correct(MANAGER, read_on["id"], retract=True, reason="again")
    assert (fact_count(world), audit_count(world)) == before


def test_retracting_a_mis_keyed_suspension(both: Store, clock: FakeClock) -> None:
    registry = RegistryService(both)
    registry.transition(GBR, "P-1/CLR-1", "suspend", at=utc(2026, 3, 1))
    clock.advance(days=1)
    suspended_view = clock.now
    (suspension,) = [
        f for f in facts(both, "clearance_status") if f["payload"]["status"] == "suspended"
    ]
    registry.correct(GBR, suspension["id"], retract=True, reason="wrong person")
    assert reasons(load_world(both), JUNE) == []
    assert reasons(load_world(both, recorded_by=suspended_view), JUNE) == ["clearance-inactive"]
    (clearance,) = load_world(both).people["P-1"].clearances
    assert [e.status.value for e in clearance.history] == ["applied", "investigating", "granted"]
    # The clearance can be suspended again after the retraction.
    registry.transition(GBR, "P-1/CLR-1", "suspend", at=utc(2026, 4, 1))
    assert reasons(load_world(both), JUNE) == ["clearance-inactive"]


def test_a_retraction_that_breaks_the_history_is_refused(world: Store) -> None:
    (investigating,) = [
        f for f in facts(world, "clearance_status") if f["payload"]["status"] == "investigating"
    ]
    before = fact_rows(world), audit_count(world)
    with pytest.raises(TransitionError):  # applied → granted is not a transition
        RegistryService(world).correct(GBR, investigating["id"], retract=True, reason="x")
    assert (fact_rows(world), audit_count(world)) == before


@pytest.mark.parametrize(
    ("kind", "changes", "reason"),
    [
        ("read_on", {"from": utc(2024, 1, 1)}, ""),  # no reason
        ("read_on", {"from": utc(2024, 1, 1)}, "   "),
        ("read_on", {"programme": "OTHER"}, "x"),  # not a correctable key
        ("read_on", {}, "x"),  # nothing to change
        ("read_on", {"from": utc(2030, 1, 1), "until": utc(2029, 1, 1)}, "x"),  # bad interval
        ("clearance_status", {"status": "revoked"}, "x"),  # statuses: retract and re-record
    ],
)
def test_bad_corrections_change_nothing(
    world: Store, kind: str, changes: dict[str, Any], reason: str
) -> None:
    (fact, *_) = facts(world, kind)
    principal = MANAGER if kind == "read_on" else GBR
    before = fact_rows(world), audit_count(world)
    with pytest.raises(InvalidInputError):
        RegistryService(world).correct(principal, fact["id"], changes=changes, reason=reason)
    assert (fact_rows(world), audit_count(world)) == before


def test_correcting_an_unknown_fact(world: Store) -> None:
    with pytest.raises(NotFoundError):
        RegistryService(world).correct(GBR, 999_999, retract=True, reason="x")


def test_correcting_an_employment_interval_moves_the_employer(world: Store) -> None:
    (job,) = facts(world, "employment")
    registry = RegistryService(world)
    registry.correct(GBR, job["id"], changes={"from": utc(2026, 7, 1)}, reason="started later")
    assert reasons(load_world(world), JUNE, "download") == ["facility-clearance"]
    assert reasons(load_world(world), utc(2026, 7, 1), "download") == []
    person = load_world(world).people["P-1"]
    assert person.employer_at(JUNE) is None
    assert person.employer_at(utc(2026, 7, 1)) == "ORG-1"


def test_index_and_replay_agree_at_every_horizon(world: Store, clock: FakeClock) -> None:
    """A replay as recorded by each change's instant decides like the index did then."""
    registry = RegistryService(world)
    index = DecisionIndex(world)
    instants = [utc(2025, 1, 1), utc(2026, 3, 15), JUNE, utc(2026, 9, 1)]
    seen: list[tuple[datetime, list[list[str]]]] = []
    changes: list[Callable[[], object]] = [
        lambda: registry.transition(GBR, "P-1/CLR-1", "suspend", at=utc(2026, 3, 1)),
        lambda: registry.transition(GBR, "P-1/CLR-1", "reinstate", at=utc(2026, 5, 1)),
        lambda: registry.read_off(MANAGER, "P-1", "PRG", end=utc(2026, 8, 1)),
        lambda: registry.leave(GBR, "P-1", "ORG-1", end=utc(2026, 2, 1)),
    ]
    for change in changes:
        clock.advance(days=1)
        change()
        horizon = clock.now
        index.ensure_current()
        answers = [
            [r.value for r in index.decide("P-1", "A-1", "download", at).reasons] for at in instants
        ]
        seen.append((horizon, answers))
    assert len({str(a) for _, a in seen}) == len(seen)  # every change made a difference
    for horizon, answers in seen:
        replay = load_world(world, recorded_by=horizon)
        assert [reasons(replay, at, "download") for at in instants] == answers

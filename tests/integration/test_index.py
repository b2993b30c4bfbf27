# SPDX-License-Identifier: Apache-2.0
"""The decision index: loaded once, kept current by the committed-change counter, and on
PostgreSQL by LISTEN/NOTIFY; changes committed through another engine (another process) are
seen by the next decision, and nothing is reloaded in full."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from clearway.domain.compiled import CompiledWorld
from clearway.domain.lifecycle import Status
from clearway.domain.marking import make_marking
from clearway.domain.principals import parse_principal
from clearway.domain.time import to_micros
from clearway.errors import NotPermittedError
from clearway.persistence.engine import make_engine
from clearway.persistence.repositories import CounterRepository
from clearway.services.access import AccessService
from clearway.services.index import DecisionIndex
from clearway.services.loading import load_world
from clearway.services.registry import RegistryService
from clearway.services.store import Store
from clearway.services.transfer import import_world
from tests.factories import utc, world_from_yaml

from .conftest import FakeClock

GBR = parse_principal("authority:GBR")
JPN = parse_principal("authority:JPN")
USA = parse_principal("authority:USA")
JUNE = utc(2026, 6, 1)

WORLD = """
organisations:
  - id: ORG-1
    nation: GBR
    facility_clearances: [{type: SECRET, status: granted, granted: 2024-01-01}]
  - {id: ORG-JP, nation: JPN}
programmes:
  - {id: PRG, nations: [GBR, JPN, USA]}
people:
  - id: P-1
    nationalities: [GBR]
    employer: ORG-1
    clearances: [{issuer: GBR, type: SC, status: granted, granted: 2022-01-01}]
    read_on: [{programme: PRG, from: 2023-01-01}]
  - id: P-2
    nationalities: [GBR]
    employer: ORG-1
    clearances: [{issuer: GBR, type: SC, status: granted, granted: 2022-01-01}]
    read_on: [{programme: PRG, from: 2023-01-01}]
assets:
  - {id: A-1, originator: USA, level: SECRET, releasable_to: [GBR, JPN], programmes: [PRG]}
  - {id: A-2, originator: GBR, level: OFFICIAL, releasable_to: [JPN]}
  - {id: A-3, originator: USA, level: SECRET, releasable_to: [GBR, JPN], programmes: [PRG],
     export_control: ITAR}
"""

OTHER = """
organisations:
  - {id: ORG-X, nation: USA}
people:
  - id: P-X
    nationalities: [USA]
    employer: ORG-X
    clearances: [{issuer: USA, type: SECRET, status: granted, granted: 2024-01-01}]
"""


def other_process(store: Store) -> Store:
    """A second store on the same database through its own engine (another process)."""
    url = store.engine.url.render_as_string(hide_password=False)
    return Store(make_engine(url), clock=store.clock)


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Store]:
    """The stores of which an index read the whole world, one item per full load."""
    calls: list[Store] = []

    def counted(store: Store, **kwargs: Any) -> Any:
        calls.append(store)
        return load_world(store, **kwargs)

    monkeypatch.setattr("clearway.services.index.load_world", counted)
    return calls


@pytest.fixture
def both(store: Store) -> Iterator[tuple[Store, Store]]:
    import_world(store, world_from_yaml(WORLD))
    other = other_process(store)
    yield store, other
    other.close()


def codes(index: DecisionIndex, person: str, asset: str, action: str, at: datetime) -> list[str]:
    return [r.value for r in index.decide(person, asset, action, at).reasons]


def test_catch_up_sees_changes_committed_through_another_engine(
    both: tuple[Store, Store], loads: list[Store]
) -> None:
    store, other = both
    index = DecisionIndex(store)
    assert codes(index, "P-1", "A-1", "read", JUNE) == []
    first = loads.count(store)
    assert first <= 1  # at most one full load, to start
    registry = RegistryService(other)

    # A suspension committed by the other process is seen after one cheap check.
    registry.transition(GBR, "P-1/CLR-1", "suspend", at=utc(2026, 3, 1))
    assert codes(index, "P-1", "A-1", "read", JUNE) == []  # not yet checked
    index.ensure_current()
    assert codes(index, "P-1", "A-1", "read", JUNE) == ["clearance-inactive"]
    assert index.catch_ups == 1

    # No change: no catch-up. Refusals and decisions are audited but change nothing.
    index.ensure_current()
    with pytest.raises(NotPermittedError):
        registry.transition(JPN, "P-1/CLR-1", "revoke", at=utc(2026, 4, 1))
    AccessService(DecisionIndex(other)).check(
        parse_principal("auditor:ALL"), "P-2", "A-1", "read", JUNE
    )
    index.ensure_current()
    assert index.catch_ups == 1

    # New records of every kind, several transactions at once.
    registry.add_programme(GBR, "PRG-NEW", ["GBR", "JPN"])
    registry.add_person(GBR, "P-3", ["GBR"], employer="ORG-1")
    registry.add_clearance(GBR, "P-3", "GBR", "SC", status=Status.GRANTED, at=utc(2025, 1, 1))
    registry.read_on(parse_principal("manager:PRG-NEW"), "P-3", "PRG-NEW", start=utc(2026, 1, 1))
    registry.register_asset(
        GBR,
        "A-NEW",
        make_marking(
            store.reference, originator="GBR", level="SECRET", releasable_to=["JPN"],
            programmes=["PRG-NEW"],
        ),
    )  # fmt: skip
    import_world(other, world_from_yaml(OTHER))
    index.ensure_current()
    assert index.catch_ups == 2
    assert codes(index, "P-3", "A-NEW", "download", JUNE) == []
    assert codes(index, "P-3", "A-NEW", "read", utc(2025, 12, 31)) == ["need-to-know"]
    assert codes(index, "P-X", "A-1", "read", JUNE) == ["need-to-know"]

    # An organisation's facility clearance changes every employee's downloads.
    registry.facility_transition(GBR, "ORG-1/FCL-1", "suspend", at=utc(2026, 5, 1))
    index.ensure_current()
    assert codes(index, "P-3", "A-NEW", "download", JUNE) == ["facility-clearance"]
    assert index.catch_ups == 3
    assert loads.count(store) == first  # never reloaded in full
    with store.read() as uow:
        assert index.txn == CounterRepository(uow.session).current()


def test_decisions_through_access_catch_up_first(both: tuple[Store, Store]) -> None:
    store, other = both
    access = AccessService(DecisionIndex(store))
    auditor = parse_principal("auditor:ALL")
    assert access.check(auditor, "P-2", "A-1", "read", JUNE).reasons == ()
    RegistryService(other).transition(GBR, "P-2/CLR-1", "revoke", at=utc(2026, 1, 1))
    decision = access.check(auditor, "P-2", "A-1", "read", JUNE)
    assert [r.value for r in decision.reasons] == ["clearance-inactive"]
    RegistryService(other).add_person(GBR, "P-9", ["GBR"])
    assert "P-9" in access.readers(auditor, "A-2", "read", JUNE)
    assert access.index.catch_ups == 2


def _all_decisions(world: Any, instants: list[datetime]) -> dict[tuple[Any, ...], list[Any]]:
    compiled = world if isinstance(world, CompiledWorld) else CompiledWorld(world)
    return {
        (p, a, d, t): compiled.reasons_at(p, a, d, to_micros(t))
        for p in sorted(compiled.people)
        for a in sorted(compiled.assets)
        for d in (False, True)
        for t in instants
    }


def test_catching_up_equals_loading_afresh(
    sqlite_store: Store, clock: FakeClock, loads: list[Store]
) -> None:
    """After each change, the caught-up index decides exactly like a fresh full load."""
    import_world(sqlite_store, world_from_yaml(WORLD))
    index = DecisionIndex(sqlite_store)
    assert codes(index, "P-1", "A-1", "read", JUNE) == []
    first = len(loads)
    registry = RegistryService(sqlite_store)
    manager = parse_principal("manager:PRG")
    reference = sqlite_store.reference
    instants = [utc(2025, 6, 1), utc(2026, 1, 1), utc(2026, 3, 1), JUNE, utc(2026, 9, 1)]
    instants += [t - timedelta(microseconds=1) for t in instants]

    def facts_of(owner: str, kind: str) -> list[int]:
        from clearway.services.queries import QueryService

        found = QueryService(DecisionIndex(sqlite_store)).facts(owner)
        return [f["id"] for f in found if f["kind"] == kind and f["in_force"]]

    changes: list[Callable[[], object]] = [
        lambda: registry.transition(GBR, "P-1/CLR-1", "suspend", at=utc(2026, 3, 1)),
        lambda: registry.read_off(manager, "P-2", "PRG", end=utc(2026, 8, 1)),
        lambda: registry.add_nationality(JPN, "P-2", "JPN", start=utc(2026, 1, 1)),
        lambda: registry.add_programme(JPN, "PRG-J", ["JPN"]),
        lambda: registry.register_asset(
            JPN,
            "A-J",
            make_marking(reference, originator="JPN", level="秘", programmes=["PRG-J"]),
        ),
        lambda: registry.read_on(
            parse_principal("manager:PRG-J"), "P-2", "PRG-J", start=utc(2026, 2, 1)
        ),
        lambda: registry.add_clearance(
            JPN, "P-2", "JPN", "CESI", status=Status.GRANTED, at=utc(2025, 1, 1)
        ),
        lambda: registry.leave(GBR, "P-2", "ORG-1", end=utc(2026, 4, 1)),
        lambda: registry.join(JPN, "P-2", "ORG-JP", start=utc(2026, 4, 1)),
        lambda: registry.add_facility_clearance(
            JPN, "ORG-JP", "CESI", status=Status.GRANTED, at=utc(2026, 5, 1)
        ),
        lambda: registry.change_marking(
            USA,
            "A-1",
            make_marking(
                reference,
                originator="USA",
                level="CONFIDENTIAL",
                releasable_to=["GBR", "JPN"],
                programmes=["PRG"],
                caveats=["ORCON"],
            ),
            at=utc(2026, 2, 1),
        ),
        lambda: registry.add_approval(USA, "A-1", "organisation", "ORG-1", start=utc(2026, 1, 1)),
        lambda: registry.add_export_authorisation(
            USA, "person", "P-2", "ITAR", asset="A-3", start=utc(2026, 1, 1)
        ),
        lambda: registry.add_aukus_period(USA, "ORG-1", start=utc(2025, 1, 1)),
        lambda: registry.record_visit(
            GBR, "P-2", "ORG-1", ["PRG"], start=utc(2026, 8, 1), end=utc(2026, 9, 2)
        ),
        lambda: registry.correct(
            manager,
            facts_of("person:P-2", "read_on")[0],
            changes={"from": utc(2026, 2, 15)},
            reason="mis-keyed",
        ),
        lambda: registry.correct(
            GBR, facts_of("person:P-1", "clearance_status")[-1], retract=True, reason="wrong"
        ),
    ]
    history: list[dict[tuple[Any, ...], list[Any]]] = []
    for n, change in enumerate(changes):
        clock.advance(hours=1)
        change()
        index.ensure_current()
        fresh = _all_decisions(load_world(sqlite_store), instants)
        caught_up = {
            (p, a, d, t): list(index.decide(p, a, "download" if d else "read", t).reasons)
            for p, a, d, t in fresh
        }
        different = {k: (caught_up[k], v) for k, v in fresh.items() if caught_up.get(k) != v}
        assert different == {}, f"after change {n}"
        assert set(caught_up) == set(fresh)
        history.append(fresh)
    assert index.catch_ups == len(changes)
    assert len(loads) == first  # never reloaded in full
    # Every change made a difference somewhere (the comparison is not vacuous), but the
    # nationality and the programme (which only enable the JPN read-on) and joining an
    # organisation without a facility clearance (no employer and an uncleared one fail alike).
    unchanged = [n for n in range(1, len(history)) if history[n] == history[n - 1]]
    assert unchanged == [2, 3, 8]


def test_a_new_index_starts_without_catching_up(sqlite_store: Store, loads: list[Store]) -> None:
    import_world(sqlite_store, world_from_yaml(WORLD))
    index = DecisionIndex(sqlite_store)
    index.ensure_current()
    started = len(loads)
    assert started <= 1
    assert index.catch_ups == 0
    index.ensure_current()
    assert codes(index, "P-1", "A-1", "read", JUNE) == []
    assert (len(loads), index.catch_ups) == (started, 0)
    with sqlite_store.read() as uow:
        assert index.txn == CounterRepository(uow.session).current()


def test_listen_keeps_an_idle_index_current(both: tuple[Store, Store]) -> None:
    store, other = both
    if store.engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    index = DecisionIndex(store)
    assert codes(index, "P-1", "A-1", "read", JUNE) == []
    index.listen()
    try:
        RegistryService(other).transition(GBR, "P-1/CLR-1", "suspend", at=utc(2026, 3, 1))
        with other.read() as uow:
            target = CounterRepository(uow.session).current()
        deadline = time.monotonic() + 10
        while index.txn < target and time.monotonic() < deadline:
            time.sleep(0.05)
        assert index.txn == target  # caught up in the background, no ensure_current
        assert index.catch_ups == 1
        assert codes(index, "P-1", "A-1", "read", JUNE) == ["clearance-inactive"]
        # An import is picked up too.
        import_world(other, world_from_yaml(OTHER))
        deadline = time.monotonic() + 10
        while index.catch_ups < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert index.catch_ups == 2
        with other.read() as uow:
            assert index.txn == CounterRepository(uow.session).current()
        assert codes(index, "P-X", "A-1", "read", JUNE) == ["need-to-know"]
    finally:
        index.stop()
    # After stop(), nothing listens: changes wait for the next ensure_current.
    seen = index.catch_ups
    RegistryService(other).transition(GBR, "P-2/CLR-1", "suspend", at=utc(2026, 3, 1))
    time.sleep(0.3)
    assert index.catch_ups == seen
    index.ensure_current()
    assert index.catch_ups == seen + 1


def test_views_see_records_no_decision_asked_for(sqlite_store: Store) -> None:
    from clearway.services.queries import QueryService

    import_world(sqlite_store, world_from_yaml(WORLD))
    views = QueryService(DecisionIndex(sqlite_store))
    assert [p["id"] for p in views.people(JUNE)] == ["P-1", "P-2"]
    assert sorted(c["id"] for c in views.clearances(JUNE)) == ["P-1/CLR-1", "P-2/CLR-1"]
    assert views.person("P-2", JUNE)["employer"] == "ORG-1"
    assert [o["id"] for o in views.organisations(JUNE)] == ["ORG-1", "ORG-JP"]
    assert [a["id"] for a in views.assets(JUNE)] == ["A-1", "A-2", "A-3"]
    members = {p["id"]: p["members"] for p in views.programmes(JUNE)}
    assert members["PRG"] == ["P-1", "P-2"]

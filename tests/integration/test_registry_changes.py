# SPDX-License-Identifier: Apache-2.0
"""Every registry change through :class:`RegistryService`, on both stores.

Each change is one transaction with exactly one audit entry naming the acting principal; its
facts carry ``recorded_at`` (from the FakeClock), the actor and the reason. Rejected changes
(disallowed transitions, bad input, conflicts) change nothing at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from clearway.domain.lifecycle import CLEARANCE_VERBS, Status, StatusEntry, validate_history
from clearway.domain.marking import make_marking, render_banner
from clearway.domain.principals import Principal, parse_principal
from clearway.domain.time import Interval
from clearway.errors import (
    ClearwayError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TransitionError,
)
from clearway.persistence.mappers import iso
from clearway.persistence.models import AuditEntryRecord, FactRecord
from clearway.persistence.repositories import IDENTITY_MODELS, AuditRepository
from clearway.services.index import DecisionIndex
from clearway.services.loading import load_world
from clearway.services.queries import QueryService
from clearway.services.registry import RegistryService
from clearway.services.store import Store
from clearway.services.transfer import import_world
from tests.factories import utc, world_from_yaml

from .conftest import FakeClock

GBR = parse_principal("authority:GBR")
JPN = parse_principal("authority:JPN")
USA = parse_principal("authority:USA")

BASE = """
organisations:
  - id: ORG-GB
    nation: GBR
    facility_clearances: [{type: SECRET, status: granted, granted: 2024-01-01}]
  - {id: ORG-GB2, nation: GBR}
  - id: ORG-JP
    nation: JPN
    facility_clearances: [{type: SDS, status: granted, granted: 2024-01-01}]
  - {id: ORG-US, nation: USA}
programmes:
  - {id: PRG, nations: [GBR, JPN, USA]}
  - {id: PRG-GU, nations: [GBR, USA]}
people:
  - id: P-GB
    nationalities: [GBR]
    employer: ORG-GB
    clearances: [{issuer: GBR, type: SC, status: granted, granted: 2022-01-01}]
    read_on: [{programme: PRG, from: 2023-01-01}]
  - id: P-JP
    nationalities: [JPN]
    employer: ORG-JP
    clearances: [{issuer: JPN, type: SDS, status: granted, granted: 2024-01-01}]
    read_on: [{programme: PRG, from: 2024-01-01}]
assets:
  - {id: A-GB, originator: GBR, level: SECRET, releasable_to: [GBR, JPN, USA], programmes: [PRG]}
  - {id: A-US, originator: USA, level: SECRET, releasable_to: [GBR, JPN, USA], programmes: [PRG],
     caveats: [ORCON], export_control: ITAR}
  - {id: A-US2, originator: USA, level: SECRET, releasable_to: [GBR, JPN, USA], programmes: [PRG],
     export_control: ITAR}
"""


# --- helpers ----------------------------------------------------------------------------------


def counts(store: Store) -> dict[str, int]:
    """How many facts, identity rows of each kind and audit entries the store holds."""
    models = {m.__tablename__: m for m in IDENTITY_MODELS}
    models.update(fact=FactRecord, audit=AuditEntryRecord)
    query = select(
        *(
            select(func.count()).select_from(model).scalar_subquery().label(name)
            for name, model in models.items()
        )
    )
    with store.read() as uow:
        row = uow.session.execute(query).one()
    return dict(row._mapping)


def audit_after(store: Store, seq: int) -> list[AuditEntryRecord]:
    with store.read() as uow:
        return list(AuditRepository(uow.session).entries(after=seq))


def last_seq(store: Store) -> int:
    with store.read() as uow:
        entries = AuditRepository(uow.session).entries()
        return entries[-1].seq if entries else 0


def facts_of(store: Store, owner: str) -> list[dict[str, Any]]:
    return QueryService(DecisionIndex(store)).facts(owner)


def reasons(store: Store, person: str, asset: str, action: str, at: datetime) -> list[str]:
    """The reason codes of a decision from a fresh index (the store as now recorded)."""
    decision = DecisionIndex(store).decide(person, asset, action, at)
    return [r.value for r in decision.reasons]


def expect_one_change(
    store: Store,
    clock: FakeClock,
    run: Any,
    *,
    principal: Principal,
    event: str,
    new_facts: int = 1,
    reason: str = "",
) -> Any:
    """Run a change and check it wrote ``new_facts`` facts and exactly one audit entry, all
    stamped with one recording instant from the clock and the acting principal."""
    before = counts(store)
    seq = last_seq(store)
    clock.advance(hours=1)
    expected_at = clock.now + timedelta(microseconds=1)
    result = run()
    after = counts(store)
    assert after["fact"] - before["fact"] == new_facts
    assert after["audit"] - before["audit"] == 1
    (entry,) = audit_after(store, seq)
    assert entry.principal == str(principal)
    assert entry.event == event
    assert entry.outcome == "ok"
    assert entry.recorded_at == expected_at
    if reason:
        assert entry.detail.get("reason") == reason
    with store.read() as uow:
        written = (
            uow.session.execute(select(FactRecord).where(FactRecord.recorded_at == expected_at))
            .scalars()
            .all()
        )
    assert len(written) == new_facts
    for fact in written:
        assert fact.actor == str(principal)
        assert fact.reason == reason
    return result


def expect_nothing_changed(store: Store, run: Any, error: type[Exception]) -> Exception:
    before = counts(store)
    with pytest.raises(error) as info:
        run()
    assert counts(store) == before
    return info.value


@pytest.fixture
def world(sqlite_store: Store) -> Store:
    """The base world in a SQLite store (logic that does not depend on the database)."""
    import_world(sqlite_store, world_from_yaml(BASE))
    return sqlite_store


@pytest.fixture
def both(store: Store) -> Store:
    """The base world on SQLite and on PostgreSQL."""
    import_world(store, world_from_yaml(BASE))
    return store


# --- the transition table ---------------------------------------------------------------------

#: Histories reaching each status, the status they end in, and what each verb leads to.
PATHS: dict[str, list[str]] = {
    "applied": ["applied"],
    "investigating": ["applied", "investigating"],
    "interim": ["applied", "investigating", "interim"],
    "granted": ["applied", "investigating", "granted"],
    "suspended": ["applied", "investigating", "granted", "suspended"],
    "suspended-interim": ["applied", "investigating", "interim", "suspended"],
    "denied": ["applied", "investigating", "denied"],
    "revoked": ["applied", "investigating", "granted", "revoked"],
    "withdrawn": ["applied", "withdrawn"],
}
ALLOWED: dict[str, dict[str, Status]] = {
    "applied": {"investigate": Status.INVESTIGATING, "withdraw": Status.WITHDRAWN},
    "investigating": {
        "interim": Status.INTERIM,
        "grant": Status.GRANTED,
        "deny": Status.DENIED,
        "withdraw": Status.WITHDRAWN,
    },
    "interim": {
        "grant": Status.GRANTED,
        "deny": Status.DENIED,
        "suspend": Status.SUSPENDED,
        "revoke": Status.REVOKED,
        "withdraw": Status.WITHDRAWN,
    },
    "granted": {
        "revalidate": Status.GRANTED,
        "suspend": Status.SUSPENDED,
        "revoke": Status.REVOKED,
        "withdraw": Status.WITHDRAWN,
    },
    # From `suspended` the status held before comes back only through `reinstate` (SPEC §3);
    # `grant` or `interim` there would read as a new grant date, so they are refused.
    "suspended": {
        "reinstate": Status.GRANTED,
        "revoke": Status.REVOKED,
        "withdraw": Status.WITHDRAWN,
    },
    "suspended-interim": {
        "reinstate": Status.INTERIM,
        "revoke": Status.REVOKED,
        "withdraw": Status.WITHDRAWN,
    },
    "denied": {},
    "revoked": {},
    "withdrawn": {},
}
CASES = [(state, verb) for state in PATHS for verb in CLEARANCE_VERBS]


def _history_yaml(statuses: list[str]) -> str:
    entries = ", ".join(
        f"{{status: {s}, at: {utc(2020, 1, 1 + i).date().isoformat()}}}"
        for i, s in enumerate(statuses)
    )
    return f"[{entries}]"


def _table_world() -> str:
    """Per start state, one person and one organisation holding one clearance per verb."""
    lines = ["organisations:"]
    for n, state in enumerate(PATHS):
        lines += [f"  - id: ORG-{n}", "    nation: GBR", "    facility_clearances:"]
        lines += [
            f"      - {{type: SECRET, history: {_history_yaml(PATHS[state])}}}"
            for _ in CLEARANCE_VERBS
        ]
    lines.append("people:")
    for n, state in enumerate(PATHS):
        lines += [f"  - id: P-{n}", "    nationalities: [GBR]", "    clearances:"]
        lines += [
            f"      - {{issuer: GBR, type: SC, history: {_history_yaml(PATHS[state])}}}"
            for _ in CLEARANCE_VERBS
        ]
    return "\n".join(lines) + "\n"


def test_transition_table(store: Store) -> None:
    """Every verb from every status, for personnel and facility clearances."""
    import_world(store, world_from_yaml(_table_world()))
    registry = RegistryService(store)
    at = utc(2021, 1, 1)
    problems: list[str] = []
    for facility in (False, True):
        method = registry.facility_transition if facility else registry.transition
        for n, state in enumerate(PATHS):
            for k, verb in enumerate(CLEARANCE_VERBS):
                ident = f"ORG-{n}/FCL-{k + 1}" if facility else f"P-{n}/CLR-{k + 1}"
                case = f"{'facility' if facility else 'personnel'} {state} --{verb}-->"
                before = counts(store)
                expected = ALLOWED[state].get(verb)
                if expected is None:
                    try:
                        method(GBR, ident, verb, at=at, reason="table")
                    except InvalidInputError:
                        if counts(store) != before:
                            problems.append(f"{case} refused but changed the store")
                    else:
                        problems.append(f"{case} was allowed")
                    continue
                try:
                    result = method(GBR, ident, verb, at=at, reason="table")
                except InvalidInputError as exc:
                    problems.append(f"{case} refused: {exc}")
                    continue
                after = counts(store)
                if result is not expected:
                    problems.append(f"{case} {result}, expected {expected}")
                if (after["fact"] - before["fact"], after["audit"] - before["audit"]) != (1, 1):
                    problems.append(f"{case} wrote {after} from {before}")
    assert problems == []


def test_terminal_and_wrong_verbs_raise_transition_errors(world: Store) -> None:
    registry = RegistryService(world)
    registry.transition(GBR, "P-GB/CLR-1", "revoke", at=utc(2026, 1, 1))
    error = expect_nothing_changed(
        world, lambda: registry.transition(GBR, "P-GB/CLR-1", "suspend", at=utc(2026, 2, 1)),
        TransitionError,
    )  # fmt: skip
    assert "revoked" in str(error)
    expect_nothing_changed(
        world,
        lambda: registry.transition(GBR, "P-GB/CLR-1", "promote", at=utc(2026, 2, 1)),
        InvalidInputError,
    )
    expect_nothing_changed(
        world,
        lambda: registry.transition(GBR, "P-GB/CLR-99", "suspend", at=utc(2026, 2, 1)),
        NotFoundError,
    )


def test_full_lifecycle_through_the_api(both: Store, clock: FakeClock) -> None:
    registry = RegistryService(both)
    ident = expect_one_change(
        both,
        clock,
        lambda: registry.add_clearance(
            GBR, "P-GB", "GBR", "DV", at=utc(2025, 1, 1), reason="application"
        ),
        principal=GBR,
        event="clearance:add",
        reason="application",
    )
    assert ident == "P-GB/CLR-2"
    steps = [
        ("investigate", utc(2025, 2, 1), Status.INVESTIGATING),
        ("interim", utc(2025, 3, 1), Status.INTERIM),
        ("grant", utc(2025, 4, 1), Status.GRANTED),
        ("suspend", utc(2025, 5, 1), Status.SUSPENDED),
        ("reinstate", utc(2025, 6, 1), Status.GRANTED),
        ("revalidate", utc(2025, 7, 1), Status.GRANTED),
        ("withdraw", utc(2025, 8, 1), Status.WITHDRAWN),
    ]
    for verb, at, status in steps:
        result = expect_one_change(
            both,
            clock,
            lambda verb=verb, at=at: registry.transition(
                GBR, ident, verb, at=at, reason=f"step {verb}"
            ),
            principal=GBR,
            event=f"clearance:{verb}",
            reason=f"step {verb}",
        )
        assert result is status
    (dv,) = [c for c in load_world(both).people["P-GB"].clearances if c.id == ident]
    assert [e.status.value for e in dv.history] == [
        "applied", "investigating", "interim", "granted", "suspended", "granted", "granted",
        "withdrawn",
    ]  # fmt: skip
    assert [e.at for e in dv.history] == [utc(2025, 1, 1)] + [at for _, at, _ in steps]
    assert dv.standing_at(utc(2026, 1, 1)).name == "INACTIVE"


def test_facility_lifecycle_and_download(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    assert reasons(world, "P-GB", "A-GB", "download", utc(2026, 6, 1)) == []
    registry.facility_transition(GBR, "ORG-GB/FCL-1", "suspend", at=utc(2026, 3, 1))
    assert reasons(world, "P-GB", "A-GB", "download", utc(2026, 6, 1)) == ["facility-clearance"]
    assert reasons(world, "P-GB", "A-GB", "read", utc(2026, 6, 1)) == []
    assert reasons(world, "P-GB", "A-GB", "download", utc(2026, 2, 1)) == []
    status = expect_one_change(
        world,
        clock,
        lambda: registry.facility_transition(GBR, "ORG-GB/FCL-1", "reinstate", at=utc(2026, 4, 1)),
        principal=GBR,
        event="facility:reinstate",
    )
    assert status is Status.GRANTED
    assert reasons(world, "P-GB", "A-GB", "download", utc(2026, 3, 15)) == ["facility-clearance"]
    assert reasons(world, "P-GB", "A-GB", "download", utc(2026, 6, 1)) == []
    new = expect_one_change(
        world,
        clock,
        lambda: registry.add_facility_clearance(GBR, "ORG-GB2", "SECRET", at=utc(2026, 1, 1)),
        principal=GBR,
        event="facility:add",
    )
    assert new == "ORG-GB2/FCL-1"


def test_reinstate_returns_to_the_status_before_suspension(world: Store) -> None:
    registry = RegistryService(world)
    ident = registry.add_clearance(GBR, "P-GB", "GBR", "SC", at=utc(2025, 1, 1))
    registry.transition(GBR, ident, "investigate", at=utc(2025, 2, 1))
    registry.transition(GBR, ident, "interim", at=utc(2025, 3, 1))
    registry.transition(GBR, ident, "suspend", at=utc(2025, 4, 1))
    assert registry.transition(GBR, ident, "reinstate", at=utc(2025, 5, 1)) is Status.INTERIM
    expect_nothing_changed(
        world,
        lambda: registry.transition(GBR, ident, "reinstate", at=utc(2025, 6, 1)),
        InvalidInputError,
    )
    assert registry.transition(GBR, "P-GB/CLR-1", "suspend", at=utc(2025, 1, 1)) is Status.SUSPENDED
    assert registry.transition(GBR, "P-GB/CLR-1", "reinstate", at=utc(2025, 2, 1)) is Status.GRANTED


def test_revalidate_resets_the_grant_date_and_reinstate_does_not(world: Store) -> None:
    registry = RegistryService(world)
    # GBR SC lasts 10 years: granted 2016-01-01 expires 2026-01-01.
    ident = registry.add_clearance(
        GBR, "P-GB", "GBR", "SC", status=Status.GRANTED, at=utc(2016, 1, 1)
    )
    registry.transition(GBR, "P-GB/CLR-1", "withdraw", at=utc(2022, 6, 1))  # only the new one
    expiry = utc(2026, 1, 1)
    tick = timedelta(microseconds=1)
    assert reasons(world, "P-GB", "A-GB", "read", expiry - tick) == []
    assert reasons(world, "P-GB", "A-GB", "read", expiry) == ["clearance-expired"]
    registry.transition(GBR, ident, "suspend", at=utc(2024, 1, 1))
    registry.transition(GBR, ident, "reinstate", at=utc(2024, 2, 1))
    assert reasons(world, "P-GB", "A-GB", "read", utc(2024, 1, 15)) == ["clearance-inactive"]
    assert reasons(world, "P-GB", "A-GB", "read", expiry - tick) == []
    assert reasons(world, "P-GB", "A-GB", "read", expiry) == ["clearance-expired"]
    registry.transition(GBR, ident, "revalidate", at=utc(2025, 6, 1))
    assert reasons(world, "P-GB", "A-GB", "read", expiry) == []
    assert reasons(world, "P-GB", "A-GB", "read", utc(2035, 6, 1) - tick) == []
    assert reasons(world, "P-GB", "A-GB", "read", utc(2035, 6, 1)) == ["clearance-expired"]
    (clearance,) = [c for c in load_world(world).people["P-GB"].clearances if c.id == ident]
    assert clearance.expiry_at(utc(2030, 1, 1)) == utc(2035, 6, 1)
    assert clearance.expiry_at(utc(2025, 1, 1)) == expiry


def test_explicit_expiry_on_grant(world: Store) -> None:
    registry = RegistryService(world)
    ident = registry.add_clearance(GBR, "P-GB", "GBR", "SC", at=utc(2025, 1, 1))
    registry.transition(GBR, "P-GB/CLR-1", "withdraw", at=utc(2022, 6, 1))
    registry.transition(GBR, ident, "investigate", at=utc(2025, 2, 1))
    registry.transition(GBR, ident, "grant", at=utc(2025, 3, 1), expires=utc(2027, 3, 1))
    assert reasons(world, "P-GB", "A-GB", "read", utc(2027, 2, 28)) == []
    assert reasons(world, "P-GB", "A-GB", "read", utc(2027, 3, 1)) == ["clearance-expired"]


@pytest.mark.parametrize("offset", [timedelta(0), -timedelta(days=1)], ids=["same", "earlier"])
def test_back_dated_transition_not_after_the_last_is_rejected(
    world: Store, offset: timedelta
) -> None:
    registry = RegistryService(world)
    registry.transition(GBR, "P-GB/CLR-1", "suspend", at=utc(2026, 3, 1))
    error = expect_nothing_changed(
        world,
        lambda: registry.transition(GBR, "P-GB/CLR-1", "revoke", at=utc(2026, 3, 1) + offset),
        InvalidInputError,
    )
    assert "not after" in str(error)
    # Before the first status entry too (granted 2022-01-01).
    expect_nothing_changed(
        world,
        lambda: registry.transition(GBR, "P-GB/CLR-1", "revoke", at=utc(2021, 1, 1)),
        InvalidInputError,
    )


# --- people, nationality, employment ---------------------------------------------------------


def test_add_person_and_nationalities(both: Store, clock: FakeClock) -> None:
    registry = RegistryService(both)
    expect_one_change(
        both,
        clock,
        lambda: registry.add_person(
            GBR, "P-NEW", ["gbr"], name="New", employer="ORG-GB", since=utc(2025, 1, 1),
            reason="hired",
        ),
        principal=GBR,
        event="person:add",
        new_facts=2,
        reason="hired",
    )  # fmt: skip
    facts = facts_of(both, "person:P-NEW")
    assert sorted(f["kind"] for f in facts) == ["employment", "nationality"]
    nationality = next(f for f in facts if f["kind"] == "nationality")
    assert nationality["payload"] == {
        "nation": "GBR",
        "from": "2025-01-01T00:00:00Z",
        "until": None,
    }
    assert nationality["actor"] == "authority:GBR"
    assert nationality["reason"] == "hired"
    assert nationality["in_force"] is True
    # A second nationality from 2026 (its own authority), then given up.
    fact = expect_one_change(
        both,
        clock,
        lambda: registry.add_nationality(JPN, "P-NEW", "JPN", start=utc(2026, 1, 1)),
        principal=JPN,
        event="nationality:add",
    )
    assert isinstance(fact, int)
    person = load_world(both).people["P-NEW"]
    assert person.nationalities_at(utc(2025, 6, 1)) == ["GBR"]
    assert person.nationalities_at(utc(2026, 6, 1)) == ["GBR", "JPN"]
    expect_one_change(
        both,
        clock,
        lambda: registry.end_nationality(JPN, "P-NEW", "JPN", utc(2026, 3, 1)),
        principal=JPN,
        event="nationality:end",
    )
    person = load_world(both).people["P-NEW"]
    assert person.nationalities_at(utc(2026, 6, 1)) == ["GBR"]
    assert person.nationalities_at(utc(2026, 2, 1)) == ["GBR", "JPN"]
    # Unknown nation, duplicate person, no nationality: refused without change.
    expect_nothing_changed(
        both, lambda: registry.add_nationality(JPN, "P-NEW", "XYZ"), InvalidInputError
    )
    expect_nothing_changed(both, lambda: registry.add_person(GBR, "P-NEW", ["GBR"]), ConflictError)
    expect_nothing_changed(both, lambda: registry.add_person(GBR, "P-NONE", []), InvalidInputError)
    expect_nothing_changed(
        both, lambda: registry.add_person(GBR, "P-X", ["GBR"], employer="ORG-NOPE"), NotFoundError
    )


def test_one_employer_at_a_time(both: Store, clock: FakeClock) -> None:
    registry = RegistryService(both)
    error = expect_nothing_changed(
        both,
        lambda: registry.join(GBR, "P-GB", "ORG-GB2", start=utc(2026, 1, 1)),
        ConflictError,
    )
    assert "ORG-GB" in str(error)
    expect_one_change(
        both,
        clock,
        lambda: registry.leave(GBR, "P-GB", "ORG-GB", end=utc(2026, 1, 1), reason="moved"),
        principal=GBR,
        event="employment:leave",
        reason="moved",
    )
    # Joining before leaving the previous employer still overlaps.
    expect_nothing_changed(
        both,
        lambda: registry.join(GBR, "P-GB", "ORG-GB2", start=utc(2025, 12, 31)),
        ConflictError,
    )
    expect_one_change(
        both,
        clock,
        lambda: registry.join(
            parse_principal("officer:ORG-GB2"), "P-GB", "ORG-GB2", start=utc(2026, 1, 1)
        ),
        principal=parse_principal("officer:ORG-GB2"),
        event="employment:join",
    )
    person = load_world(both).people["P-GB"]
    assert person.employer_at(utc(2025, 6, 1)) == "ORG-GB"
    assert person.employer_at(utc(2026, 6, 1)) == "ORG-GB2"
    # The new employer has no facility clearance: download is refused from then on only.
    assert reasons(both, "P-GB", "A-GB", "download", utc(2025, 6, 1)) == []
    assert reasons(both, "P-GB", "A-GB", "download", utc(2026, 6, 1)) == ["facility-clearance"]
    # Leaving an organisation one does not work for is an error.
    expect_nothing_changed(
        both, lambda: registry.leave(GBR, "P-GB", "ORG-GB", end=utc(2026, 6, 1)), NotFoundError
    )
    # The superseded open employment is kept, not overwritten.
    employment = [f for f in facts_of(both, "person:P-GB") if f["kind"] == "employment"]
    assert len(employment) == 3
    assert [f["in_force"] for f in employment] == [False, True, True]
    assert employment[1]["supersedes"] == employment[0]["id"]


# --- programmes and read-ons -----------------------------------------------------------------


def test_read_on_and_off(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    manager = parse_principal("manager:PRG-GU")
    registry.add_person(GBR, "P-GB2", ["GBR"], employer="ORG-GB")
    registry.add_clearance(GBR, "P-GB2", "GBR", "SC", status=Status.GRANTED, at=utc(2024, 1, 1))
    registry.register_asset(
        GBR,
        "A-GU",
        make_marking(
            world.reference, originator="GBR", level="SECRET", releasable_to=["USA"],
            programmes=["PRG-GU"],
        ),
    )  # fmt: skip
    assert reasons(world, "P-GB2", "A-GU", "read", utc(2026, 6, 1)) == ["need-to-know"]
    expect_one_change(
        world,
        clock,
        lambda: registry.read_on(manager, "P-GB2", "PRG-GU", start=utc(2026, 1, 1)),
        principal=manager,
        event="read-on:add",
    )
    assert reasons(world, "P-GB2", "A-GU", "read", utc(2026, 6, 1)) == []
    assert reasons(world, "P-GB2", "A-GU", "read", utc(2025, 12, 31)) == ["need-to-know"]
    expect_one_change(
        world,
        clock,
        lambda: registry.read_off(manager, "P-GB2", "PRG-GU", end=utc(2026, 7, 1)),
        principal=manager,
        event="read-on:end",
    )
    assert reasons(world, "P-GB2", "A-GU", "read", utc(2026, 6, 30)) == []
    assert reasons(world, "P-GB2", "A-GU", "read", utc(2026, 7, 1)) == ["need-to-know"]
    expect_nothing_changed(
        world, lambda: registry.read_off(manager, "P-GB2", "PRG-GU"), NotFoundError
    )


def test_read_on_needs_a_participating_nationality(world: Store) -> None:
    registry = RegistryService(world)
    manager = parse_principal("manager:PRG-GU")
    error = expect_nothing_changed(
        world,
        lambda: registry.read_on(manager, "P-JP", "PRG-GU", start=utc(2026, 1, 1)),
        InvalidInputError,
    )
    assert "P-JP" in str(error)
    # A USA nationality held from 2026-03-01 makes a read-on from then possible, not before.
    registry.add_nationality(USA, "P-JP", "USA", start=utc(2026, 3, 1))
    expect_nothing_changed(
        world,
        lambda: registry.read_on(manager, "P-JP", "PRG-GU", start=utc(2026, 2, 1)),
        InvalidInputError,
    )
    registry.read_on(manager, "P-JP", "PRG-GU", start=utc(2026, 3, 1))
    nope = parse_principal("manager:PRG-NOPE")
    expect_nothing_changed(world, lambda: registry.read_on(nope, "P-JP", "PRG-NOPE"), NotFoundError)


def test_add_programme(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    expect_one_change(
        world,
        clock,
        lambda: registry.add_programme(JPN, "PRG-NEW", ["jpn", "GBR"], name="New"),
        principal=JPN,
        event="programme:add",
        new_facts=0,
    )
    view = {p["id"]: p for p in QueryService(DecisionIndex(world)).programmes(utc(2026, 6, 1))}
    assert view["PRG-NEW"]["nations"] == ["GBR", "JPN"]
    expect_nothing_changed(
        world, lambda: registry.add_programme(JPN, "PRG-NEW", ["JPN"]), ConflictError
    )
    expect_nothing_changed(
        world, lambda: registry.add_programme(JPN, "PRG-E", []), InvalidInputError
    )


# --- assets, markings, approvals -------------------------------------------------------------


def test_register_asset_and_change_marking(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    reference = world.reference
    marking = make_marking(
        reference, originator="GBR", level="SECRET", releasable_to=["JPN"], programmes=["PRG"]
    )
    expect_one_change(
        world,
        clock,
        lambda: registry.register_asset(GBR, "A-NEW", marking, "new", reason="filed"),
        principal=GBR,
        event="asset:register",
        reason="filed",
    )
    assert reasons(world, "P-JP", "A-NEW", "read", utc(2026, 6, 1)) == []
    narrower = make_marking(reference, originator="GBR", level="SECRET", programmes=["PRG"])
    fact = expect_one_change(
        world,
        clock,
        lambda: registry.change_marking(
            GBR, "A-NEW", narrower, at=utc(2026, 7, 1), reason="re-marked"
        ),
        principal=GBR,
        event="marking:change",
        reason="re-marked",
    )
    assert isinstance(fact, int)
    assert reasons(world, "P-JP", "A-NEW", "read", utc(2026, 6, 30)) == []
    # P-JP's only clearance is JPN's, which no longer counts once JPN is not releasable.
    assert reasons(world, "P-JP", "A-NEW", "read", utc(2026, 7, 1)) == [
        "not-releasable",
        "clearance-missing",
    ]
    asset = load_world(world).assets["A-NEW"]
    assert render_banner(asset.marking_at(utc(2026, 8, 1)), reference) == "//GBR SECRET//REL TO GBR"
    assert [v.effective for v in asset.markings] == [None, utc(2026, 7, 1)]
    # The originator is fixed: a marking of another originator is rejected.
    other = make_marking(reference, originator="USA", level="SECRET", programmes=["PRG"])
    expect_nothing_changed(
        world, lambda: registry.change_marking(GBR, "A-NEW", other), InvalidInputError
    )
    # Unknown programme, existing id: rejected.
    unknown = make_marking(reference, originator="GBR", level="SECRET", programmes=["NOPE"])
    expect_nothing_changed(
        world, lambda: registry.change_marking(GBR, "A-NEW", unknown), NotFoundError
    )
    expect_nothing_changed(
        world, lambda: registry.register_asset(GBR, "A-NEW", marking), ConflictError
    )


def test_manager_registers_for_an_originator_of_the_programme(
    world: Store, clock: FakeClock
) -> None:
    registry = RegistryService(world)
    manager = parse_principal("manager:PRG")
    marking = make_marking(
        world.reference, originator="JPN", level="極秘", releasable_to=["GBR"], programmes=["PRG"]
    )
    expect_one_change(
        world,
        clock,
        lambda: registry.register_asset(manager, "A-JP", marking),
        principal=manager,
        event="asset:register",
    )
    assert reasons(world, "P-GB", "A-JP", "read", utc(2026, 6, 1)) == []


def test_originator_approval(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    at = utc(2026, 6, 1)
    assert reasons(world, "P-JP", "A-US", "read", at) == [
        "export-authorisation-required",
        "originator-approval-required",
    ]
    expect_one_change(
        world,
        clock,
        lambda: registry.add_approval(
            USA, "A-US", "organisation", "ORG-JP", start=utc(2026, 5, 1), end=utc(2026, 7, 1)
        ),
        principal=USA,
        event="approval:add",
    )
    assert reasons(world, "P-JP", "A-US", "read", at) == ["export-authorisation-required"]
    assert "originator-approval-required" in reasons(world, "P-JP", "A-US", "read", utc(2026, 7, 1))
    registry.add_approval(USA, "A-US", "nation", "gbr", start=utc(2026, 1, 1))
    registry.add_approval(USA, "A-US", "person", "P-JP", start=utc(2027, 1, 1))
    # ORG-GB is no AUKUS authorised user: the nation approval clears ORCON, not ITAR.
    assert reasons(world, "P-GB", "A-US", "read", at) == ["export-authorisation-required"]
    assert reasons(world, "P-JP", "A-US", "read", utc(2027, 1, 1)) == [
        "export-authorisation-required"
    ]
    expect_nothing_changed(
        world, lambda: registry.add_approval(USA, "A-US", "group", "X"), InvalidInputError
    )
    expect_nothing_changed(
        world, lambda: registry.add_approval(USA, "A-US", "person", "P-NOPE"), NotFoundError
    )
    expect_nothing_changed(
        world,
        lambda: registry.add_approval(
            USA, "A-US", "nation", "JPN", start=utc(2026, 2, 1), end=utc(2026, 1, 1)
        ),
        InvalidInputError,
    )


# --- export authorisations, AUKUS, visits ----------------------------------------------------


def test_export_authorisations(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    at = utc(2026, 6, 1)
    assert reasons(world, "P-JP", "A-US2", "read", at) == ["export-authorisation-required"]
    expect_one_change(
        world,
        clock,
        lambda: registry.add_export_authorisation(
            USA, "person", "P-JP", "itar", asset="A-US2", start=utc(2026, 5, 1),
            end=utc(2026, 7, 1),
        ),
        principal=USA,
        event="export-authorisation:add",
    )  # fmt: skip
    assert reasons(world, "P-JP", "A-US2", "read", at) == []
    assert reasons(world, "P-JP", "A-US2", "read", utc(2026, 7, 1)) == [
        "export-authorisation-required"
    ]
    registry.add_export_authorisation(
        USA, "organisation", "ORG-JP", "ITAR", programme="PRG", start=utc(2026, 7, 1)
    )
    assert reasons(world, "P-JP", "A-US2", "read", utc(2026, 7, 1)) == []
    for kwargs in ({}, {"asset": "A-US2", "programme": "PRG"}):
        expect_nothing_changed(
            world,
            lambda kwargs=kwargs: registry.add_export_authorisation(
                USA, "person", "P-JP", "ITAR", **kwargs
            ),
            InvalidInputError,
        )
    expect_nothing_changed(
        world,
        lambda: registry.add_export_authorisation(USA, "person", "P-JP", "NOPE", asset="A-US2"),
        InvalidInputError,
    )
    expect_nothing_changed(
        world,
        lambda: registry.add_export_authorisation(USA, "robot", "P-JP", "ITAR", asset="A-US2"),
        InvalidInputError,
    )


def test_aukus_periods(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    at = utc(2026, 6, 1)
    assert reasons(world, "P-GB", "A-US2", "read", at) == ["export-authorisation-required"]
    expect_one_change(
        world,
        clock,
        lambda: registry.add_aukus_period(USA, "ORG-GB", start=utc(2026, 1, 1)),
        principal=USA,
        event="aukus:add",
    )
    assert reasons(world, "P-GB", "A-US2", "read", at) == []
    assert reasons(world, "P-GB", "A-US2", "read", utc(2025, 12, 31)) == [
        "export-authorisation-required"
    ]
    registry.add_aukus_period(GBR, "ORG-GB2", start=utc(2026, 1, 1), end=utc(2026, 2, 1))
    org = load_world(world).organisations["ORG-GB2"]
    assert org.aukus_periods == (Interval(utc(2026, 1, 1), utc(2026, 2, 1)),)


def test_visits_count_as_read_on(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    registry.add_person(GBR, "P-V", ["GBR"], employer="ORG-GB")
    registry.add_clearance(GBR, "P-V", "GBR", "SC", status=Status.GRANTED, at=utc(2024, 1, 1))
    at = utc(2026, 6, 15)
    assert reasons(world, "P-V", "A-GB", "read", at) == ["need-to-know"]
    visit = expect_one_change(
        world,
        clock,
        lambda: registry.record_visit(
            JPN, "P-V", "ORG-JP", ["PRG"], start=utc(2026, 6, 10), end=utc(2026, 6, 20),
            kind="recurring", reason="workshop",
        ),
        principal=JPN,
        event="visit:record",
        reason="workshop",
    )  # fmt: skip
    assert visit == "VISIT-1"
    assert reasons(world, "P-V", "A-GB", "read", at) == []
    assert reasons(world, "P-V", "A-GB", "read", utc(2026, 6, 20)) == ["need-to-know"]
    (visit_record,) = load_world(world).people["P-V"].visits
    assert (visit_record.id, visit_record.host) == ("VISIT-1", "ORG-JP")
    assert visit_record.interval == Interval(utc(2026, 6, 10), utc(2026, 6, 20))
    assert visit_record.approved is not None
    changes: list[dict[str, Any]] = [{"kind": "holiday"}, {"programmes": []}]
    for kwargs in changes:
        call: dict[str, Any] = {"programmes": ["PRG"], "kind": "one-time", **kwargs}
        expect_nothing_changed(
            world,
            lambda call=call: registry.record_visit(
                JPN, "P-V", "ORG-JP", call["programmes"], start=utc(2026, 6, 10), end=None,
                kind=call["kind"],
            ),
            InvalidInputError,
        )  # fmt: skip


def test_visit_type_is_kept(world: Store) -> None:
    registry = RegistryService(world)
    registry.record_visit(
        JPN, "P-GB", "ORG-JP", ["PRG"], start=utc(2026, 6, 10), end=None, kind="recurring"
    )
    (visit,) = load_world(world).people["P-GB"].visits
    assert visit.kind == "recurring"


def test_a_generated_visit_id_is_new(sqlite_store: Store) -> None:
    import_world(
        sqlite_store,
        world_from_yaml(
            BASE + "visits: [{id: VISIT-2, visitor: P-GB, host: ORG-JP, programmes: [PRG],"
            " from: 2026-01-01}]\n"
        ),
    )
    registry = RegistryService(sqlite_store)
    ident = registry.record_visit(GBR, "P-JP", "ORG-GB", ["PRG"], start=utc(2026, 7, 1), end=None)
    assert ident != "VISIT-2"


def test_continuous_vetting(world: Store, clock: FakeClock) -> None:
    registry = RegistryService(world)
    # P-GB's SC granted 2022-01-01 expires 2032-01-01 unless in continuous vetting.
    assert reasons(world, "P-GB", "A-GB", "read", utc(2032, 1, 1)) == ["clearance-expired"]
    expect_one_change(
        world,
        clock,
        lambda: registry.set_continuous_vetting(GBR, "P-GB/CLR-1", utc(2030, 1, 1)),
        principal=GBR,
        event="clearance:continuous-vetting",
    )
    assert reasons(world, "P-GB", "A-GB", "read", utc(2040, 1, 1)) == []


# --- optimistic concurrency ------------------------------------------------------------------


def test_expected_version_conflict_changes_nothing(both: Store) -> None:
    registry = RegistryService(both)
    registry.transition(GBR, "P-GB/CLR-1", "suspend", at=utc(2026, 3, 1), expected_version=0)
    error = expect_nothing_changed(
        both,
        lambda: registry.transition(
            GBR, "P-GB/CLR-1", "revoke", at=utc(2026, 4, 1), expected_version=0
        ),
        ConflictError,
    )
    assert "P-GB/CLR-1" in str(error)
    assert (
        registry.transition(GBR, "P-GB/CLR-1", "revoke", at=utc(2026, 4, 1), expected_version=1)
        is Status.REVOKED
    )
    # Facility clearances too.
    registry.facility_transition(GBR, "ORG-GB/FCL-1", "suspend", at=utc(2026, 3, 1))
    expect_nothing_changed(
        both,
        lambda: registry.facility_transition(
            GBR, "ORG-GB/FCL-1", "revoke", at=utc(2026, 4, 1), expected_version=0
        ),
        ConflictError,
    )


def _race(
    registry: RegistryService, ident: str, verbs: tuple[str, str]
) -> list[Status | Exception]:
    """Two threads each apply one verb to ``ident`` from version 0."""
    outcomes: list[Status | Exception] = [Exception("not run"), Exception("not run")]

    def run(i: int) -> None:
        try:
            outcomes[i] = registry.transition(
                GBR, ident, verbs[i], at=utc(2026, 3, 1 + i), expected_version=0
            )
        except Exception as exc:  # noqa: BLE001 - recorded and checked by the caller
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _slow_reads(monkeypatch: pytest.MonkeyPatch, seconds: float = 0.2) -> None:
    """Make every change dwell inside its transaction after reading, so a concurrent change
    started at the same moment has to wait for it (or, unserialised, would overlap it)."""
    original = RegistryService._history
    current = RegistryService._current

    def history(self: RegistryService, ctx: Any, key: str, owner: str) -> Any:
        found = original(self, ctx, key, owner)
        time.sleep(seconds)
        return found

    def current_slow(ctx: Any, owner: str, kind: Any) -> Any:
        found = current(ctx, owner, kind)
        time.sleep(seconds)
        return found

    monkeypatch.setattr(RegistryService, "_history", history)
    monkeypatch.setattr(RegistryService, "_current", staticmethod(current_slow))


def _together(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released at the same moment; their results or exceptions."""
    barrier = threading.Barrier(len(calls), timeout=10)
    outcomes: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - recorded and checked by the caller
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_true_concurrent_race_one_wins_with_a_conflict(
    both: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two changes to one clearance from the version both read: one commits, the other gets a
    conflict and changes nothing (writers are serialised by the change counter, taken before
    anything is read; the loser then sees the version moved)."""
    registry = RegistryService(both)
    _slow_reads(monkeypatch)
    for round_, verbs in enumerate([("suspend", "revoke"), ("revoke", "suspend")]):
        ident = registry.add_clearance(
            GBR, "P-GB", "GBR", "SC", status=Status.GRANTED, at=utc(2024, 1, 1 + round_)
        )
        before = counts(both)
        outcomes = _together(
            *(
                lambda verb=verb, day=day, ident=ident: registry.transition(
                    GBR, ident, verb, at=utc(2026, 3, day), expected_version=0
                )
                for day, verb in enumerate(verbs, start=1)
            )
        )
        wins = [o for o in outcomes if isinstance(o, Status)]
        losses = [o for o in outcomes if isinstance(o, ConflictError)]
        assert (len(wins), len(losses)) == (1, 1), outcomes
        after = counts(both)
        assert after["fact"] - before["fact"] == 1
        assert after["audit"] - before["audit"] == 1
        statuses = [
            f["payload"]["status"]
            for f in facts_of(both, "person:P-GB")
            if f["subject"] == f"clearance:{ident}"
        ]
        assert statuses == ["granted", wins[0].value]


def test_concurrent_writers_never_both_apply(both: Store) -> None:
    """Without forcing the interleaving, on either store: at most one change applies."""
    registry = RegistryService(both)
    for round_ in range(4):
        ident = registry.add_clearance(
            GBR, "P-GB", "GBR", "SC", status=Status.GRANTED, at=utc(2024, 1, 1 + round_)
        )
        before = counts(both)
        outcomes = _race(registry, ident, ("suspend", "revoke"))
        wins = [o for o in outcomes if isinstance(o, Status)]
        losses = [o for o in outcomes if isinstance(o, (ConflictError, InvalidInputError))]
        assert (len(wins), len(losses)) == (1, 1), outcomes
        after = counts(both)
        assert (after["fact"] - before["fact"], after["audit"] - before["audit"]) == (1, 1)


def test_stale_version_is_a_conflict_even_if_the_verb_no_longer_applies(world: Store) -> None:
    registry = RegistryService(world)
    registry.transition(GBR, "P-GB/CLR-1", "suspend", at=utc(2026, 3, 1), expected_version=0)
    expect_nothing_changed(
        world,
        lambda: registry.transition(
            GBR, "P-GB/CLR-1", "suspend", at=utc(2026, 4, 1), expected_version=0
        ),
        ConflictError,
    )


def test_a_change_and_its_audit_entry_commit_together(
    both: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the audit entry cannot be written, the change is not either."""
    registry = RegistryService(both)
    before = counts(both)

    def broken(self: AuditRepository, entries: Any) -> int:
        raise RuntimeError("audit unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(AuditRepository, "append", broken)
        with pytest.raises(RuntimeError, match="audit unavailable"):
            registry.transition(GBR, "P-GB/CLR-1", "suspend", at=utc(2026, 3, 1))
        with pytest.raises(RuntimeError):
            registry.add_person(GBR, "P-NEW", ["GBR"], employer="ORG-GB")
    assert counts(both) == before
    # The version was not bumped either.
    status = registry.transition(
        GBR, "P-GB/CLR-1", "suspend", at=utc(2026, 3, 1), expected_version=0
    )
    assert status is Status.SUSPENDED


def test_recorded_at_comes_from_the_clock(world: Store, clock: FakeClock) -> None:
    clock.advance(days=3)
    expected = clock.now + timedelta(microseconds=1)
    RegistryService(world).transition(GBR, "P-GB/CLR-1", "suspend", at=utc(2026, 3, 1), reason="r")
    (fact,) = [
        f
        for f in facts_of(world, "person:P-GB")
        if f["kind"] == "clearance_status" and f["payload"]["status"] == "suspended"
    ]
    assert fact["recorded_at"] == iso(expected)
    assert fact["effective_at"] == "2026-03-01T00:00:00Z"
    assert fact["actor"] == "authority:GBR"
    assert fact["reason"] == "r"


def test_concurrent_joins_cannot_give_two_employers(
    both: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two officers record the same person joining their organisations at once: one employer
    at a time still holds (the second sees the first employment and gets a conflict)."""
    registry = RegistryService(both)
    registry.add_person(GBR, "P-NEW", ["GBR"])
    _slow_reads(monkeypatch)
    outcomes = _together(
        *(
            lambda org=org: registry.join(GBR, "P-NEW", org, start=utc(2026, 1, 1))
            for org in ("ORG-GB", "ORG-GB2")
        )
    )
    employment = [f for f in facts_of(both, "person:P-NEW") if f["kind"] == "employment"]
    assert len(employment) == 1, outcomes
    assert sum(isinstance(o, ConflictError) for o in outcomes) == 1, outcomes


def test_concurrent_correction_and_transition_keep_the_history_valid(
    both: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retracting a clearance's grant while it is suspended: whichever commits first, the other
    is checked against it and refused, so the history stays valid."""
    registry = RegistryService(both)
    ident = registry.add_clearance(GBR, "P-GB", "GBR", "SC", at=utc(2025, 1, 1))
    registry.transition(GBR, ident, "investigate", at=utc(2025, 2, 1))
    registry.transition(GBR, ident, "grant", at=utc(2025, 3, 1))
    (grant,) = [
        f
        for f in facts_of(both, "person:P-GB")
        if f["subject"] == f"clearance:{ident}" and f["payload"]["status"] == "granted"
    ]
    _slow_reads(monkeypatch)
    outcomes = _together(
        lambda: registry.transition(GBR, ident, "suspend", at=utc(2026, 3, 1)),
        lambda: registry.correct(GBR, grant["id"], retract=True, reason="not granted"),
    )
    monkeypatch.undo()
    statuses = [
        StatusEntry(
            Status(f["payload"]["status"]),
            datetime.fromisoformat(f["effective_at"].replace("Z", "+00:00")),
        )
        for f in facts_of(both, "person:P-GB")
        if f["subject"] == f"clearance:{ident}" and f["in_force"]
    ]
    validate_history(sorted(statuses, key=lambda e: e.at))
    assert sum(isinstance(o, ClearwayError) for o in outcomes) == 1, outcomes

# SPDX-License-Identifier: Apache-2.0
"""Read the registry back as domain facts: the whole world (as now recorded, or as recorded by
an earlier instant for a replay), or a few records when the index catches up."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import groupby

import attrs
from sqlalchemy.orm import Session

from clearway.domain.facts import Asset, Organisation, Person, Programme, World
from clearway.persistence.mappers import Assembler, FactLike, FactRow, PersonRows, current, owner_of
from clearway.persistence.models import (
    AssetRecord,
    ClearanceRecord,
    FacilityClearanceRecord,
    FactRecord,
    OrganisationRecord,
    PersonRecord,
    ProgrammeRecord,
    VisitRecord,
)
from clearway.persistence.repositories import FactRepository, IdentityRepository
from clearway.services.store import Store

__all__ = ["Records", "load_records", "load_world"]


@attrs.define
class Records:
    """Domain records rebuilt for a set of owners (``None``: the record no longer exists)."""

    people: dict[str, Person | None] = attrs.Factory(dict)
    organisations: dict[str, Organisation | None] = attrs.Factory(dict)
    programmes: dict[str, Programme | None] = attrs.Factory(dict)
    assets: dict[str, Asset | None] = attrs.Factory(dict)


_ClearanceRow = tuple[str, str, str, datetime | None, str | None]
_VisitRow = tuple[str, str, list[str], datetime, datetime | None, str]


def _clearance_row(c: ClearanceRecord) -> _ClearanceRow:
    return (c.id, c.issuer, c.type, c.granted_hint, c.recognised)


def _visit_row(v: VisitRecord) -> _VisitRow:
    return (v.id, v.host_id, list(v.programmes), v.valid_from, v.valid_until, v.kind)


@attrs.define
class _Rows:
    """Identity rows, keyed by their owner's id."""

    people: dict[str, str] = attrs.Factory(dict)
    clearances: dict[str, list[_ClearanceRow]] = attrs.Factory(dict)
    visits: dict[str, list[_VisitRow]] = attrs.Factory(dict)
    organisations: dict[str, tuple[str, str]] = attrs.Factory(dict)
    facilities: dict[str, list[tuple[str, str]]] = attrs.Factory(dict)
    programmes: dict[str, tuple[str, list[str] | None]] = attrs.Factory(dict)
    assets: dict[str, str] = attrs.Factory(dict)

    @classmethod
    def everything(cls, session: Session, recorded_by: datetime | None) -> _Rows:
        """Every identity row (recorded by ``recorded_by`` if given)."""
        repo = IdentityRepository(session)
        rows = cls()
        for p in repo.stream(PersonRecord, recorded_by=recorded_by):
            rows.people[p.id] = p.name
        for c in repo.stream(ClearanceRecord, recorded_by=recorded_by):
            rows.clearances.setdefault(c.person_id, []).append(_clearance_row(c))
        for v in repo.stream(VisitRecord, recorded_by=recorded_by):
            rows.visits.setdefault(v.visitor_id, []).append(_visit_row(v))
        for o in repo.stream(OrganisationRecord, recorded_by=recorded_by):
            rows.organisations[o.id] = (o.nation, o.name)
        for f in repo.stream(FacilityClearanceRecord, recorded_by=recorded_by):
            rows.facilities.setdefault(f.organisation_id, []).append((f.id, f.type))
        for g in repo.stream(ProgrammeRecord, recorded_by=recorded_by):
            rows.programmes[g.id] = (g.name, g.nations)
        for a in repo.stream(AssetRecord, recorded_by=recorded_by):
            rows.assets[a.id] = a.title
        return rows

    @classmethod
    def of_owners(cls, session: Session, owners: Iterable[tuple[str, str]]) -> _Rows:
        """The identity rows of a few owners, as now recorded."""
        repo = IdentityRepository(session)
        rows = cls()
        for kind, ident in owners:
            if kind == "person" and (p := repo.get_or_none(PersonRecord, ident)) is not None:
                rows.people[ident] = p.name
                rows.clearances[ident] = [_clearance_row(c) for c in repo.clearances_of(ident)]
                rows.visits[ident] = [_visit_row(v) for v in repo.visits_of(ident)]
            elif (
                kind == "organisation"
                and (o := repo.get_or_none(OrganisationRecord, ident)) is not None
            ):
                rows.organisations[ident] = (o.nation, o.name)
                rows.facilities[ident] = [
                    (f.id, f.type) for f in repo.facility_clearances_of(ident)
                ]
            elif (
                kind == "programme" and (g := repo.get_or_none(ProgrammeRecord, ident)) is not None
            ):
                rows.programmes[ident] = (g.name, g.nations)
            elif kind == "asset" and (a := repo.get_or_none(AssetRecord, ident)) is not None:
                rows.assets[ident] = a.title
        return rows


def _build(
    assembler: Assembler,
    rows: _Rows,
    kind: str,
    ident: str,
    facts: list[FactLike],
    out: Records,
) -> None:
    if kind == "person":
        name = rows.people.get(ident)
        out.people[ident] = (
            None
            if name is None
            else assembler.person(
                PersonRows(ident, name, rows.clearances.get(ident, []), rows.visits.get(ident, [])),
                facts,
            )
        )
    elif kind == "organisation":
        org = rows.organisations.get(ident)
        out.organisations[ident] = (
            None
            if org is None
            else assembler.organisation(
                ident, org[0], org[1], rows.facilities.get(ident, []), facts
            )
        )
    elif kind == "asset":
        title = rows.assets.get(ident)
        out.assets[ident] = None if title is None else assembler.asset(ident, title, facts)
    elif kind == "programme":
        programme = rows.programmes.get(ident)
        out.programmes[ident] = (
            None if programme is None else assembler.programme(ident, programme[0], programme[1])
        )


def _assemble(
    assembler: Assembler,
    rows: _Rows,
    facts: Iterable[FactRecord],
    recorded_by: datetime | None,
    wanted: set[tuple[str, str]] | None,
) -> Records:
    out = Records()
    seen: set[tuple[str, str]] = set()
    for owner, group in groupby(facts, key=lambda f: f.owner):  # facts come by owner
        key = owner_of(owner)
        if wanted is not None and key not in wanted:
            continue
        seen.add(key)
        rows_now = current([FactRow.of(f) for f in group], recorded_by=recorded_by)
        _build(assembler, rows, key[0], key[1], rows_now, out)
    remaining: Iterable[tuple[str, str]]
    if wanted is None:
        remaining = [
            *(("person", i) for i in rows.people),
            *(("organisation", i) for i in rows.organisations),
            *(("programme", i) for i in rows.programmes),
            *(("asset", i) for i in rows.assets),
        ]
    else:
        remaining = wanted
    for key in remaining:
        if key not in seen:
            _build(assembler, rows, key[0], key[1], [], out)
    return out


def load_world(
    store: Store, *, recorded_by: datetime | None = None, assembler: Assembler | None = None
) -> World:
    """The whole world as now recorded (or as recorded by ``recorded_by``, for a replay)."""
    assembler = assembler or Assembler(store.reference)
    with store.read() as uow:
        rows = _Rows.everything(uow.session, recorded_by)
        facts = FactRepository(uow.session).stream_by_owner(recorded_by=recorded_by)
        records = _assemble(assembler, rows, facts, recorded_by, None)
    return World(
        reference=store.reference,
        people={k: v for k, v in records.people.items() if v is not None},
        organisations={k: v for k, v in records.organisations.items() if v is not None},
        programmes={k: v for k, v in records.programmes.items() if v is not None},
        assets={k: v for k, v in records.assets.items() if v is not None},
    )


def load_records(session: Session, assembler: Assembler, owners: set[tuple[str, str]]) -> Records:
    """Rebuild the records of ``owners`` (``("person", "P-1")``…) as now recorded."""
    rows = _Rows.of_owners(session, owners)
    facts = FactRepository(session).for_owners(f"{kind}:{ident}" for kind, ident in owners)
    return _assemble(assembler, rows, facts, None, owners)

# SPDX-License-Identifier: Apache-2.0
"""Import and export of a whole world (the world part of the scenario format, SPEC §7).

Import validates the file completely (the same code path as ``clearway scenario run``), then
writes every row in one transaction as ``system:import``, with one audit entry per row; an id
that already exists is an error naming it, and any error leaves the store as it was. Export
writes the world as now recorded: levels (never banners, which are lossy), clearance histories,
and every dated fact, so that importing it into an empty store gives the same decision for every
person, asset, action and instant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import attrs

from clearway.audit.chain import AuditEntry
from clearway.domain.facts import (
    NATO_PROGRAMME,
    Asset,
    Clearance,
    ExportAuthorisation,
    Organisation,
    Person,
    World,
)
from clearway.domain.principals import SYSTEM_IMPORT
from clearway.domain.time import Interval
from clearway.errors import ConflictError
from clearway.persistence.mappers import Kind, iso, subject
from clearway.persistence.models import (
    AssetRecord,
    ClearanceRecord,
    FacilityClearanceRecord,
    OrganisationRecord,
    PersonRecord,
    ProgrammeRecord,
    VisitRecord,
)
from clearway.persistence.repositories import AuditRepository, FactRepository, IdentityRepository
from clearway.services.loading import load_world
from clearway.services.store import Store

__all__ = ["ImportResult", "Progress", "export_world", "import_world", "world_document"]

#: Called as ``progress(done, total)`` while rows are written.
Progress = Callable[[int, int], None]


@attrs.frozen
class ImportResult:
    """How many records of each kind an import wrote."""

    people: int
    organisations: int
    programmes: int
    assets: int
    facts: int
    audit_entries: int


class _Rows:
    """The rows of an import, collected before anything is written."""

    def __init__(self, now: datetime, txn: int) -> None:
        self.stamp = {"recorded_at": now, "txn": txn, "actor": str(SYSTEM_IMPORT)}
        self.now = now
        self.identities: dict[type[Any], list[dict[str, Any]]] = {}
        self.facts: list[dict[str, Any]] = []

    def identity(self, model: type[Any], **values: Any) -> None:
        self.identities.setdefault(model, []).append({**values, **self.stamp})

    def fact(
        self, kind: Kind, key: str, owner: str, payload: dict[str, Any], effective: datetime | None
    ) -> None:
        self.facts.append(
            {
                "kind": kind.value,
                "subject": key,
                "owner": owner,
                "payload": payload,
                "effective_at": effective,
                "reason": "import",
                "supersedes": None,
                "retracted": False,
                **self.stamp,
            }
        )

    def interval(self, kind: Kind, owner: str, payload: dict[str, Any], interval: Interval) -> None:
        payload = {**payload, "from": iso(interval.start), "until": iso(interval.end)}
        self.fact(kind, owner, owner, payload, interval.start)

    def export(self, owner: str, authorisations: Iterable[ExportAuthorisation]) -> None:
        for a in authorisations:
            payload = {"regime": a.regime, "asset": a.asset, "programme": a.programme}
            self.interval(Kind.EXPORT_AUTHORISATION, owner, payload, a.interval)


def _organisation(rows: _Rows, org: Organisation) -> None:
    rows.identity(OrganisationRecord, id=org.id, nation=org.nation, name=org.name)
    owner = subject("organisation", org.id)
    for facility in org.facility_clearances:
        rows.identity(
            FacilityClearanceRecord,
            id=facility.id,
            organisation_id=org.id,
            type=facility.type.name,
            version=0,
        )
        for entry in facility.history:
            payload = {"status": entry.status.value, "expires": iso(entry.expires)}
            rows.fact(
                Kind.FACILITY_STATUS, subject("facility", facility.id), owner, payload, entry.at
            )
    for period in org.aukus_periods:
        rows.interval(Kind.AUKUS_PERIOD, owner, {}, period)
    rows.export(owner, org.export_authorisations)


def _clearance(rows: _Rows, person: Person, clearance: Clearance) -> None:
    rows.identity(
        ClearanceRecord,
        id=clearance.id,
        person_id=person.id,
        issuer=clearance.issuer,
        type=clearance.type.name,
        granted_hint=clearance.granted_hint,
        recognised=clearance.recognised,
        version=0,
    )
    owner, key = subject("person", person.id), subject("clearance", clearance.id)
    for entry in clearance.history:
        payload = {"status": entry.status.value, "expires": iso(entry.expires)}
        rows.fact(Kind.CLEARANCE_STATUS, key, owner, payload, entry.at)
    if clearance.continuous_vetting_from is not None:
        start = clearance.continuous_vetting_from
        rows.fact(Kind.CONTINUOUS_VETTING, key, owner, {"from": iso(start)}, start)


def _person(rows: _Rows, person: Person) -> None:
    rows.identity(PersonRecord, id=person.id, name=person.name)
    owner = subject("person", person.id)
    for nationality in person.nationalities:
        rows.interval(Kind.NATIONALITY, owner, {"nation": nationality.nation}, nationality.interval)
    for job in person.employment:
        rows.interval(Kind.EMPLOYMENT, owner, {"organisation": job.organisation}, job.interval)
    for clearance in person.clearances:
        _clearance(rows, person, clearance)
    for read_on in person.read_ons:
        rows.interval(Kind.READ_ON, owner, {"programme": read_on.programme}, read_on.interval)
    rows.export(owner, person.export_authorisations)
    for visit in person.visits:
        rows.identity(
            VisitRecord,
            id=visit.id,
            visitor_id=person.id,
            host_id=visit.host,
            kind=visit.kind,
            programmes=sorted(visit.programmes),
            valid_from=visit.interval.start,
            valid_until=visit.interval.end,
        )
        key = subject("visit", visit.id)
        if visit.approved is not None:
            rows.fact(Kind.VISIT_STATUS, key, owner, {"status": "approved"}, visit.approved.start)
            if visit.approved.end is not None:
                rows.fact(
                    Kind.VISIT_STATUS, key, owner, {"status": "cancelled"}, visit.approved.end
                )
        else:
            rows.fact(Kind.VISIT_STATUS, key, owner, {"status": visit.status}, None)


def _asset(rows: _Rows, asset: Asset) -> None:
    rows.identity(
        AssetRecord, id=asset.id, title=asset.title, originator=asset.markings[0].marking.originator
    )
    owner = subject("asset", asset.id)
    for version in asset.markings:
        rows.fact(Kind.MARKING, owner, owner, version.marking.as_dict(), version.effective)
    for approval in asset.approvals:
        payload = {"target": approval.target.value, "value": approval.value}
        rows.interval(Kind.APPROVAL, owner, payload, approval.interval)


def _check_new(ids: IdentityRepository, world: World) -> None:
    checks: list[tuple[type[Any], str, Iterable[str]]] = [
        (PersonRecord, "person", world.people),
        (OrganisationRecord, "organisation", world.organisations),
        (ProgrammeRecord, "programme", (p for p in world.programmes if p != NATO_PROGRAMME)),
        (AssetRecord, "asset", world.assets),
        (ClearanceRecord, "clearance", (c.id for p in world.people.values() for c in p.clearances)),
        (
            FacilityClearanceRecord,
            "facility clearance",
            (f.id for o in world.organisations.values() for f in o.facility_clearances),
        ),
        (VisitRecord, "visit", (v.id for p in world.people.values() for v in p.visits)),
    ]
    for model, kind, idents in checks:
        existing = ids.existing_ids(model, idents)
        if existing:
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise ConflictError(
                f"{kind} `{existing[0]}` already exists{more}; nothing was imported"
            )


def import_world(store: Store, world: World, *, progress: Progress | None = None) -> ImportResult:
    """Write a validated world into the store in one transaction, as ``system:import``."""
    with store.write() as uow:
        ids = IdentityRepository(uow.session)
        txn = uow.txn  # the writer lock first: recorded_at is stamped under it
        _check_new(ids, world)
        rows = _Rows(uow.now, txn)
        for programme in world.programmes.values():
            if programme.id != NATO_PROGRAMME:
                nations = None if programme.nations is None else sorted(programme.nations)
                rows.identity(
                    ProgrammeRecord, id=programme.id, name=programme.name, nations=nations
                )
        for org in world.organisations.values():
            _organisation(rows, org)
        for person in world.people.values():
            _person(rows, person)
        for asset in world.assets.values():
            _asset(rows, asset)
        total = sum(len(r) for r in rows.identities.values()) + len(rows.facts)
        done = 0
        audit: list[AuditEntry] = []
        principal = str(SYSTEM_IMPORT)
        order = [
            ProgrammeRecord, OrganisationRecord, FacilityClearanceRecord, PersonRecord,
            ClearanceRecord, VisitRecord, AssetRecord,
        ]  # fmt: skip
        for model in order:
            records = rows.identities.get(model, [])
            kind = model.__tablename__
            for start in range(0, len(records), 2000):
                chunk = records[start : start + 2000]
                ids.bulk_insert(model, chunk)
                audit.extend(
                    AuditEntry(0, uow.now, principal, f"import:{kind}", r["id"], "ok", {})
                    for r in chunk
                )
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        facts = FactRepository(uow.session)
        for start in range(0, len(rows.facts), 5000):
            chunk = rows.facts[start : start + 5000]
            facts.bulk_insert(chunk)
            audit.extend(
                AuditEntry(
                    0, uow.now, principal, "import:fact", f["subject"], "ok", {"kind": f["kind"]}
                )
                for f in chunk
            )
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        AuditRepository(uow.session).append(audit)
        return ImportResult(
            people=len(world.people),
            organisations=len(world.organisations),
            programmes=len([p for p in world.programmes if p != NATO_PROGRAMME]),
            assets=len(world.assets),
            facts=len(rows.facts),
            audit_entries=len(audit),
        )


# --- export ---------------------------------------------------------------------------------


def _period(interval: Interval) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if interval.start is not None:
        out["from"] = iso(interval.start)
    if interval.end is not None:
        out["until"] = iso(interval.end)
    return out


def _export_auths(authorisations: Iterable[ExportAuthorisation]) -> list[dict[str, Any]]:
    out = []
    for a in authorisations:
        item: dict[str, Any] = {"regime": a.regime}
        item["asset" if a.asset else "programme"] = a.asset or a.programme
        out.append({**item, **_period(a.interval)})
    return out


def _history(history: Iterable[Any]) -> list[dict[str, Any]]:
    out = []
    for entry in history:
        item = {"status": entry.status.value, "at": iso(entry.at)}
        if entry.expires is not None:
            item["expires"] = iso(entry.expires)
        out.append(item)
    return out


def _marking_parts(marking: Any) -> dict[str, Any]:
    parts: dict[str, Any] = {
        "level": marking.level,
        "releasable_to": sorted(marking.releasable_to),
        "programmes": sorted(marking.programmes),
        "caveats": sorted(marking.caveats),
        "export_control": sorted(marking.export_controls),
    }
    if marking.fgi:
        parts["fgi"] = sorted(marking.fgi)
    return parts


def export_world(store: Store) -> dict[str, Any]:
    """The world as now recorded, as a world document (``version: 1`` with clearway's dated
    extensions; see ``docs/formats.md``)."""
    return world_document(load_world(store))


def world_document(world: World) -> dict[str, Any]:
    """A world as a world document that imports back into the same facts."""
    doc: dict[str, Any] = {"version": 1}
    doc["organisations"] = [
        {
            "id": o.id,
            "nation": o.nation,
            **({"name": o.name} if o.name else {}),
            "facility_clearances": [
                {"id": f.id, "type": f.type.name, "history": _history(f.history)}
                for f in o.facility_clearances
            ],
            "export_authorisations": _export_auths(o.export_authorisations),
            "aukus_authorised_user": [_period(p) for p in o.aukus_periods],
        }
        for o in sorted(world.organisations.values(), key=lambda o: o.id)
    ]
    doc["programmes"] = [
        {"id": p.id, **({"name": p.name} if p.name else {}), "nations": sorted(p.nations)}
        for p in sorted(world.programmes.values(), key=lambda p: p.id)
        if p.id != NATO_PROGRAMME and p.nations is not None
    ]
    people, visits = [], []
    for person in sorted(world.people.values(), key=lambda p: p.id):
        entry: dict[str, Any] = {"id": person.id}
        if person.name:
            entry["name"] = person.name
        entry["nationalities"] = [
            n.nation if n.interval == Interval() else {"nation": n.nation, **_period(n.interval)}
            for n in person.nationalities
        ]
        entry["employment"] = [
            {"organisation": j.organisation, **_period(j.interval)} for j in person.employment
        ]
        entry["clearances"] = []
        for c in person.clearances:
            item: dict[str, Any] = {
                "id": c.id,
                "issuer": c.issuer,
                "type": c.type.name,
                "history": _history(c.history),
            }
            if c.granted_hint is not None:
                item["granted"] = iso(c.granted_hint)
            if c.continuous_vetting_from is not None:
                item["continuous_vetting"] = {"from": iso(c.continuous_vetting_from)}
            entry["clearances"].append(item)
        entry["read_on"] = [
            {"programme": r.programme, **_period(r.interval)} for r in person.read_ons
        ]
        entry["export_authorisations"] = _export_auths(person.export_authorisations)
        people.append(entry)
        for v in person.visits:
            visit: dict[str, Any] = {
                "id": v.id,
                "visitor": person.id,
                "host": v.host,
                "programmes": sorted(v.programmes),
                "type": v.kind,
                **_period(v.interval),
                "status": v.status if v.approved is None else "approved",
            }
            if v.approved is not None and v.approved.start is not None:
                visit["approved_at"] = iso(v.approved.start)
            visits.append(visit)
    doc["people"] = people
    doc["visits"] = visits
    assets: list[dict[str, Any]] = []
    approvals: list[dict[str, Any]] = []
    for asset in sorted(world.assets.values(), key=lambda a: a.id):
        first = asset.markings[0].marking
        item = {"id": asset.id, **({"title": asset.title} if asset.title else {})}
        item["originator"] = first.originator
        item.update(_marking_parts(first))
        changes = [
            {"at": iso(v.effective), **_marking_parts(v.marking)}
            for v in asset.markings[1:]
            if v.effective is not None
        ]
        if changes:
            item["changes"] = changes
        assets.append(item)
        approvals.extend(
            {"asset": asset.id, a.target.value: a.value, **_period(a.interval)}
            for a in asset.approvals
        )
    doc["assets"] = assets
    doc["approvals"] = approvals
    return doc

# SPDX-License-Identifier: Apache-2.0
"""Read-only views of the registry for the CLI (and later the API and dashboard): current
state from the index, bitemporal fact histories from the store. Views are plain JSON-able dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clearway.audit.chain import GENESIS
from clearway.domain.compiled import CompiledWorld
from clearway.domain.facts import Clearance, Person
from clearway.domain.lifecycle import Standing
from clearway.domain.marking import display_banner, render_banner
from clearway.domain.time import to_micros
from clearway.errors import NotFoundError
from clearway.persistence.mappers import iso, subject
from clearway.persistence.models import FactRecord
from clearway.persistence.repositories import AuditRepository, FactRepository
from clearway.services.index import DecisionIndex

__all__ = ["QueryService"]


def _fact(f: FactRecord, superseded: set[int]) -> dict[str, Any]:
    return {
        "id": f.id,
        "kind": f.kind,
        "subject": f.subject,
        "payload": f.payload,
        "effective_at": iso(f.effective_at),
        "recorded_at": iso(f.recorded_at),
        "actor": f.actor,
        "reason": f.reason,
        "supersedes": f.supersedes,
        "retracted": f.retracted,
        "in_force": f.id not in superseded and not f.retracted,
    }


class QueryService:
    """Views of people, organisations, clearances, programmes, assets, visits and facts."""

    def __init__(self, index: DecisionIndex) -> None:
        self.index = index
        self.store = index.store

    @property
    def world(self) -> CompiledWorld:
        """The current compiled world, with every record loaded (views list everything)."""
        self.index.ensure_current()
        self.index.ensure_complete()
        return self.index.world

    def facts(self, owner: str) -> list[dict[str, Any]]:
        """Every fact recorded through ``owner`` (``person:P-1``…), corrections included."""
        with self.store.read() as uow:
            rows = FactRepository(uow.session).for_owners([owner])
        superseded = {f.supersedes for f in rows if f.supersedes is not None}
        return [_fact(f, superseded) for f in sorted(rows, key=lambda f: f.id)]

    # --- people and clearances -------------------------------------------------------------

    def _clearance(self, person: Person, c: Clearance, at: datetime) -> dict[str, Any]:
        entry = c.entry_at(at)
        standing = c.standing_at(at)
        expiry = c.expiry_at(at) if entry is not None else None
        return {
            "id": c.id,
            "person": person.id,
            "issuer": c.issuer,
            "type": c.type.name,
            "ceiling": c.type.ceiling.name,
            "status": None if entry is None else entry.status.value,
            "since": None if entry is None else iso(entry.at),
            "standing": standing.name.lower(),
            "expires": iso(expiry),
            "continuous_vetting_from": iso(c.continuous_vetting_from),
            "history": [{"status": e.status.value, "at": iso(e.at)} for e in c.history],
        }

    def people(self, at: datetime) -> list[dict[str, Any]]:
        """Every person as at ``at``."""
        world = self.world
        return [
            {
                "id": p.id,
                "name": p.name,
                "nationalities": p.nationalities_at(at),
                "employer": p.employer_at(at),
                "clearances": [
                    f"{c.issuer} {c.type.name} ({c.standing_at(at).name.lower()})"
                    for c in p.clearances
                ],
            }
            for p in sorted(world.people.values(), key=lambda p: p.id)
        ]

    def person(self, ident: str, at: datetime) -> dict[str, Any]:
        """One person as at ``at``, with every fact recorded about them."""
        world = self.world
        person = world.people.get(ident)
        if person is None:
            raise NotFoundError(f"unknown person `{ident}`")
        state = world.person(ident).at(to_micros(at))
        return {
            "id": person.id,
            "name": person.name,
            "nationalities": person.nationalities_at(at),
            "employer": person.employer_at(at),
            "clearances": [self._clearance(person, c, at) for c in person.clearances],
            "programmes": sorted(
                p for p in world.programmes if state.programmes & world.programme_bit(p)
            ),
            "visits": [
                {
                    "id": v.id,
                    "host": v.host,
                    "programmes": sorted(v.programmes),
                    "from": iso(v.interval.start),
                    "until": iso(v.interval.end),
                    "status": v.status,
                }
                for v in person.visits
            ],
            "facts": self.facts(subject("person", ident)),
        }

    def clearances(
        self,
        at: datetime,
        *,
        person: str | None = None,
        issuer: str | None = None,
        expiring_before: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Personnel clearances as at ``at``; with ``expiring_before``, only active ones whose
        expiry falls before that instant (already expired ones included)."""
        out = []
        for p in sorted(self.world.people.values(), key=lambda p: p.id):
            if person is not None and p.id != person:
                continue
            for c in p.clearances:
                if issuer is not None and c.issuer != issuer:
                    continue
                view = self._clearance(p, c, at)
                if expiring_before is not None:
                    if c.standing_at(at) not in (Standing.VALID, Standing.EXPIRED):
                        continue
                    expiry = c.expiry_at(at)
                    if expiry is None or expiry >= expiring_before:
                        continue
                out.append(view)
        return out

    # --- organisations, programmes, assets, visits -----------------------------------------

    def organisations(self, at: datetime) -> list[dict[str, Any]]:
        """Every organisation, with its facility clearances as at ``at``."""
        out = []
        for org in sorted(self.world.organisations.values(), key=lambda o: o.id):
            facilities = []
            for f in org.facility_clearances:
                entry = None
                for e in f.history:
                    if e.at <= at:
                        entry = e
                facilities.append(
                    {
                        "id": f.id,
                        "type": f.type.name,
                        "ceiling": f.type.ceiling.name,
                        "status": None if entry is None else entry.status.value,
                    }
                )
            out.append(
                {
                    "id": org.id,
                    "name": org.name,
                    "nation": org.nation,
                    "facility_clearances": facilities,
                    "aukus_authorised_user": [
                        {"from": iso(p.start), "until": iso(p.end)} for p in org.aukus_periods
                    ],
                }
            )
        return out

    def organisation(self, ident: str, at: datetime) -> dict[str, Any]:
        """One organisation as at ``at``, with its facts."""
        for org in self.organisations(at):
            if org["id"] == ident:
                return {**org, "facts": self.facts(subject("organisation", ident))}
        raise NotFoundError(f"unknown organisation `{ident}`")

    def programmes(self, at: datetime) -> list[dict[str, Any]]:
        """Every programme, with who is read on (or visiting) at ``at``."""
        world = self.world
        instant = to_micros(at)
        out = []
        for programme in sorted(world.programmes.values(), key=lambda p: p.id):
            bit = world.programme_bit(programme.id)
            members = sorted(
                p for p in world.people if world.person(p).at(instant).programmes & bit
            )
            out.append(
                {
                    "id": programme.id,
                    "name": programme.name,
                    "nations": None if programme.nations is None else sorted(programme.nations),
                    "members": members,
                }
            )
        return out

    def assets(self, at: datetime) -> list[dict[str, Any]]:
        """Every asset's marking as at ``at``."""
        world = self.world
        reference = world.reference
        out = []
        for asset in sorted(world.assets.values(), key=lambda a: a.id):
            marking = asset.marking_at(at)
            out.append(
                {
                    "id": asset.id,
                    "title": asset.title,
                    "banner": render_banner(marking, reference),
                    "display": display_banner(marking, reference),
                    "marking": marking.as_dict(),
                }
            )
        return out

    def asset(self, ident: str, at: datetime) -> dict[str, Any]:
        """One asset as at ``at``, with its marking history, approvals and facts."""
        world = self.world
        asset = world.assets.get(ident)
        if asset is None:
            raise NotFoundError(f"unknown asset `{ident}`")
        marking = asset.marking_at(at)
        return {
            "id": asset.id,
            "title": asset.title,
            "banner": render_banner(marking, world.reference),
            "display": display_banner(marking, world.reference),
            "marking": marking.as_dict(),
            "versions": [
                {"effective": iso(v.effective), "banner": render_banner(v.marking, world.reference)}
                for v in asset.markings
            ],
            "approvals": [
                {
                    "target": a.target.value,
                    "value": a.value,
                    "from": iso(a.interval.start),
                    "until": iso(a.interval.end),
                }
                for a in asset.approvals
            ],
            "facts": self.facts(subject("asset", ident)),
        }

    def visits(self) -> list[dict[str, Any]]:
        """Every visit."""
        out = [
            {
                "id": v.id,
                "visitor": person.id,
                "host": v.host,
                "type": v.kind,
                "programmes": sorted(v.programmes),
                "from": iso(v.interval.start),
                "until": iso(v.interval.end),
                "status": v.status,
            }
            for person in self.world.people.values()
            for v in person.visits
        ]
        return sorted(out, key=lambda v: v["id"])

    def employment(self, at: datetime, organisation: str | None = None) -> list[dict[str, Any]]:
        """Every employment interval (of one organisation if given), with whether it holds
        at ``at``."""
        return [
            {
                "person": person.id,
                "organisation": job.organisation,
                "from": iso(job.interval.start),
                "until": iso(job.interval.end),
                "current": job.interval.contains(at),
            }
            for person in sorted(self.world.people.values(), key=lambda p: p.id)
            for job in person.employment
            if organisation is None or job.organisation == organisation
        ]

    def export_authorisations(self, at: datetime) -> list[dict[str, Any]]:
        """Every export authorisation of people and organisations."""
        world = self.world
        holders = [("person", p.id, p.export_authorisations) for p in world.people.values()]
        holders += [
            ("organisation", o.id, o.export_authorisations) for o in world.organisations.values()
        ]
        return [
            {
                "holder": f"{kind}:{ident}",
                "regime": a.regime,
                "covers": f"asset:{a.asset}" if a.asset else f"programme:{a.programme}",
                "from": iso(a.interval.start),
                "until": iso(a.interval.end),
                "current": a.interval.contains(at),
            }
            for kind, ident, authorisations in sorted(holders, key=lambda h: (h[0], h[1]))
            for a in authorisations
        ]

    def approvals(self, at: datetime, asset: str | None = None) -> list[dict[str, Any]]:
        """Every originator approval (of one asset if given)."""
        return [
            {
                "asset": a.id,
                "target": f"{approval.target.value}:{approval.value}",
                "from": iso(approval.interval.start),
                "until": iso(approval.interval.end),
                "current": approval.interval.contains(at),
            }
            for a in sorted(self.world.assets.values(), key=lambda a: a.id)
            if asset is None or a.id == asset
            for approval in a.approvals
        ]

    # --- audit ---------------------------------------------------------------------------

    def audit(self, *, after: int = 0, limit: int | None = 100) -> list[dict[str, Any]]:
        """Audit entries after ``after``."""
        with self.store.read() as uow:
            rows = AuditRepository(uow.session).entries(after=after, limit=limit)
            return [
                {
                    "seq": r.seq,
                    "recorded_at": iso(r.recorded_at),
                    "principal": r.principal,
                    "event": r.event,
                    "subject": r.subject,
                    "outcome": r.outcome,
                    "detail": r.detail,
                }
                for r in rows
            ]


def verify_audit(index: DecisionIndex) -> tuple[int, int | None]:
    """Recompute the audit chain: (entries checked, first bad seq or ``None``).

    Besides every link, the last entry must be the chain head the store recorded, so entries
    removed from the end are caught too (reported as the first missing seq).
    """
    from clearway.audit.chain import AuditEntry, verify_chain

    count = 0
    last: tuple[int, str] = (0, GENESIS)
    with index.store.read() as uow:
        repository = AuditRepository(uow.session)

        def rows() -> Any:
            nonlocal count, last
            for r in repository.stream():
                count += 1
                last = (r.seq, r.hash)
                entry = AuditEntry(
                    r.seq, r.recorded_at, r.principal, r.event, r.subject, r.outcome, r.detail
                )
                yield entry, r.prev_hash, r.hash

        bad = verify_chain(rows())
        head = repository.head()
    if bad is None and last != head:
        bad = last[0] + 1
    return count, bad

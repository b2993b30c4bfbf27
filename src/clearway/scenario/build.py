# SPDX-License-Identifier: Apache-2.0
"""Build domain facts from a world document, checking references and domain rules.

Every problem is a :class:`ScenarioError` naming the file, the key path and what was expected.
The result is a :class:`~clearway.domain.facts.World` of facts that hold from the beginning of
time unless the document dates them; the registry persists exactly these facts on import.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

import attrs

from clearway.domain.facts import (
    ALWAYS,
    NATO_PROGRAMME,
    Approval,
    ApprovalTarget,
    Asset,
    Clearance,
    Employment,
    ExportAuthorisation,
    FacilityClearance,
    MarkingVersion,
    Nationality,
    Organisation,
    Person,
    Programme,
    ReadOn,
    Visit,
    World,
)
from clearway.domain.lifecycle import Status, StatusEntry, grant_dates, validate_history
from clearway.domain.marking import Marking, make_marking, parse_marking
from clearway.domain.reference import ClearanceType, Reference
from clearway.domain.time import Interval, as_instant
from clearway.errors import InvalidInputError, MarkingError, ScenarioError
from clearway.scenario.document import (
    ApprovalDoc,
    AssetDoc,
    ClearanceDoc,
    ExportAuthorisationDoc,
    FacilityClearanceDoc,
    OrganisationDoc,
    PersonDoc,
    VisitDoc,
    WorldDoc,
)

__all__ = ["build_world", "builtin_programmes"]


def builtin_programmes() -> dict[str, Programme]:
    """The programmes every store has: ``NATO``, open to every nation."""
    return {NATO_PROGRAMME: Programme(NATO_PROGRAMME, None, "NATO briefing")}


def _instant(value: date | datetime | None) -> datetime | None:
    return None if value is None else as_instant(value)


class _Builder:
    def __init__(self, doc: WorldDoc, reference: Reference, file: str) -> None:
        self.doc = doc
        self.ref = reference
        self.file = file
        self.warnings: list[str] = []
        self.programmes: dict[str, Programme] = {}
        self.programme_ids: set[str] = set()
        self.asset_ids: set[str] = set()
        self.org_ids: set[str] = set()
        self.person_ids: set[str] = set()
        self.record_ids: dict[str, str] = {}  # clearance, facility and visit ids -> key path

    @contextmanager
    def at(self, path: str) -> Iterator[None]:
        """Turn domain errors raised inside into errors naming ``path``."""
        try:
            yield
        except MarkingError as exc:
            where = f" (character {exc.position})" if exc.position is not None else ""
            field = f".{exc.field}" if exc.field else ""
            raise ScenarioError(self.file, path + field, exc.reason + where) from exc
        except InvalidInputError as exc:
            raise ScenarioError(self.file, path, exc.message) from exc

    def fail(self, path: str, reason: str) -> ScenarioError:
        return ScenarioError(self.file, path, reason)

    def claim(self, ident: str, path: str) -> str:
        """Reserve a clearance, facility clearance or visit id across the whole file."""
        other = self.record_ids.get(ident)
        if other is not None:
            raise self.fail(path, f"`{ident}` is already the id of {other}")
        self.record_ids[ident] = path
        return ident

    def unique(self, ids: Sequence[str], kind: str) -> set[str]:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                raise self.fail(f"{kind}[{i}].id", f"`{ident}` is given twice")
            seen.add(ident)
        return seen

    def country(self, code: str, path: str, *, groups: bool = False) -> frozenset[str]:
        upper = code.upper()
        if upper in self.ref.countries:
            return frozenset({upper})
        if groups and upper in self.ref.groups:
            return self.ref.groups[upper]
        if groups and upper in self.ref.input_aliases:
            self.warnings.append(f"{path}: `{upper}` is not an official tetragraph")
            return self.ref.input_aliases[upper]
        raise self.fail(path, f"unknown country code `{code}`")

    def interval(
        self, start: date | datetime | None, end: date | datetime | None, path: str
    ) -> Interval:
        with self.at(path):
            return Interval(_instant(start), _instant(end))

    # --- clearances ----------------------------------------------------------------------

    def history(
        self, doc: ClearanceDoc | FacilityClearanceDoc, path: str
    ) -> tuple[tuple[StatusEntry, ...], datetime | None]:
        expires = _instant(doc.expires)
        granted = _instant(doc.granted)
        if doc.history is None:
            assert doc.status is not None
            assert granted is not None
            return (StatusEntry(Status(doc.status), granted, expires),), None
        history = tuple(
            StatusEntry(Status(e.status), as_instant(e.at), _instant(e.expires))
            for e in doc.history
        )
        with self.at(f"{path}.history"):
            validate_history(history)
        grants = grant_dates(history)
        if expires is not None:
            # The explicit expiry holds from the first entry, each grant and each interim
            # eligibility (the entries that set one, see lifecycle._segments).
            def sets_expiry(i: int, e: StatusEntry) -> bool:
                interim = (
                    e.status is Status.INTERIM and history[i - 1].status is not Status.SUSPENDED
                )
                return i == 0 or e.at in grants or interim

            history = tuple(
                attrs.evolve(e, expires=expires) if sets_expiry(i, e) and e.expires is None else e
                for i, e in enumerate(history)
            )
        if granted is not None and grants and granted not in grants:
            days = ", ".join(g.date().isoformat() for g in grants)
            raise self.fail(f"{path}.granted", f"disagrees with the history's grant dates ({days})")
        reaches_granted = any(e.status is Status.GRANTED for e in history)
        if reaches_granted and not grants and granted is None:
            msg = "the history reaches `granted` without recording the grant: give `granted`"
            raise self.fail(path, msg)
        return history, (granted if not grants else None)

    def clearance_type(self, nation: str, name: str, path: str, *, facility: bool) -> ClearanceType:
        with self.at(path):
            return self.ref.scheme(nation).clearance_type(name, facility=facility)

    # --- records -------------------------------------------------------------------------

    def export(
        self, docs: Sequence[ExportAuthorisationDoc], path: str
    ) -> tuple[ExportAuthorisation, ...]:
        out = []
        for i, doc in enumerate(docs):
            where = f"{path}[{i}]"
            regime = doc.regime.upper()
            if regime == self.ref.itar_excluded:
                msg = f"`{regime}` is a marking (the Excluded Technology List), not a regime"
                raise self.fail(f"{where}.regime", msg)
            if regime not in self.ref.export_controls:
                known = ", ".join(sorted(self.ref.export_controls))
                raise self.fail(
                    f"{where}.regime", f"unknown regime `{doc.regime}` (known: {known})"
                )
            if doc.programme is not None and doc.programme not in self.programme_ids:
                raise self.fail(f"{where}.programme", f"unknown programme `{doc.programme}`")
            if doc.asset is not None and doc.asset not in self.asset_ids:
                raise self.fail(f"{where}.asset", f"unknown asset `{doc.asset}`")
            out.append(
                ExportAuthorisation(
                    regime=regime,
                    interval=self.interval(doc.from_, doc.until, where),
                    asset=doc.asset,
                    programme=doc.programme,
                )
            )
        return tuple(out)

    def marking_versions(self, doc: AssetDoc, path: str) -> tuple[MarkingVersion, ...]:
        first = self.marking(doc, path, self.programme_ids)
        versions = [MarkingVersion(first)]
        previous: datetime | None = None
        for j, change in enumerate(doc.changes):
            where = f"{path}.changes[{j}]"
            at = as_instant(change.at)
            if previous is not None and at <= previous:
                raise self.fail(f"{where}.at", "marking changes must be in time order")
            previous = at
            for k, programme in enumerate(change.programmes):
                if programme not in self.programme_ids:
                    raise self.fail(f"{where}.programmes[{k}]", f"unknown programme `{programme}`")
            with self.at(where):
                marking = make_marking(
                    self.ref,
                    originator=first.originator,
                    level=change.level,
                    releasable_to=change.releasable_to,
                    caveats=change.caveats,
                    programmes=change.programmes,
                    export_controls=change.export_control,
                    fgi=change.fgi,
                )
            versions.append(MarkingVersion(marking, at))
        return tuple(versions)

    def marking(self, doc: AssetDoc, path: str, programmes: set[str]) -> Marking:
        for j, programme in enumerate(doc.programmes):
            if programme not in programmes:
                raise self.fail(f"{path}.programmes[{j}]", f"unknown programme `{programme}`")
        if doc.marking is not None:
            with self.at(f"{path}.marking"):
                parsed = parse_marking(doc.marking, self.ref)
            self.warnings.extend(f"{path}.marking: {w}" for w in parsed.warnings)
            base = parsed.marking
            if doc.originator is not None and doc.originator.upper() != base.originator:
                msg = f"`{doc.originator}` is not the marking's originator `{base.originator}`"
                raise self.fail(f"{path}.originator", msg)
            with self.at(path):
                return make_marking(
                    self.ref,
                    originator=base.originator,
                    level=base.level,
                    releasable_to=base.releasable_to,
                    caveats=base.caveats,
                    programmes=doc.programmes,
                    export_controls=doc.export_control,
                    fgi=base.fgi | frozenset(doc.fgi),
                )
        assert doc.originator is not None
        assert doc.level is not None
        for j, code in enumerate(doc.releasable_to or ()):
            if code.upper() in self.ref.input_aliases:
                where = f"{path}.releasable_to[{j}]"
                self.warnings.append(f"{where}: `{code.upper()}` is not an official tetragraph")
        with self.at(path):
            return make_marking(
                self.ref,
                originator=doc.originator,
                level=doc.level,
                releasable_to=doc.releasable_to or (),
                caveats=doc.caveats or (),
                programmes=doc.programmes,
                export_controls=doc.export_control,
                fgi=doc.fgi,
            )

    def build(self) -> World:
        doc = self.doc
        self.programmes = self.build_programmes()
        self.programme_ids = set(self.programmes)
        self.asset_ids = self.unique([a.id for a in doc.assets], "assets")
        self.org_ids = self.unique([o.id for o in doc.organisations], "organisations")
        self.person_ids = self.unique([p.id for p in doc.people], "people")
        organisations = {o.id: self.organisation(i, o) for i, o in enumerate(doc.organisations)}
        visits: dict[str, list[Visit]] = {}
        for i, v in enumerate(doc.visits):
            visit = self.visit(i, v)
            visits.setdefault(visit.visitor, []).append(visit)
        people = {p.id: self.person(i, p, visits.get(p.id, [])) for i, p in enumerate(doc.people)}
        approvals: dict[str, list[Approval]] = {}
        for i, a in enumerate(doc.approvals):
            approval = self.approval(i, a)
            approvals.setdefault(approval.asset, []).append(approval)
        assets = {
            a.id: Asset(
                id=a.id,
                markings=self.marking_versions(a, f"assets[{i}]"),
                approvals=tuple(approvals.get(a.id, ())),
                title=a.title,
            )
            for i, a in enumerate(doc.assets)
        }
        return World(self.ref, people, organisations, self.programmes, assets)

    def build_programmes(self) -> dict[str, Programme]:
        programmes = builtin_programmes()
        self.unique([p.id for p in self.doc.programmes], "programmes")
        for i, p in enumerate(self.doc.programmes):
            if p.id in programmes:
                raise self.fail(f"programmes[{i}].id", f"`{p.id}` is built in")
            nations: set[str] = set()
            for j, code in enumerate(p.nations):
                nations |= self.country(code, f"programmes[{i}].nations[{j}]", groups=True)
            programmes[p.id] = Programme(p.id, frozenset(nations), p.name)
        return programmes

    def organisation(self, i: int, o: OrganisationDoc) -> Organisation:
        path = f"organisations[{i}]"
        nation = next(iter(self.country(o.nation, f"{path}.nation")))
        facilities: list[FacilityClearance] = []
        for j, f in enumerate(o.facility_clearances):
            where = f"{path}.facility_clearances[{j}]"
            ctype = self.clearance_type(nation, f.type, f"{where}.type", facility=True)
            history, _ = self.history(f, where)
            ident = self.claim(f.id or f"{o.id}/FCL-{j + 1}", f"{where}.id")
            facilities.append(FacilityClearance(ident, ctype, history))
        return Organisation(
            id=o.id,
            nation=nation,
            facility_clearances=tuple(facilities),
            aukus_periods=tuple(
                self.interval(p.from_, p.until, f"{path}.aukus_authorised_user[{k}]")
                for k, p in enumerate(o.aukus_authorised_user)
            ),
            export_authorisations=self.export(
                o.export_authorisations, f"{path}.export_authorisations"
            ),
            name=o.name,
        )

    def visit(self, i: int, v: VisitDoc) -> Visit:
        path = f"visits[{i}]"
        if v.visitor not in self.person_ids:
            raise self.fail(f"{path}.visitor", f"unknown person `{v.visitor}`")
        if v.host not in self.org_ids:
            raise self.fail(f"{path}.host", f"unknown organisation `{v.host}`")
        for j, programme in enumerate(v.programmes):
            if programme not in self.programme_ids:
                raise self.fail(f"{path}.programmes[{j}]", f"unknown programme `{programme}`")
        return Visit(
            id=self.claim(v.id or f"VISIT-{i + 1}", f"{path}.id"),
            visitor=v.visitor,
            host=v.host,
            programmes=frozenset(v.programmes),
            interval=self.interval(v.from_, v.until, path),
            approved=Interval(_instant(v.approved_at), None) if v.status == "approved" else None,
            status=v.status,
            kind=v.kind,
        )

    def person(self, i: int, p: PersonDoc, visits: list[Visit]) -> Person:
        path = f"people[{i}]"
        nationalities: set[str] = set()
        held: list[Nationality] = []
        for j, entry in enumerate(p.nationalities):
            where = f"{path}.nationalities[{j}]"
            if isinstance(entry, str):
                codes, interval = self.country(entry, where), ALWAYS
            else:
                codes = self.country(entry.nation, f"{where}.nation")
                interval = self.interval(entry.from_, entry.until, where)
            nationalities |= codes
            held.extend(Nationality(code, interval) for code in sorted(codes))
        employment = self.employment(p, path)
        clearances: list[Clearance] = []
        for j, c in enumerate(p.clearances):
            where = f"{path}.clearances[{j}]"
            ctype = self.clearance_type(c.issuer.upper(), c.type, f"{where}.type", facility=False)
            history, hint = self.history(c, where)
            cv = None if c.continuous_vetting is None else as_instant(c.continuous_vetting.from_)
            ident = self.claim(c.id or f"{p.id}/CLR-{j + 1}", f"{where}.id")
            clearances.append(Clearance(ident, ctype, history, cv, hint))
        read_ons = []
        for j, r in enumerate(p.read_on):
            where = f"{path}.read_on[{j}]"
            programme = self.programmes.get(r.programme)
            if programme is None:
                raise self.fail(f"{where}.programme", f"unknown programme `{r.programme}`")
            if programme.nations is not None and not nationalities & programme.nations:
                listed = ", ".join(sorted(nationalities))
                msg = f"{listed} does not participate in `{r.programme}`: cannot be read on"
                raise self.fail(f"{where}.programme", msg)
            read_ons.append(ReadOn(r.programme, self.interval(r.from_, r.until, where)))
        return Person(
            id=p.id,
            nationalities=tuple(held),
            employment=employment,
            clearances=tuple(clearances),
            read_ons=tuple(read_ons),
            visits=tuple(visits),
            export_authorisations=self.export(
                p.export_authorisations, f"{path}.export_authorisations"
            ),
            name=p.name,
        )

    def employment(self, p: PersonDoc, path: str) -> tuple[Employment, ...]:
        if p.employer is not None:
            if p.employer not in self.org_ids:
                raise self.fail(f"{path}.employer", f"unknown organisation `{p.employer}`")
            return (Employment(p.employer),)
        jobs: list[Employment] = []
        for j, e in enumerate(p.employment or []):
            where = f"{path}.employment[{j}]"
            if e.organisation not in self.org_ids:
                raise self.fail(f"{where}.organisation", f"unknown organisation `{e.organisation}`")
            interval = self.interval(e.from_, e.until, where)
            for other in jobs:
                lo, hi = interval.bounds()
                olo, ohi = other.interval.bounds()
                if lo < ohi and olo < hi:
                    msg = f"overlaps employment by `{other.organisation}`: one employer at a time"
                    raise self.fail(where, msg)
            jobs.append(Employment(e.organisation, interval))
        return tuple(jobs)

    def approval(self, i: int, a: ApprovalDoc) -> Approval:
        path = f"approvals[{i}]"
        if a.asset not in self.asset_ids:
            raise self.fail(f"{path}.asset", f"unknown asset `{a.asset}`")
        if a.person is not None:
            if a.person not in self.person_ids:
                raise self.fail(f"{path}.person", f"unknown person `{a.person}`")
            target, value = ApprovalTarget.PERSON, a.person
        elif a.organisation is not None:
            if a.organisation not in self.org_ids:
                raise self.fail(f"{path}.organisation", f"unknown organisation `{a.organisation}`")
            target, value = ApprovalTarget.ORGANISATION, a.organisation
        else:
            assert a.nation is not None
            target = ApprovalTarget.NATION
            value = next(iter(self.country(a.nation, f"{path}.nation")))
        return Approval(a.asset, target, value, self.interval(a.from_, a.until, path))


def build_world(doc: WorldDoc, reference: Reference, file: str) -> tuple[World, list[str]]:
    """The domain facts of ``doc`` and the warnings it earned; raises :class:`ScenarioError`."""
    builder = _Builder(doc, reference, file)
    return builder.build(), builder.warnings

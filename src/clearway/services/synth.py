# SPDX-License-Identifier: Apache-2.0
"""Synthetic worlds for tests, demos and benchmarks (``clearway synth``).

Deterministic for a seed (one ``random.Random(seed)`` drawn in a fixed order). The
distributions are documented in ``docs/synth.md``; the constants below are the single source.
The result is a :class:`~clearway.domain.facts.World` built from valid values only (types,
levels and histories come from the reference data and the lifecycle), written through the
import path like any world file.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from clearway.domain.facts import (
    ALWAYS,
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
from clearway.domain.lifecycle import Status, StatusEntry
from clearway.domain.marking import Marking, make_marking
from clearway.domain.reference import Reference
from clearway.domain.time import Interval
from clearway.scenario.build import builtin_programmes

__all__ = [
    "ASSET_ORIGINATORS",
    "NATIONALITIES",
    "synth_document",
    "synth_world",
]

_T = TypeVar("_T")

#: Nationality shares (a further DUAL_NATIONALITY share hold a second one).
NATIONALITIES = {"USA": 30, "GBR": 20, "AUS": 20, "JPN": 20, "CAN": 4, "NZL": 3, "KOR": 3}
DUAL_NATIONALITY = 0.03
#: Share of people with an employer (an organisation of their first nationality).
EMPLOYED = 0.9
#: One organisation per this many people (at least four).
PEOPLE_PER_ORGANISATION = 50
#: Share of organisations holding a granted facility clearance; AUS/GBR ones that are AUKUS
#: authorised users; JPN ones holding an ITAR authorisation for one programme.
FACILITY_CLEARED = 0.8
AUKUS_AUTHORISED = 0.6
JPN_ITAR_AUTHORISED = 0.3
#: Share of people holding a clearance from their (first) nation, and its status at the end of
#: its history. Grant dates are uniform over 2008–2026, so the default validity leaves about a
#: fifth of the "granted" ones expired by 2026.
CLEARED = 0.85
CLEARANCE_OUTCOMES = {
    "granted": 70,
    "interim": 5,
    "suspended": 8,
    "revoked": 4,
    "withdrawn": 2,
    "applied": 3,
    "investigating": 3,
    "granted-cv": 5,
}
#: Asset originators.
ASSET_ORIGINATORS = {"USA": 35, "GBR": 20, "AUS": 20, "JPN": 20, "NATO": 5}
#: Each partner nation is releasable with this chance; FVEY is written instead for this share.
RELEASE_CHANCE = 0.5
FVEY_SHARE = 0.1
#: Shares of assets with programmes (one, or two), ORCON, US NOFORN, ITAR, ITAR-EXCLUDED, EAR,
#: and a later marking change.
ONE_PROGRAMME, TWO_PROGRAMMES = 0.7, 0.1
ORCON_SHARE = 0.05
US_NOFORN_SHARE = 0.1
US_ITAR_SHARE, US_ITAR_EXCLUDED_SHARE, EAR_SHARE = 0.15, 0.02, 0.05
MARKING_CHANGE_SHARE = 0.02
#: Read-ons per person (to programmes their nationality participates in), and the share ended.
READ_ONS = (1, 3)
READ_ON_ENDED = 0.2
VISIT_SHARE = 0.01

PARTNERS = ("USA", "GBR", "AUS", "JPN", "CAN", "NZL", "KOR")
AREAS = (
    "QUANTUM", "UNDERSEA", "AI", "CYBER", "HYPERSONIC", "EW", "INNOVATION", "INFOSHARE",
)  # fmt: skip
START, END = datetime(2008, 1, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _day(rng: random.Random, start: datetime = START, end: datetime = END) -> datetime:
    days = (end - start).days
    return start + timedelta(days=rng.randrange(max(days, 1)))


def _choice(rng: random.Random, items: Sequence[_T]) -> _T:
    return items[rng.randrange(len(items))]


class _Synth:
    def __init__(self, reference: Reference, seed: int) -> None:
        self.ref = reference
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.markings: dict[tuple[Any, ...], Marking] = {}

    def programmes(self) -> dict[str, Programme]:
        out = builtin_programmes()
        for area in AREAS:
            for variant, nations in (
                ("CORE", ("AUS", "GBR", "USA")),
                ("JPN", ("AUS", "GBR", "JPN", "USA")),
                ("PARTNERS", ("AUS", "CAN", "GBR", "JPN", "KOR", "NZL", "USA")),
            ):
                ident = f"AUKUS-P2-{area}-{variant}"
                out[ident] = Programme(
                    ident, frozenset(nations), f"{area.title()} ({variant.lower()})"
                )
        return out

    def organisations(
        self, count: int, programmes: dict[str, Programme]
    ) -> dict[str, Organisation]:
        rng, out = self.rng, {}
        by_nation = [n for n in NATIONALITIES if n in self.ref.schemes]
        for i in range(count):
            nation = (
                by_nation[i % len(by_nation)] if i < len(by_nation) else _pick(rng, NATIONALITIES)
            )
            ident = f"ORG-{nation}-{i + 1:05d}"
            scheme = self.ref.scheme(nation)
            facilities = []
            if rng.random() < FACILITY_CLEARED and scheme.facility_clearance_types:
                ctype = _choice(rng, scheme.facility_clearance_types)
                granted = _day(rng, datetime(2015, 1, 1, tzinfo=UTC))
                facilities.append(
                    FacilityClearance(
                        f"{ident}/FCL-1", ctype, (StatusEntry(Status.GRANTED, granted),)
                    )
                )
            aukus: tuple[Interval, ...] = ()
            if nation in ("AUS", "GBR") and rng.random() < AUKUS_AUTHORISED:
                aukus = (Interval(_day(rng, datetime(2024, 9, 1, tzinfo=UTC)), None),)
            exports: tuple[ExportAuthorisation, ...] = ()
            if nation == "JPN" and rng.random() < JPN_ITAR_AUTHORISED:
                jpn = sorted(p for p, g in programmes.items() if g.nations and "JPN" in g.nations)
                start = _day(rng, datetime(2024, 1, 1, tzinfo=UTC))
                exports = (
                    ExportAuthorisation(
                        "ITAR",
                        Interval(start, start + timedelta(days=730)),
                        programme=_choice(rng, jpn),
                    ),
                )
            out[ident] = Organisation(
                ident, nation, tuple(facilities), aukus, exports, f"Org {i + 1}"
            )
        return out

    def clearance(self, ident: str, nation: str) -> Clearance | None:
        rng = self.rng
        scheme = self.ref.scheme(nation)
        if not scheme.clearance_types:
            return None
        ctype = _choice(rng, scheme.clearance_types)
        outcome = _pick(rng, CLEARANCE_OUTCOMES)
        applied = _day(rng)
        start = applied - timedelta(days=200)
        cv = None
        if outcome in ("applied", "investigating"):
            history = [StatusEntry(Status.APPLIED, applied)]
            if outcome == "investigating":
                history.append(StatusEntry(Status.INVESTIGATING, applied + timedelta(days=30)))
        elif outcome == "interim":
            history = [
                StatusEntry(Status.INVESTIGATING, start),
                StatusEntry(Status.INTERIM, applied),
            ]
        else:
            history = [
                StatusEntry(Status.INVESTIGATING, start),
                StatusEntry(Status.GRANTED, applied),
            ]
            later = applied + timedelta(days=rng.randrange(30, 2000))
            if outcome == "suspended":
                history.append(StatusEntry(Status.SUSPENDED, later))
            elif outcome == "revoked":
                history.append(StatusEntry(Status.REVOKED, later))
            elif outcome == "withdrawn":
                history.append(StatusEntry(Status.WITHDRAWN, later))
            elif outcome == "granted-cv":
                cv = applied + timedelta(days=rng.randrange(1, 1500))
        return Clearance(ident, ctype, tuple(history), cv)

    def people(
        self, count: int, organisations: dict[str, Organisation], programmes: dict[str, Programme]
    ) -> dict[str, Person]:
        rng, out = self.rng, {}
        orgs_by_nation: dict[str, list[str]] = {}
        for org in organisations.values():
            orgs_by_nation.setdefault(org.nation, []).append(org.id)
        org_ids = sorted(organisations)
        for i in range(count):
            ident = f"P-{i + 1:07d}"
            first = _pick(rng, NATIONALITIES)
            nations = [first]
            if rng.random() < DUAL_NATIONALITY:
                second = _pick(rng, NATIONALITIES)
                if second != first:
                    nations.append(second)
            employment: tuple[Employment, ...] = ()
            if rng.random() < EMPLOYED and org_ids:
                employer = _choice(rng, orgs_by_nation.get(first) or org_ids)
                employment = (Employment(employer),)
            clearances = []
            if rng.random() < CLEARED and first in self.ref.schemes:
                found = self.clearance(f"{ident}/CLR-1", first)
                if found is not None:
                    clearances.append(found)
            eligible = sorted(
                p
                for p, g in programmes.items()
                if g.nations is not None and g.nations & set(nations)
            )
            read_ons = []
            for programme in rng.sample(eligible, min(len(eligible), rng.randint(*READ_ONS))):
                start = _day(rng, datetime(2020, 1, 1, tzinfo=UTC))
                end = (
                    start + timedelta(days=rng.randrange(90, 1500))
                    if rng.random() < READ_ON_ENDED
                    else None
                )
                read_ons.append(ReadOn(programme, Interval(start, end)))
            visits = []
            if rng.random() < VISIT_SHARE and eligible and org_ids:
                start = _day(rng, datetime(2025, 1, 1, tzinfo=UTC))
                visits.append(
                    Visit(
                        f"VISIT-{ident}",
                        ident,
                        _choice(rng, org_ids),
                        frozenset({_choice(rng, eligible)}),
                        Interval(start, start + timedelta(days=14)),
                        ALWAYS,
                    )
                )
            out[ident] = Person(
                id=ident,
                nationalities=tuple(Nationality(n) for n in nations),
                employment=employment,
                clearances=tuple(clearances),
                read_ons=tuple(read_ons),
                visits=tuple(visits),
                name=f"Person {i + 1}",
            )
        return out

    def marking(self, originator: str, programmes: dict[str, Programme]) -> Marking:
        rng, ref = self.rng, self.ref
        scheme = ref.scheme(originator)
        levels = [lv for lv in scheme.levels if lv.rank >= 1] or list(scheme.levels)
        level = _choice(rng, levels).name
        if originator == "NATO":
            releasable = tuple(
                n for n in ("JPN", "AUS", "KOR") if rng.random() < RELEASE_CHANCE / 2
            )
        elif rng.random() < FVEY_SHARE and originator in ref.groups.get("FVEY", ()):
            releasable = ("FVEY",)
        else:
            releasable = tuple(n for n in PARTNERS if rng.random() < RELEASE_CHANCE)
        caveats: list[str] = []
        if originator == "USA" and rng.random() < US_NOFORN_SHARE:
            releasable, caveats = (), ["NOFORN"]
        if rng.random() < ORCON_SHARE:
            caveats.append("ORCON")
        eligible = sorted(
            p
            for p, g in programmes.items()
            if g.nations is not None and (originator == "NATO" or originator in g.nations)
        )
        roll = rng.random()
        count = 1 if roll < ONE_PROGRAMME else 2 if roll < ONE_PROGRAMME + TWO_PROGRAMMES else 0
        chosen = tuple(sorted(rng.sample(eligible, min(count, len(eligible)))))
        controls: list[str] = []
        if originator == "USA":
            roll = rng.random()
            if roll < US_ITAR_EXCLUDED_SHARE:
                controls.append("ITAR-EXCLUDED")
            elif roll < US_ITAR_EXCLUDED_SHARE + US_ITAR_SHARE:
                controls.append("ITAR")
        if rng.random() < EAR_SHARE:
            controls.append("EAR")
        key = (originator, level, releasable, tuple(caveats), chosen, tuple(controls))
        found = self.markings.get(key)
        if found is None:
            found = self.markings[key] = make_marking(
                ref,
                originator=originator,
                level=level,
                releasable_to=releasable,
                caveats=caveats,
                programmes=chosen,
                export_controls=controls,
            )
        return found

    def assets(
        self,
        count: int,
        programmes: dict[str, Programme],
        people: dict[str, Person],
        organisations: dict[str, Organisation],
    ) -> dict[str, Asset]:
        rng, out = self.rng, {}
        person_ids, org_ids = sorted(people), sorted(organisations)
        for i in range(count):
            ident = f"D-{i + 1:08d}"
            originator = _pick(rng, ASSET_ORIGINATORS)
            if originator not in self.ref.schemes:
                originator = "USA"
            versions = [MarkingVersion(self.marking(originator, programmes))]
            if rng.random() < MARKING_CHANGE_SHARE:
                versions.append(
                    MarkingVersion(
                        self.marking(originator, programmes),
                        _day(rng, datetime(2024, 1, 1, tzinfo=UTC)),
                    )
                )
            approvals = []
            if any("ORCON" in v.marking.caveats for v in versions):
                roll = rng.random()
                start = _day(rng, datetime(2023, 1, 1, tzinfo=UTC))
                if roll < 0.5 or not person_ids:
                    target, value = ApprovalTarget.NATION, _choice(rng, PARTNERS)
                elif roll < 0.8 and org_ids:
                    target, value = ApprovalTarget.ORGANISATION, _choice(rng, org_ids)
                else:
                    target, value = ApprovalTarget.PERSON, _choice(rng, person_ids)
                approvals.append(Approval(ident, target, value, Interval(start, None)))
            out[ident] = Asset(ident, tuple(versions), tuple(approvals), f"Document {i + 1}")
        return out


def synth_world(reference: Reference, *, people: int, assets: int, seed: int) -> World:
    """A synthetic world of ``people`` people and ``assets`` assets, the same for a seed."""
    synth = _Synth(reference, seed)
    programmes = synth.programmes()
    organisations = synth.organisations(max(4, people // PEOPLE_PER_ORGANISATION), programmes)
    persons = synth.people(people, organisations, programmes)
    documents = synth.assets(assets, programmes, persons, organisations)
    return World(reference, persons, organisations, programmes, documents)


def synth_document(reference: Reference, *, people: int, assets: int, seed: int) -> dict[str, Any]:
    """:func:`synth_world` as a world document."""
    from clearway.services.transfer import world_document

    return world_document(synth_world(reference, people=people, assets=assets, seed=seed))

# SPDX-License-Identifier: Apache-2.0
"""Hypothesis strategies for small random worlds, requests and instants.

A world is drawn in the scenario YAML shape (SPEC §7) as a plain ``dict`` (a :data:`Spec`), so a
test can edit it before building, and built into domain facts through the same code path as
``clearway scenario run`` (:func:`build`). Every date a world uses comes from a coarse pool
(the 1st and 28th of each month, 2020–2031, and 29 February 2024/2028), so validity periods,
expiries and the instants the checks ask about often meet exactly at a boundary.

The clearance status transitions are written out here from SPEC §3 rather than imported, so the
strategies do not inherit a mistake of the code under test.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from clearway.domain.facts import ALWAYS, Employment, MarkingVersion, Nationality, World
from clearway.domain.marking import Marking, make_marking
from clearway.domain.reference import ClearanceType
from clearway.domain.time import Interval
from clearway.reference import default_reference
from clearway.scenario.build import build_world
from clearway.scenario.document import WorldDoc
from clearway.scenario.runner import load_document

__all__ = [
    "ACTIONS",
    "NATIONS",
    "Spec",
    "build",
    "dates",
    "instants",
    "instants_for",
    "iso",
    "time_varying_worlds",
    "worlds",
]

#: A world in the scenario YAML shape (``version: 1`` included).
Spec = dict[str, Any]

REFERENCE = default_reference()
NATIONS = ("USA", "GBR", "AUS", "JPN", "KOR", "CAN", "NZL")
ORIGINATORS = (*NATIONS, "NATO")
ACTIONS = ("read", "download")
GROUPS = ("FVEY", "ACGU")
EXPORT_CONTROLS = ("ITAR", "ITAR-EXCLUDED", "EAR")
REGIMES = ("ITAR", "ITAR", "EAR", "DSGL")  # ITAR twice: it is the one that is enforced
STATUSES = (
    "applied",
    "investigating",
    "interim",
    "granted",
    "denied",
    "suspended",
    "revoked",
    "withdrawn",
)
#: SPEC §3 transitions (from ``suspended`` also back to the status held before).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "applied": ("investigating", "withdrawn"),
    "investigating": ("interim", "granted", "denied", "withdrawn"),
    "interim": ("granted", "denied", "suspended", "revoked", "withdrawn"),
    "granted": ("granted", "suspended", "revoked", "withdrawn"),
    "suspended": ("revoked", "withdrawn"),
    "denied": (),
    "revoked": (),
    "withdrawn": (),
}

_POOL = sorted(
    {date(y, m, d) for y in range(2010, 2032) for m in range(1, 13) for d in (1, 28)}
    | {date(2012, 2, 29), date(2016, 2, 29), date(2020, 2, 29), date(2024, 2, 29)}
)
_CHECK_POOL = [d for d in _POOL if d.year >= 2020]
_ZONES = (UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5)))


_DATES = st.sampled_from(_POOL)
_DATE_PAIRS = st.lists(_DATES, min_size=2, max_size=2, unique=True)
_DATE_RUNS = st.lists(_DATES, min_size=1, max_size=4, unique=True)
_BOOL = st.booleans()


def dates() -> st.SearchStrategy[date]:
    """A date of the coarse pool of fact dates (2010–2031, so that clearances granted long
    ago have expired by 2020)."""
    return _DATES


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def instants() -> st.SearchStrategy[datetime]:
    """An aware instant between 2020 and 2032: mostly midnight UTC of a pool date (a boundary
    of some fact), sometimes any instant at all, in UTC, JST or EST."""
    midnight = st.sampled_from(_CHECK_POOL).map(_midnight)
    anywhere = st.datetimes(
        min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - bounds of an aware strategy are naive
        max_value=datetime(2032, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from(_ZONES),
    )
    return st.one_of(midnight, midnight, anywhere)


def _dates_in(value: Any) -> set[date]:
    """Every date a spec names, or every instant's date in a world's facts (not its reference
    data)."""
    if isinstance(value, World):
        return _dates_in([value.people, value.organisations, value.assets])
    if isinstance(value, datetime):
        return {value.astimezone(UTC).date()}
    if isinstance(value, str):
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return {date.fromisoformat(value)}
        return set()
    if isinstance(value, Mapping):
        value = list(value.values())
    elif attrs.has(type(value)):
        if isinstance(value, ClearanceType):
            return set()
        value = [getattr(value, f.name) for f in attrs.fields(type(value))]
    if isinstance(value, (list, tuple, set, frozenset)):
        found: set[date] = set()
        for item in value:
            found |= _dates_in(item)
        return found
    return set()


def instants_for(source: Spec | World, *, max_size: int = 3) -> st.SearchStrategy[list[datetime]]:
    """1–``max_size`` instants to ask a world about: often exactly at one of the dates the world
    names, or a microsecond before it (half-open intervals), otherwise :func:`instants`."""
    days = sorted(d for d in _dates_in(source) if 2020 <= d.year <= 2031)
    if not days:
        return st.lists(instants(), min_size=1, max_size=max_size)
    boundary = st.sampled_from(days).map(_midnight)
    just_before = boundary.map(lambda t: t - timedelta(microseconds=1))
    return st.lists(st.one_of(boundary, just_before, instants()), min_size=1, max_size=max_size)


def iso(day: date) -> str:
    """A date as the YAML string the scenario format reads."""
    return day.isoformat()


def build(spec: Spec, name: str = "random.yaml") -> World:
    """The domain facts of a world spec, through the scenario schema and world builder."""
    doc = load_document(Path(name), WorldDoc, spec)
    world, _ = build_world(doc, REFERENCE, name)
    return world


# --- pieces ----------------------------------------------------------------------------------
# Strategies are cached by their arguments: building a fresh strategy for every draw costs more
# than the draw itself.

_T = TypeVar("_T")


@functools.cache
def _sampled(items: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(items)


@functools.cache
def _integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@functools.cache
def _subsets(items: tuple[str, ...], min_size: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(items), min_size=min_size, max_size=len(items), unique=True)


def _pick(draw: st.DrawFn, items: Sequence[_T]) -> _T:
    value: _T = draw(_sampled(tuple(items)))
    return value


def _count(draw: st.DrawFn, low: int, high: int) -> int:
    return draw(_integers(low, high))


def _period(draw: st.DrawFn, *, need_from: bool = False) -> dict[str, str]:
    """``{from, until}``, either side open (``from`` required with ``need_from``)."""
    start, end = sorted(draw(_DATE_PAIRS))
    out: dict[str, str] = {}
    if need_from or _coin(draw):
        out["from"] = iso(start)
    if _coin(draw):
        out["until"] = iso(end)
    return out


def _coin(draw: st.DrawFn) -> bool:
    flip: bool = draw(_BOOL)
    return flip


def _rarely(draw: st.DrawFn) -> bool:
    """True about one time in four (or less: Hypothesis favours the first choice)."""
    return _pick(draw, (False, False, False, True))


def _releasable(draw: st.DrawFn) -> list[str]:
    """Mostly wide releasable sets (so that permits are common), sometimes narrow ones."""
    if _coin(draw):
        dropped = {_pick(draw, NATIONS) for _ in range(_count(draw, 0, 2))}
        return [n for n in NATIONS if n not in dropped]
    return _subset(draw, NATIONS)[:3]


def _subset(draw: st.DrawFn, items: Sequence[str], *, min_size: int = 0) -> list[str]:
    subset: list[str] = draw(_subsets(tuple(items), min_size))
    return subset


def _history(draw: st.DrawFn) -> tuple[list[dict[str, str]], list[date], bool]:
    """A status history following SPEC §3 (its first entry any status), its grant dates and
    whether it ever reaches ``granted``."""
    when = sorted(draw(_DATE_RUNS))
    statuses = [_pick(draw, STATUSES)]
    for _ in when[1:]:
        current = statuses[-1]
        allowed = list(TRANSITIONS[current])
        if current == "suspended":
            before = statuses[-2] if len(statuses) > 1 else None
            allowed += [before] if before is not None else ["interim", "granted"]
        if not allowed:
            break
        statuses.append(_pick(draw, allowed))
    entries = [{"status": s, "at": iso(d)} for s, d in zip(statuses, when, strict=False)]
    grants = [
        when[i]
        for i, s in enumerate(statuses)
        if s == "granted" and (i == 0 or statuses[i - 1] != "suspended")
    ]
    return entries, grants, "granted" in statuses


def _clearance_body(draw: st.DrawFn, type_name: str) -> dict[str, Any]:
    body: dict[str, Any] = {"type": type_name}
    if _pick(draw, (True, True, False)):
        body["status"] = _pick(draw, ("granted", "granted", "interim"))
        body["granted"] = iso(draw(dates()))
    else:
        entries, grants, reaches_granted = _history(draw)
        body["history"] = entries
        if grants and _coin(draw):
            body["granted"] = iso(_pick(draw, grants))
        elif reaches_granted and not grants:  # a reinstated history must say when it was granted
            body["granted"] = entries[0]["at"]
    if _rarely(draw):
        body["expires"] = iso(draw(dates()))
    return body


def _export_authorisations(
    draw: st.DrawFn, programmes: list[str], assets: list[Spec]
) -> list[dict[str, str]]:
    """Authorisations, mostly for what the ITAR-marked assets are (or are marked with)."""
    itar = [a for a in assets if {"ITAR", "ITAR-EXCLUDED"} & set(a["export_control"])]
    itar_programmes = sorted({p for a in itar for p in a["programmes"] if p in programmes})
    out = []
    for _ in range(_pick(draw, (1, 0, 2))):
        item: dict[str, str] = {"regime": _pick(draw, REGIMES)}
        if _coin(draw):
            item["programme"] = _pick(
                draw, itar_programmes if itar_programmes and _coin(draw) else programmes
            )
        else:
            item["asset"] = _pick(draw, [a["id"] for a in (itar if itar else assets)])
        item.update(_period(draw))
        out.append(item)
    return out


def _expand(codes: list[str]) -> set[str]:
    return set(REFERENCE.expand(codes))


# --- records ---------------------------------------------------------------------------------


def _organisation(
    draw: st.DrawFn, ident: str, programmes: list[str], assets: list[Spec]
) -> dict[str, Any]:
    nation = _pick(draw, ("GBR", "AUS", "JPN", "USA", *NATIONS))
    types = [t.name for t in REFERENCE.scheme(nation).facility_clearance_types]
    org: dict[str, Any] = {"id": ident, "nation": nation}
    org["facility_clearances"] = [
        _clearance_body(draw, _pick(draw, types)) for _ in range(_count(draw, 0, 2))
    ]
    aukus_partner = nation in {"AUS", "GBR"}
    periods = [_period(draw) for _ in range(_count(draw, int(aukus_partner), 2))]
    if periods:
        org["aukus_authorised_user"] = periods[0] if len(periods) == 1 else periods
    org["export_authorisations"] = _export_authorisations(draw, programmes, assets)
    return org


def _person(
    draw: st.DrawFn,
    ident: str,
    orgs: dict[str, str],
    programmes: dict[str, set[str]],
    assets: list[Spec],
) -> dict[str, Any]:
    nationalities = [_pick(draw, ("GBR", "JPN", "AUS", "USA", *NATIONS))]
    if _rarely(draw):  # dual nationals
        nationalities.append(_pick(draw, [n for n in NATIONS if n != nationalities[0]]))
    person: dict[str, Any] = {"id": ident, "nationalities": nationalities}
    if orgs and not _rarely(draw):
        home = sorted(o for o, nation in orgs.items() if nation in nationalities)
        person["employer"] = _pick(draw, home if home and _coin(draw) else sorted(orgs))
    clearances = []
    for _ in range(_pick(draw, (0, 1, 1, 2, 2, 3))):
        # mostly issued by a nation of the holder, sometimes a recognised foreign one
        issuer = _pick(draw, NATIONS if _rarely(draw) else nationalities)
        types = [t.name for t in REFERENCE.scheme(issuer).clearance_types]
        body = _clearance_body(draw, _pick(draw, types))
        if _rarely(draw):
            vetted = draw(dates())
            first = body["history"][0]["at"] if "history" in body else body["granted"]
            # Not drawn: continuous vetting from the very instant of an explicit expiry that
            # comes before the clearance exists (a known bug, tested by example in
            # test_properties: such a clearance never expires).
            if not (body.get("expires") == iso(vetted) and iso(vetted) < first):
                body["continuous_vetting"] = {"from": iso(vetted)}
        clearances.append({"issuer": issuer, **body})
    person["clearances"] = clearances
    eligible = sorted(p for p, nations in programmes.items() if nations & set(nationalities))
    eligible.append("NATO")  # the built-in programme, open to every nation (a NATO briefing)
    person["read_on"] = [
        {"programme": _pick(draw, eligible), **_period(draw)}
        for _ in range(_pick(draw, (0, 1, 2, 2, 3)))
    ]
    person["export_authorisations"] = _export_authorisations(draw, [*programmes, "NATO"], assets)
    return person


def _asset(draw: st.DrawFn, ident: str, programmes: list[str]) -> dict[str, Any]:
    originator = _pick(draw, ORIGINATORS)
    scheme = REFERENCE.scheme(originator)
    level = _pick(draw, scheme.levels)
    names = (level.name, *level.aliases)
    asset: dict[str, Any] = {
        "id": ident,
        "originator": originator,
        "level": _pick(draw, names),
        "releasable_to": _releasable(draw),
        "programmes": _subset(draw, [*programmes, "NATO"])[: _pick(draw, (1, 0, 2))],
        "export_control": _subset(draw, EXPORT_CONTROLS)[: _pick(draw, (1, 0, 2))],
    }
    if _rarely(draw):
        asset["releasable_to"].append(_pick(draw, GROUPS))
    caveats = []
    if _pick(draw, (False, True, False)):
        caveats.append("ORCON")
    if originator == "USA" and _rarely(draw):
        asset["releasable_to"] = []
        caveats.append("NOFORN")
    asset["caveats"] = caveats
    return asset


@st.composite
def worlds(draw: st.DrawFn) -> Spec:
    """A small random world in the scenario YAML shape: 1–3 organisations and programmes,
    1–4 people and assets, a few visits and originator approvals."""
    asset_ids = [f"D-{i}" for i in range(1, _count(draw, 1, 4) + 1)]
    org_ids = [f"ORG-{i}" for i in range(1, _count(draw, 0, 3) + 1)]
    programmes: dict[str, set[str]] = {}
    programme_docs = []
    for i in range(1, _count(draw, 1, 3) + 1):
        nations = _subset(draw, NATIONS, min_size=1)[:4]
        if _rarely(draw):
            nations.append(_pick(draw, GROUPS))
        programmes[f"PRG-{i}"] = _expand(nations)
        programme_docs.append({"id": f"PRG-{i}", "nations": nations})
    programme_ids = sorted(programmes)
    assets = [_asset(draw, a, programme_ids) for a in asset_ids]
    organisations = [_organisation(draw, o, programme_ids, assets) for o in org_ids]
    person_ids = [f"P-{i}" for i in range(1, _count(draw, 1, 4) + 1)]
    org_nations = {o["id"]: o["nation"] for o in organisations}
    people = [_person(draw, p, org_nations, programmes, assets) for p in person_ids]
    visits = [
        {
            "visitor": _pick(draw, person_ids),
            "host": _pick(draw, org_ids),
            "programmes": _subset(draw, [*programme_ids, "NATO"], min_size=1),
            **_period(draw, need_from=True),
            "status": _pick(draw, ("approved", "approved", "requested")),
        }
        for _ in range(_count(draw, 0, 2) if org_ids else 0)
    ]
    approvals = []
    for _ in range(_pick(draw, (1, 2, 0, 3))):
        orcon = [a["id"] for a in assets if "ORCON" in a["caveats"]]
        approval: dict[str, str] = {"asset": _pick(draw, orcon if orcon else asset_ids)}
        kind = _pick(draw, ("person", "organisation", "nation"))
        if kind == "organisation" and org_ids:
            approval["organisation"] = _pick(draw, org_ids)
        elif kind == "person":
            approval["person"] = _pick(draw, person_ids)
        else:
            people_nations = sorted({n for p in people for n in p["nationalities"]})
            approval["nation"] = _pick(draw, people_nations if _coin(draw) else NATIONS)
        approval.update(_period(draw))
        approvals.append(approval)
    return {
        "version": 1,
        "organisations": organisations,
        "people": people,
        "programmes": programme_docs,
        "visits": visits,
        "assets": assets,
        "approvals": approvals,
    }


# --- facts the scenario format cannot state ---------------------------------------------------


def _interval(draw: st.DrawFn) -> Interval:
    period = _period(draw)
    start, end = period.get("from"), period.get("until")
    return Interval(
        None if start is None else _midnight(date.fromisoformat(start)),
        None if end is None else _midnight(date.fromisoformat(end)),
    )


def _later_marking(draw: st.DrawFn, marking: Marking, spec: Spec) -> Marking:
    """Another valid marking of the same originator (a marking change)."""
    level = _pick(draw, REFERENCE.scheme(marking.originator).levels)
    programmes = [p["id"] for p in spec["programmes"]]
    caveats = ["ORCON"] if _coin(draw) else []
    releasable = _releasable(draw)
    if marking.originator == "USA" and _rarely(draw):
        releasable, caveats = [], [*caveats, "NOFORN"]
    return make_marking(
        REFERENCE,
        originator=marking.originator,
        level=level.name,
        releasable_to=releasable,
        caveats=caveats,
        programmes=_subset(draw, [*programmes, "NATO"])[: _pick(draw, (1, 0, 2))],
        export_controls=_subset(draw, EXPORT_CONTROLS)[: _pick(draw, (1, 0, 2))],
    )


@st.composite
def time_varying_worlds(draw: st.DrawFn) -> tuple[Spec, World]:
    """A world of :func:`worlds`, built, then given facts that change over time beyond what a
    scenario file can say: nationalities held for a period, a change of employer, and a
    marking change at some instant."""
    spec = draw(worlds())
    world = build(spec)
    people = dict(world.people)
    for person_id, person in world.people.items():
        changes: dict[str, Any] = {}
        if _coin(draw):
            changes["nationalities"] = tuple(
                Nationality(n.nation, _interval(draw) if _coin(draw) else n.interval)
                for n in person.nationalities
            )
        if world.organisations and _coin(draw):
            first, second = _pick(draw, sorted(world.organisations)), None
            if _coin(draw):
                second = _pick(draw, sorted(world.organisations))
            switch = _midnight(draw(dates()))
            employment = [Employment(first, Interval(None, switch) if second else ALWAYS)]
            if second is not None:
                employment.append(Employment(second, Interval(switch, None)))
            changes["employment"] = tuple(employment)
        if changes:
            people[person_id] = attrs.evolve(person, **changes)
    assets = dict(world.assets)
    for asset_id, asset in world.assets.items():
        if _coin(draw):
            original = asset.markings[0].marking
            changed = _later_marking(draw, original, spec)
            later = MarkingVersion(changed, _midnight(draw(dates())))
            assets[asset_id] = attrs.evolve(asset, markings=(*asset.markings, later))
    return spec, attrs.evolve(world, people=people, assets=assets)

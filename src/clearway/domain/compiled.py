# SPDX-License-Identifier: Apache-2.0
"""Facts compiled into timelines of small integer states, and the SPEC §6 rules over them.

Nations and programmes become bits of Python ints. Each person, organisation and asset compiles
into a :class:`Timeline`: the instants at which any of its facts changes and, for each segment,
the state a decision reads. A decision is then two or three ``bisect`` lookups and a handful of
bit operations (:func:`evaluate`). Everything is derived from the
:class:`~clearway.domain.facts.World` it was built from, and rebuilt per record when a fact
changes (:meth:`CompiledWorld.replace_person` and friends).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

import attrs

from clearway.domain.decision import Action, Reason
from clearway.domain.facts import (
    NATO_PROGRAMME,
    ApprovalTarget,
    Asset,
    Organisation,
    Person,
    Programme,
    World,
)
from clearway.domain.lifecycle import Standing
from clearway.domain.marking import Marking
from clearway.domain.marking.model import NATO
from clearway.domain.reference import Level, Reference
from clearway.domain.time import NEVER, Interval, to_micros
from clearway.errors import NotFoundError

__all__ = [
    "AssetState",
    "CompiledWorld",
    "OrgState",
    "PersonState",
    "RecordSource",
    "Timeline",
    "evaluate",
]

_S = TypeVar("_S")

#: A facility-clearance requirement no facility clearance can meet (no translation exists).
UNREACHABLE = 99
ITAR = 1
ITAR_EXCLUDED = 2
_AUKUS_NATIONS = ("AUS", "GBR")

_DOWNLOAD = Action.DOWNLOAD
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)

NOT_RELEASABLE = Reason.NOT_RELEASABLE
CLEARANCE_MISSING = Reason.CLEARANCE_MISSING
CLEARANCE_INACTIVE = Reason.CLEARANCE_INACTIVE
CLEARANCE_EXPIRED = Reason.CLEARANCE_EXPIRED
CLEARANCE_INSUFFICIENT = Reason.CLEARANCE_INSUFFICIENT
NEED_TO_KNOW = Reason.NEED_TO_KNOW
FACILITY_CLEARANCE = Reason.FACILITY_CLEARANCE
EXPORT_REQUIRED = Reason.EXPORT_AUTHORISATION_REQUIRED
APPROVAL_REQUIRED = Reason.ORIGINATOR_APPROVAL_REQUIRED


class RecordSource(Protocol):
    """Where a compiled world finds a record it does not hold yet (the registry, lazily)."""

    def person(self, ident: str) -> Person | None:
        """The person ``ident``, or ``None`` if unknown."""

    def organisation(self, ident: str) -> Organisation | None:
        """The organisation ``ident``, or ``None`` if unknown."""

    def asset(self, ident: str) -> Asset | None:
        """The asset ``ident``, or ``None`` if unknown."""


class Timeline(Generic[_S]):
    """Segments ``[starts[i], starts[i+1])`` with one state each; ``starts[0]`` is ``NEVER``."""

    __slots__ = ("starts", "states")

    def __init__(self, starts: list[int], states: list[_S]) -> None:
        self.starts = starts
        self.states = states

    def at(self, instant: int) -> _S:
        """The state in effect at ``instant`` (microseconds)."""
        states = self.states
        if len(states) == 1:
            return states[0]
        return states[bisect_right(self.starts, instant) - 1]

    @classmethod
    def build(cls, boundaries: Iterable[int], state_at: Callable[[int], _S]) -> Timeline[_S]:
        """Evaluate ``state_at`` at each boundary, merging equal neighbours."""
        starts: list[int] = []
        states: list[_S] = []
        for start in sorted({NEVER, *boundaries}):
            state = state_at(start)
            if states and states[-1] == state:
                continue
            starts.append(start)
            states.append(state)
        return cls(starts, states)


@attrs.frozen(slots=True)
class PersonState:
    """A person in one segment: nationality bits; employer; issuer bits of clearances that
    exist, are active, are valid; ``cover[r]``: issuers whose valid clearance reaches rank
    ``r``; programme bits read on (or visiting); ITAR authorisations."""

    nations: int
    employer: str | None
    exists: int
    active: int
    valid: int
    cover: tuple[int, int, int, int, int]
    programmes: int
    itar_programmes: int
    itar_assets: frozenset[str]


@attrs.frozen(slots=True)
class OrgState:
    """An organisation in one segment."""

    nation: str
    facility_rank: int  # highest ceiling rank of a valid facility clearance; -1 if none
    aukus: bool
    itar_programmes: int
    itar_assets: frozenset[str]


@attrs.frozen(slots=True)
class LevelProfile:
    """What a level means in every nation's scheme (shared by all assets at that level)."""

    rank: int
    receivers: int  # nations that can receive it (a protect-as translation exists)
    below_personnel: int  # receivers where it is below the personnel-clearance threshold
    by_rank: tuple[tuple[int, int], ...]  # (translated rank, receivers at that rank)
    facility_need: dict[str, int | None]  # per nation: rank to cover, or None (not needed)


@attrs.frozen(slots=True)
class AssetState:
    """An asset in one segment (marking in effect and approvals covering it)."""

    rank: int
    releasable: int  # expanded releasable nations
    receivable: int  # ... that can receive the level
    no_personnel: int  # ... where no personnel clearance is needed
    groups: tuple[tuple[int, int], ...]  # (translated rank, receivable nations at that rank)
    need_to_know: int  # programmes required (with NATO for NATO information of rank ≥ 1)
    programmes: int  # the marking's programmes (for export authorisations)
    facility_need: dict[str, int | None]
    itar: int  # 0, ITAR or ITAR_EXCLUDED
    orcon: bool
    approved_people: frozenset[str]
    approved_orgs: frozenset[str]
    approved_nations: int


def evaluate(
    person_id: str,
    person: PersonState,
    asset_id: str,
    asset: AssetState,
    org: OrgState | None,
    download: bool,
    usa: int,
    aukus: int,
) -> list[Reason]:
    """Every failing rule of SPEC §6, in rule order (empty: permit).

    ``org`` is the employer's state at the same instant; ``usa`` and ``aukus`` are the bits of
    USA and of the nations the AUKUS exemption names (AUS, GBR).
    """
    out: list[Reason] = []
    nations = person.nations
    # 1. releasability
    if not nations & asset.receivable:
        out.append(NOT_RELEASABLE)
    # 2. clearance group
    if asset.rank and not nations & asset.no_personnel:
        releasable = asset.releasable
        if not person.exists & releasable:
            out.append(CLEARANCE_MISSING)
        elif not person.active & releasable:
            out.append(CLEARANCE_INACTIVE)
        elif not person.valid & releasable:
            out.append(CLEARANCE_EXPIRED)
        else:
            cover = person.cover
            for rank, mask in asset.groups:
                if cover[rank] & mask:
                    break
            else:
                out.append(CLEARANCE_INSUFFICIENT)
    # 3. need-to-know
    if asset.need_to_know & ~person.programmes:
        out.append(NEED_TO_KNOW)
    # 4. facility clearance (possession)
    if download and asset.rank:
        if org is None:
            out.append(FACILITY_CLEARANCE)
        else:
            need = asset.facility_need.get(org.nation, UNREACHABLE)
            if need is not None and org.facility_rank < need:
                out.append(FACILITY_CLEARANCE)
    # 5. ITAR
    if asset.itar and not nations & usa:
        covered = (
            (asset.itar == ITAR and org is not None and org.aukus and bool(nations & aukus))
            or bool(asset.programmes & person.itar_programmes)
            or asset_id in person.itar_assets
        )
        if not covered and org is not None:
            covered = bool(asset.programmes & org.itar_programmes) or asset_id in org.itar_assets
        if not covered:
            out.append(EXPORT_REQUIRED)
    # 6. ORCON
    if asset.orcon and not (
        nations & asset.approved_nations
        or person_id in asset.approved_people
        or (person.employer is not None and person.employer in asset.approved_orgs)
    ):
        out.append(APPROVAL_REQUIRED)
    return out


def _bounds(intervals: Iterable[Interval]) -> Iterator[int]:
    for interval in intervals:
        start, end = interval.bounds()
        yield start
        yield end


def _covers(interval: Interval, instant: int) -> bool:
    start, end = interval.bounds()
    return start <= instant < end


def _standing_at(timeline: Sequence[tuple[int, Standing]], instant: int) -> Standing:
    standing = Standing.NONEXISTENT
    for start, value in timeline:
        if start > instant:
            break
        standing = value
    return standing


class CompiledWorld:
    """A :class:`World` compiled lazily, record by record, and kept current by replacing
    records. Decisions read it through :meth:`reasons`."""

    def __init__(self, world: World, source: RecordSource | None = None) -> None:
        self.reference: Reference = world.reference
        self.source = source
        self.people: dict[str, Person] = dict(world.people)
        self.organisations: dict[str, Organisation] = dict(world.organisations)
        self.programmes: dict[str, Programme] = dict(world.programmes)
        self.assets: dict[str, Asset] = dict(world.assets)
        self._nation_bits: dict[str, int] = {}
        for code in self._nation_order(world.reference):
            self._nation_bits[code] = 1 << len(self._nation_bits)
        self._programme_bits: dict[str, int] = {}
        for programme in sorted(self.programmes, key=lambda p: (p != NATO_PROGRAMME, p)):
            self.programme_bit(programme)
        self._people: dict[str, Timeline[PersonState]] = {}
        self._orgs: dict[str, Timeline[OrgState]] = {}
        self._assets: dict[str, Timeline[AssetState]] = {}
        # Flattened copies for the decision hot path (see reasons_at).
        self._hot_people: dict[str, Any] = {}
        self._hot_orgs: dict[str, Any] = {}
        self._hot_assets: dict[str, Any] = {}
        self._profiles: dict[tuple[str, str], LevelProfile] = {}
        self._levels: dict[tuple[str, str], Level] = {}
        self._asset_states: dict[tuple[Marking, tuple[object, ...]], AssetState] = {}
        # Authorisations of the ITAR regime itself count (rule 5b); the Excluded Technology
        # List is a marking, not a regime one is authorised under.
        self._itar_regimes = world.reference.itar_controls - {world.reference.itar_excluded}
        self.usa = self.nation_bit("USA")
        self.aukus = self.nations_mask(_AUKUS_NATIONS)

    # --- bits ----------------------------------------------------------------------------

    @staticmethod
    def _nation_order(reference: Reference) -> list[str]:
        """Nations with schemes first (small ints for the common case), then the rest."""
        with_scheme = sorted(code for code in reference.schemes if code in reference.countries)
        rest = sorted(code for code in reference.countries if code not in reference.schemes)
        return with_scheme + rest

    @property
    def nation_count(self) -> int:
        """How many nation bits are assigned."""
        return len(self._nation_bits)

    @property
    def programme_count(self) -> int:
        """How many programme bits are assigned."""
        return len(self._programme_bits)

    def nation_bit(self, code: str) -> int:
        """The bit of a country code (a new bit for a code the reference does not list)."""
        bit = self._nation_bits.get(code)
        if bit is None:
            bit = self._nation_bits[code] = 1 << len(self._nation_bits)
        return bit

    def nations_mask(self, codes: Iterable[str]) -> int:
        """The bits of several country codes."""
        mask = 0
        for code in codes:
            mask |= self.nation_bit(code)
        return mask

    def nations_of(self, mask: int) -> list[str]:
        """The country codes whose bits are set in ``mask``, sorted."""
        return sorted(code for code, bit in self._nation_bits.items() if mask & bit)

    def programme_bit(self, programme: str) -> int:
        """The bit of a programme id."""
        bit = self._programme_bits.get(programme)
        if bit is None:
            bit = self._programme_bits[programme] = 1 << len(self._programme_bits)
        return bit

    def programmes_mask(self, programmes: Iterable[str]) -> int:
        """The bits of several programme ids."""
        mask = 0
        for programme in programmes:
            mask |= self.programme_bit(programme)
        return mask

    # --- replacing records ---------------------------------------------------------------

    def replace_person(self, person: Person) -> None:
        """Take a new or changed person into account."""
        self.people[person.id] = person
        self._people.pop(person.id, None)
        self._hot_people.pop(person.id, None)

    def replace_organisation(self, organisation: Organisation) -> None:
        """Take a new or changed organisation into account."""
        self.organisations[organisation.id] = organisation
        self._orgs.pop(organisation.id, None)
        self._hot_orgs.pop(organisation.id, None)

    def replace_asset(self, asset: Asset) -> None:
        """Take a new or changed asset into account."""
        self.assets[asset.id] = asset
        self._assets.pop(asset.id, None)
        self._hot_assets.pop(asset.id, None)

    def forget(self, kind: str, ident: str) -> None:
        """Drop a record that no longer exists (``person``, ``organisation`` or ``asset``)."""
        if kind == "person":
            self.people.pop(ident, None)
            self._people.pop(ident, None)
            self._hot_people.pop(ident, None)
        elif kind == "organisation":
            self.organisations.pop(ident, None)
            self._orgs.pop(ident, None)
            self._hot_orgs.pop(ident, None)
        elif kind == "asset":
            self.assets.pop(ident, None)
            self._assets.pop(ident, None)
            self._hot_assets.pop(ident, None)

    def replace_programme(self, programme: Programme) -> None:
        """Take a new or changed programme into account (recompiles people lazily)."""
        self.programmes[programme.id] = programme
        self.programme_bit(programme.id)
        self._people.clear()
        self._hot_people.clear()

    # --- compiled records ----------------------------------------------------------------

    def person(self, person_id: str) -> Timeline[PersonState]:
        """The compiled timeline of a person; raises :class:`NotFoundError` if unknown."""
        timeline = self._people.get(person_id)
        if timeline is None:
            person = self.people.get(person_id)
            if person is None and self.source is not None:
                person = self.source.person(person_id)
                if person is not None:
                    self.people[person_id] = person
            if person is None:
                raise NotFoundError(f"unknown person `{person_id}`")
            timeline = self._people[person_id] = self._compile_person(person)
        return timeline

    def organisation(self, org_id: str) -> Timeline[OrgState]:
        """The compiled timeline of an organisation; raises :class:`NotFoundError`."""
        timeline = self._orgs.get(org_id)
        if timeline is None:
            org = self.organisations.get(org_id)
            if org is None and self.source is not None:
                org = self.source.organisation(org_id)
                if org is not None:
                    self.organisations[org_id] = org
            if org is None:
                raise NotFoundError(f"unknown organisation `{org_id}`")
            timeline = self._orgs[org_id] = self._compile_org(org)
        return timeline

    def asset(self, asset_id: str) -> Timeline[AssetState]:
        """The compiled timeline of an asset; raises :class:`NotFoundError` if unknown."""
        timeline = self._assets.get(asset_id)
        if timeline is None:
            asset = self.assets.get(asset_id)
            if asset is None and self.source is not None:
                asset = self.source.asset(asset_id)
                if asset is not None:
                    self.assets[asset_id] = asset
            if asset is None:
                raise NotFoundError(f"unknown asset `{asset_id}`")
            timeline = self._assets[asset_id] = self._compile_asset(asset)
        return timeline

    def reasons(self, person_id: str, asset_id: str, action: Action, at: datetime) -> list[Reason]:
        """Every failing rule for one request (empty: permit)."""
        return self.reasons_at(person_id, asset_id, action is _DOWNLOAD, (at - _EPOCH) // _MICRO)

    def reasons_at(self, person_id: str, asset_id: str, download: bool, at: int) -> list[Reason]:
        """:meth:`reasons` with the instant in microseconds and the action as a flag.

        The hot path: it reads the flattened "hot" entries (a state for a record with one
        segment, else its starts and states) to touch as few objects as possible.
        """
        hot = self._hot_people.get(person_id)
        if hot is None:
            hot = self._hot(self._hot_people, person_id, self.person(person_id))
        person: PersonState = (
            hot[1][bisect_right(hot[0], at) - 1] if hot.__class__ is tuple else hot
        )
        hot = self._hot_assets.get(asset_id)
        if hot is None:
            hot = self._hot(self._hot_assets, asset_id, self.asset(asset_id))
        asset: AssetState = hot[1][bisect_right(hot[0], at) - 1] if hot.__class__ is tuple else hot
        employer = person.employer
        org: OrgState | None = None
        if employer is not None:
            hot = self._hot_orgs.get(employer)
            if hot is None:
                hot = self._hot(self._hot_orgs, employer, self.organisation(employer))
            org = hot[1][bisect_right(hot[0], at) - 1] if hot.__class__ is tuple else hot
        return evaluate(person_id, person, asset_id, asset, org, download, self.usa, self.aukus)

    @staticmethod
    def _hot(table: dict[str, Any], ident: str, timeline: Timeline[Any]) -> Any:
        """Record a compiled timeline's hot entry."""
        states = timeline.states
        # A flat array of starts keeps bisect from chasing one pointer per comparison.
        entry = states[0] if len(states) == 1 else (array("q", timeline.starts), tuple(states))
        table[ident] = entry
        return entry

    # --- compiling -----------------------------------------------------------------------

    def _participates(self, programme_id: str, nations: int) -> bool:
        programme = self.programmes.get(programme_id)
        if programme is None:
            return False
        return programme.nations is None or bool(nations & self.nations_mask(programme.nations))

    def _compile_person(self, person: Person) -> Timeline[PersonState]:
        clearances = [
            (self.nation_bit(c.issuer), c.type.ceiling.rank, c.timeline())
            for c in person.clearances
        ]
        itar = [a for a in person.export_authorisations if a.regime in self._itar_regimes]
        visits = [v for v in person.visits if v.approved is not None]
        boundaries = {
            *_bounds(n.interval for n in person.nationalities),
            *_bounds(j.interval for j in person.employment),
            *_bounds(r.interval for r in person.read_ons),
            *_bounds(a.interval for a in itar),
            *_bounds(v.interval for v in visits),
            *_bounds(v.approved for v in visits if v.approved is not None),
            *(start for _, _, timeline in clearances for start, _ in timeline),
        }

        def state_at(t: int) -> PersonState:
            nations = self.nations_mask(
                n.nation for n in person.nationalities if _covers(n.interval, t)
            )
            employer = next(
                (j.organisation for j in person.employment if _covers(j.interval, t)), None
            )
            exists = active = valid = 0
            cover = [0, 0, 0, 0, 0]
            for bit, ceiling, timeline in clearances:
                standing = _standing_at(timeline, t)
                if standing is Standing.NONEXISTENT:
                    continue
                exists |= bit
                if standing is Standing.INACTIVE:
                    continue
                active |= bit
                if standing is Standing.VALID:
                    valid |= bit
                    for rank in range(ceiling + 1):
                        cover[rank] |= bit
            programmes = 0
            for read_on in person.read_ons:
                if _covers(read_on.interval, t) and self._participates(read_on.programme, nations):
                    programmes |= self.programme_bit(read_on.programme)
            for visit in visits:
                assert visit.approved is not None
                if _covers(visit.interval, t) and _covers(visit.approved, t):
                    for programme in visit.programmes:
                        if self._participates(programme, nations):
                            programmes |= self.programme_bit(programme)
            current = [a for a in itar if _covers(a.interval, t)]
            return PersonState(
                nations=nations,
                employer=employer,
                exists=exists,
                active=active,
                valid=valid,
                cover=(cover[0], cover[1], cover[2], cover[3], cover[4]),
                programmes=programmes,
                itar_programmes=self.programmes_mask(a.programme for a in current if a.programme),
                itar_assets=frozenset(a.asset for a in current if a.asset),
            )

        return Timeline.build(boundaries, state_at)

    def _compile_org(self, org: Organisation) -> Timeline[OrgState]:
        facilities = [(f.type.ceiling.rank, f.timeline()) for f in org.facility_clearances]
        itar = [a for a in org.export_authorisations if a.regime in self._itar_regimes]
        effective = self.reference.aukus_effective
        aukus = [
            Interval(
                max(p.start, effective) if p.start is not None else effective,
                p.end,
            )
            for p in org.aukus_periods
            if p.end is None or p.end > effective
        ]
        boundaries = {
            *_bounds(aukus),
            *_bounds(a.interval for a in itar),
            *(start for _, timeline in facilities for start, _ in timeline),
        }

        def state_at(t: int) -> OrgState:
            rank = -1
            for ceiling, timeline in facilities:
                if _standing_at(timeline, t) is Standing.VALID:
                    rank = max(rank, ceiling)
            current = [a for a in itar if _covers(a.interval, t)]
            return OrgState(
                nation=org.nation,
                facility_rank=rank,
                aukus=any(_covers(p, t) for p in aukus),
                itar_programmes=self.programmes_mask(a.programme for a in current if a.programme),
                itar_assets=frozenset(a.asset for a in current if a.asset),
            )

        return Timeline.build(boundaries, state_at)

    def profile(self, level: Level) -> LevelProfile:
        """What ``level`` means in every nation's scheme."""
        key = (level.nation, level.name)
        found = self._profiles.get(key)
        if found is not None:
            return found
        receivers = below = 0
        ranks: dict[int, int] = {}
        facility: dict[str, int | None] = {}
        for nation, scheme in self.reference.schemes.items():
            if nation not in self.reference.countries:
                continue  # NATO: not a nation anyone holds or works in
            translated = self.reference.translate(level, nation)
            if translated is None:
                facility[nation] = UNREACHABLE
                continue
            bit = self.nation_bit(nation)
            receivers |= bit
            ranks[translated.rank] = ranks.get(translated.rank, 0) | bit
            threshold = scheme.personnel_threshold
            if threshold is not None and translated.below(threshold):
                below |= bit
            fthreshold = scheme.facility_threshold
            facility[nation] = (
                None if fthreshold is not None and translated.below(fthreshold) else translated.rank
            )
        found = self._profiles[key] = LevelProfile(
            rank=level.rank,
            receivers=receivers,
            below_personnel=below,
            by_rank=tuple(sorted(ranks.items())),
            facility_need=facility,
        )
        return found

    def _asset_state(
        self,
        marking: Marking,
        people: frozenset[str],
        orgs: frozenset[str],
        nations: frozenset[str],
    ) -> AssetState:
        key = (marking, (people, orgs, nations))
        found = self._asset_states.get(key)
        if found is not None:
            return found
        reference = self.reference
        level_key = (marking.originator, marking.level)
        level = self._levels.get(level_key)
        if level is None:
            level = self._levels[level_key] = marking.level_of(reference)
        profile = self.profile(level)
        releasable = self.nations_mask(marking.releasable_nations(reference))
        receivable = releasable & profile.receivers
        groups = tuple(
            (rank, receivable & mask) for rank, mask in profile.by_rank if receivable & mask
        )
        programmes = self.programmes_mask(marking.programmes)
        need = programmes
        if marking.originator == NATO and profile.rank >= 1:
            need |= self.programme_bit(NATO_PROGRAMME)
        itar = 0
        if reference.itar_excluded in marking.export_controls:
            itar = ITAR_EXCLUDED
        elif marking.export_controls & reference.itar_controls:
            itar = ITAR
        found = self._asset_states[key] = AssetState(
            rank=profile.rank,
            releasable=releasable,
            receivable=receivable,
            no_personnel=receivable & profile.below_personnel,
            groups=groups,
            need_to_know=need,
            programmes=programmes,
            facility_need=profile.facility_need,
            itar=itar,
            orcon="ORCON" in marking.caveats,
            approved_people=people,
            approved_orgs=orgs,
            approved_nations=self.nations_mask(nations),
        )
        return found

    def _compile_asset(self, asset: Asset) -> Timeline[AssetState]:
        if len(asset.markings) == 1 and not asset.approvals:  # the common case: one segment
            empty: frozenset[str] = frozenset()
            state = self._asset_state(asset.markings[0].marking, empty, empty, empty)
            return Timeline([NEVER], [state])
        versions = [
            (NEVER if i == 0 or v.effective is None else to_micros(v.effective), v.marking)
            for i, v in enumerate(asset.markings)
        ]
        boundaries = {start for start, _ in versions} | set(
            _bounds(a.interval for a in asset.approvals)
        )

        def state_at(t: int) -> AssetState:
            marking = versions[0][1]
            for start, version in versions:
                if start <= t:
                    marking = version
            approvals = [a for a in asset.approvals if _covers(a.interval, t)]
            return self._asset_state(
                marking,
                frozenset(a.value for a in approvals if a.target is ApprovalTarget.PERSON),
                frozenset(a.value for a in approvals if a.target is ApprovalTarget.ORGANISATION),
                frozenset(a.value for a in approvals if a.target is ApprovalTarget.NATION),
            )

        return Timeline.build(boundaries, state_at)

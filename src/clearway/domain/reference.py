# SPDX-License-Identifier: Apache-2.0
"""National reference data: classification schemes, clearance types, country codes, agreements.

Values come from the data files (``clearway/data``); this module only gives them a shape and the
operations the SPEC defines on them (§2): level lookup by name or alias, designated levels,
protect-as translation, tetragraph expansion. Every value carries its :class:`Provenance`: the
source that confirms it, or the reason it is an ``assumed`` default an authority may replace.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from clearway.errors import InvalidInputError

__all__ = [
    "RANK_WORDS",
    "AgreementRow",
    "ClearanceType",
    "Level",
    "Provenance",
    "Reference",
    "Scheme",
    "fold",
]

#: The register word for each rank of the common ladder (SPEC §2, §5).
RANK_WORDS: tuple[str, ...] = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET")


def fold(text: str) -> str:
    """The matching key of a name: NFKC, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@attrs.frozen
class Provenance:
    """Where a value comes from: exactly one of a confirming ``source`` or an ``assumed`` reason."""

    source: str | None = None
    assumed: str | None = None

    @property
    def confirmed(self) -> bool:
        """Whether a source confirms the value."""
        return self.source is not None


@attrs.frozen
class Level:
    """A classification level of one nation's scheme.

    ``index`` is the position in the scheme's order (lowest first): "below" compares indexes,
    while protect-as translation and clearance coverage compare ``rank`` (SPEC §2).
    """

    nation: str
    name: str
    rank: int
    index: int
    designated: bool
    aliases: tuple[str, ...] = ()
    provenance: Provenance = Provenance()

    def below(self, other: Level) -> bool:
        """Whether this level is earlier than ``other`` in their (common) scheme's order."""
        return self.index < other.index


@attrs.frozen
class ClearanceType:
    """A personnel or facility clearance type of one nation, with its ceiling level."""

    nation: str
    name: str
    ceiling: Level
    validity_years: int | None = None
    aliases: tuple[str, ...] = ()
    provenance: Provenance = Provenance()


@attrs.frozen
class AgreementRow:
    """One directional row of a bilateral agreement: ``level`` of ``source`` is protected in
    ``target``'s scheme as ``protect_as``."""

    source: str
    level: Level
    target: str
    protect_as: Level
    confirmed: bool
    provenance: Provenance = Provenance()


def _index_names(
    items: Iterable[tuple[str, tuple[str, ...], object]], what: str, nation: str
) -> Mapping[str, object]:
    index: dict[str, object] = {}
    for name, aliases, item in items:
        for key in {fold(name), *(fold(alias) for alias in aliases)}:
            if key in index and index[key] is not item:
                msg = f"{nation}: {what} name or alias `{key}` is used twice"
                raise InvalidInputError(msg)
            index[key] = item
    return MappingProxyType(index)


@attrs.frozen
class Scheme:
    """One nation's classification scheme, its clearance thresholds and clearance types."""

    nation: str
    names: Mapping[str, str]
    levels: tuple[Level, ...]
    personnel_threshold: Level | None
    facility_threshold: Level | None
    clearance_types: tuple[ClearanceType, ...] = ()
    facility_clearance_types: tuple[ClearanceType, ...] = ()
    threshold_provenance: Provenance = Provenance()
    _levels: Mapping[str, object] = attrs.field(init=False, repr=False, eq=False)
    _types: Mapping[str, object] = attrs.field(init=False, repr=False, eq=False)
    _facility_types: Mapping[str, object] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        levels = _index_names(
            ((lv.name, lv.aliases, lv) for lv in self.levels), "level", self.nation
        )
        types = _index_names(
            ((t.name, t.aliases, t) for t in self.clearance_types), "clearance type", self.nation
        )
        facility = _index_names(
            ((t.name, t.aliases, t) for t in self.facility_clearance_types),
            "facility clearance type",
            self.nation,
        )
        object.__setattr__(self, "_levels", levels)
        object.__setattr__(self, "_types", types)
        object.__setattr__(self, "_facility_types", facility)

    def find_level(self, name: str) -> Level | None:
        """The level called ``name`` (canonical spelling or alias), or ``None``."""
        level = self._levels.get(fold(name))
        assert level is None or isinstance(level, Level)
        return level

    def level(self, name: str) -> Level:
        """The level called ``name``; raises :class:`InvalidInputError` naming the scheme."""
        found = self.find_level(name)
        if found is None:
            known = ", ".join(f"`{lv.name}`" for lv in self.levels)
            msg = f"`{name}` is not a level of {self.nation} (known: {known})"
            raise InvalidInputError(msg)
        return found

    def clearance_type(self, name: str, *, facility: bool = False) -> ClearanceType:
        """The (facility) clearance type called ``name``; raises :class:`InvalidInputError`."""
        found = (self._facility_types if facility else self._types).get(fold(name))
        if found is None:
            kind = "facility clearance type" if facility else "clearance type"
            pool = self.facility_clearance_types if facility else self.clearance_types
            known = ", ".join(f"`{t.name}`" for t in pool) or "none"
            msg = f"`{name}` is not a {kind} of {self.nation} (known: {known})"
            raise InvalidInputError(msg)
        assert isinstance(found, ClearanceType)
        return found

    def designated(self, rank: int) -> Level | None:
        """The designated level of ``rank``, or ``None`` if the scheme has none."""
        for level in self.levels:
            if level.designated and level.rank == rank:
                return level
        return None

    def round_up(self, rank: int) -> Level | None:
        """The designated level with the smallest rank at or above ``rank``, if any."""
        best: Level | None = None
        for level in self.levels:
            if level.designated and level.rank >= rank and (best is None or level.rank < best.rank):
                best = level
        return best


@attrs.frozen
class Reference:
    """Everything the data files hold, with the SPEC §2 operations over it."""

    schemes: Mapping[str, Scheme]
    countries: Mapping[str, str]
    groups: Mapping[str, frozenset[str]]
    group_provenance: Mapping[str, Provenance]
    input_aliases: Mapping[str, frozenset[str]]
    agreements: Mapping[tuple[str, str, str], AgreementRow]
    export_controls: Mapping[str, str]
    export_issuers: Mapping[str, str]
    itar_controls: frozenset[str]
    itar_excluded: str
    aukus_effective: datetime

    def scheme(self, nation: str) -> Scheme:
        """The scheme of ``nation``; raises :class:`InvalidInputError` if there is no data file."""
        found = self.schemes.get(nation)
        if found is None:
            known = ", ".join(sorted(self.schemes))
            msg = f"`{nation}` has no classification scheme (data files exist for {known})"
            raise InvalidInputError(msg)
        return found

    def is_code(self, code: str) -> bool:
        """Whether ``code`` is a known country trigraph or tetragraph."""
        return code in self.countries or code in self.groups

    def expand(self, codes: Iterable[str]) -> frozenset[str]:
        """Country codes with every tetragraph replaced by its member nations."""
        out: set[str] = set()
        for code in codes:
            members = self.groups.get(code)
            if members is None:
                out.add(code)
            else:
                out |= members
        return frozenset(out)

    def translate(self, level: Level, nation: str) -> Level | None:
        """Protect-as translation of ``level`` into ``nation``'s scheme (SPEC §2).

        The level itself within its own scheme; else the agreement row for (source, level,
        nation); else ``nation``'s designated level with the smallest rank at or above the
        level's. ``None`` when ``nation`` cannot receive the information (no such level, or no
        scheme at all).
        """
        if level.nation == nation:
            return level
        row = self.agreements.get((level.nation, level.name, nation))
        if row is not None:
            return row.protect_as
        scheme = self.schemes.get(nation)
        return None if scheme is None else scheme.round_up(level.rank)

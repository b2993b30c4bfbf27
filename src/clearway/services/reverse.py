# SPDX-License-Identifier: Apache-2.0
""" "What may P read?" over every asset at once: the compiled asset states as numpy columns.

One row per asset and marking segment. Bitmasks of nations and programmes are split into
64-bit words; a person's state at the instant becomes a handful of scalars, and each SPEC §6
rule becomes a few vectorised operations over all rows. Results are exactly those of
:func:`clearway.domain.compiled.evaluate` (the tests check that). Rows of a changed asset are
tombstoned and replaced, so keeping it current never rebuilds it in full.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from clearway.domain.compiled import (
    ITAR,
    UNREACHABLE,
    AssetState,
    CompiledWorld,
    OrgState,
    PersonState,
)
from clearway.domain.time import FOREVER, NEVER

__all__ = ["AssetColumns"]

_WORD = (1 << 64) - 1
_SKIP = -1  # facility clearance not needed
_NONE = 99  # cannot be received / covered


def _words(mask: int, count: int) -> list[int]:
    return [(mask >> (64 * i)) & _WORD for i in range(count)]


class _Growable:
    """Columns that grow by doubling; ``n`` rows are in use."""

    def __init__(self, specs: dict[str, tuple[npt.DTypeLike, tuple[int, ...]]]) -> None:
        self.specs = specs
        self.n = 0
        self.capacity = 0
        self.cols: dict[str, npt.NDArray[Any]] = {}
        self._resize(1024)

    def _resize(self, capacity: int) -> None:
        for name, (dtype, shape) in self.specs.items():
            new = np.zeros((capacity, *shape), dtype=dtype)
            if name in self.cols:
                new[: self.n] = self.cols[name][: self.n]
            self.cols[name] = new
        self.capacity = capacity

    def append(self, rows: dict[str, Any], count: int) -> None:
        if self.n + count > self.capacity:
            self._resize(max(self.capacity * 2, self.n + count))
        for name, values in rows.items():
            self.cols[name][self.n : self.n + count] = values
        self.n += count


class AssetColumns:
    """Asset states of a :class:`CompiledWorld` as columns, for reverse queries.

    Bitmask columns are one 1-D ``uint64`` column per 64-bit word (``receivable_0``…);
    per-nation columns (``translated_JPN``, ``facility_JPN``) hold the level's rank as
    protected in that nation (``99``: cannot receive) and the rank a facility clearance there
    must cover (``-1``: none needed).
    """

    _MASKS = ("receivable", "no_personnel", "approved_nations")
    _PROGRAMME_MASKS = ("need", "programmes")

    def __init__(self, world: CompiledWorld) -> None:
        self.world = world
        self.nations = [n for n in world.reference.schemes if n in world.reference.countries]
        self.rows_of: dict[str, list[int]] = {}
        self.ids: list[str] = []
        self.sparse: dict[int, AssetState] = {}  # rows whose approvals name people or orgs
        self._asset_index: dict[str, int] = {}
        self._templates: dict[int, tuple[AssetState, int]] = {}  # id(state) -> (state, row)
        self._template_rows: list[dict[str, object]] = []
        self._template_cols: dict[str, npt.NDArray[Any]] = {}
        self._derived: _Derived | None = None
        self._build(sorted(world.assets))

    def _shape(self) -> tuple[int, int]:
        world = self.world
        return (
            max(1, (world.nation_count + 63) // 64),
            max(1, (world.programme_count + 63) // 64),
        )

    def _build(self, assets: list[str]) -> None:
        self.nation_words, self.programme_words = self._shape()
        specs: dict[str, tuple[npt.DTypeLike, tuple[int, ...]]] = {
            "asset": (np.int64, ()),
            "start": (np.int64, ()),
            "end": (np.int64, ()),
            "alive": (np.bool_, ()),
            "rank": (np.int8, ()),
            "itar": (np.int8, ()),
            "orcon": (np.bool_, ()),
        }
        for name in self._MASKS:
            specs.update({f"{name}_{w}": (np.uint64, ()) for w in range(self.nation_words)})
        for name in self._PROGRAMME_MASKS:
            specs.update({f"{name}_{w}": (np.uint64, ()) for w in range(self.programme_words)})
        for nation in self.nations:
            specs[f"translated_{nation}"] = (np.int8, ())
            specs[f"facility_{nation}"] = (np.int8, ())
        self.table = _Growable(specs)
        self.rows_of.clear()
        self.ids.clear()
        self.sparse.clear()
        self._asset_index.clear()
        self._templates.clear()
        self._template_rows.clear()
        self._template_cols = {}
        self._in_order = True
        self.add(assets)

    def _template(self, state: AssetState) -> int:
        """The index of ``state``'s row of values (asset states are interned by the compiled
        world, so most assets share one)."""
        found = self._templates.get(id(state))
        if found is not None and found[0] is state:
            return found[1]
        index = len(self._template_rows)
        self._template_rows.append(self._make_row(state))
        self._templates[id(state)] = (state, index)
        return index

    def _make_row(self, state: AssetState) -> dict[str, object]:
        world = self.world
        row: dict[str, object] = {"rank": state.rank, "itar": state.itar, "orcon": state.orcon}
        masks = {
            "receivable": state.receivable,
            "no_personnel": state.no_personnel,
            "approved_nations": state.approved_nations,
        }
        for name, mask in masks.items():
            for w, word in enumerate(_words(mask, self.nation_words)):
                row[f"{name}_{w}"] = word
        for name, mask in (("need", state.need_to_know), ("programmes", state.programmes)):
            for w, word in enumerate(_words(mask, self.programme_words)):
                row[f"{name}_{w}"] = word
        for nation in self.nations:
            bit = world.nation_bit(nation)
            row[f"translated_{nation}"] = next(
                (rank for rank, mask in state.groups if mask & bit), _NONE
            )
            need = state.facility_need.get(nation, UNREACHABLE)
            row[f"facility_{nation}"] = _SKIP if need is None else need
        return row

    def add(self, assets: list[str]) -> None:
        """Append rows for ``assets``, tombstoning their old rows (an asset that no longer
        exists keeps only tombstones)."""
        world = self.world
        timelines = [
            (asset, world.asset(asset) if asset in world.assets else None) for asset in assets
        ]
        if self._shape() != (self.nation_words, self.programme_words):
            self._build(sorted(world.assets))  # more nations or programmes than words: re-shape
            return
        row = self.table.n
        alive = self.table.cols["alive"]
        templates: list[int] = []
        indexes: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        for asset, timeline in timelines:
            for old in self.rows_of.get(asset, ()):
                alive[old] = False
                self.sparse.pop(old, None)
            if timeline is None:
                self.rows_of.pop(asset, None)
                continue
            index = self._asset_index.get(asset)
            if index is None:
                if self.ids and asset < self.ids[-1]:
                    self._in_order = False
                index = self._asset_index[asset] = len(self.ids)
                self.ids.append(asset)
            elif self.rows_of.get(asset):
                self._in_order = False  # the asset's rows move to the end
            rows = []
            bounds = [*timeline.starts[1:], FOREVER]
            for start, end, state in zip(timeline.starts, bounds, timeline.states, strict=True):
                templates.append(self._template(state))
                indexes.append(index)
                starts.append(start)
                ends.append(end)
                if state.approved_people or state.approved_orgs:
                    self.sparse[row] = state
                rows.append(row)
                row += 1
            self.rows_of[asset] = rows
        self._extend_templates()
        chosen = np.array(templates, dtype=np.int64)
        columns: dict[str, Any] = {
            name: values[chosen] for name, values in self._template_cols.items()
        }
        columns.update(asset=indexes, start=starts, end=ends, alive=True)
        self.table.append(columns, len(templates))
        self._ids = np.array(self.ids, dtype=object)
        self._derived = None

    def _extend_templates(self) -> None:
        """Bring the template columns up to date with the template rows."""
        have = len(next(iter(self._template_cols.values()))) if self._template_cols else 0
        new = self._template_rows[have:]
        if not new and self._template_cols:
            return
        for name, (dtype, _) in self.table.specs.items():
            if name in ("asset", "start", "end", "alive"):
                continue
            values = np.array([r[name] for r in new], dtype=dtype)
            old = self._template_cols.get(name)
            self._template_cols[name] = values if old is None else np.concatenate([old, values])

    def _derive(self) -> _Derived:
        """Row groups the queries need, rebuilt lazily after rows were added."""
        if self._derived is None:
            n = self.table.n
            c = self.table.cols
            temporal = np.flatnonzero((c["start"][:n] != NEVER) | (c["end"][:n] != FOREVER))
            people: dict[str, list[int]] = {}
            orgs: dict[str, list[int]] = {}
            for row, state in self.sparse.items():
                for person in state.approved_people:
                    people.setdefault(person, []).append(row)
                for org in state.approved_orgs:
                    orgs.setdefault(org, []).append(row)
            self._derived = _Derived(temporal, people, orgs)
        return self._derived

    def _shares(
        self, rows: npt.NDArray[Any] | None, name: str, mask: int, words: int
    ) -> npt.NDArray[np.bool_]:
        """Whether column ``name`` (at ``rows``, or everywhere) shares a bit with ``mask``."""
        out: npt.NDArray[np.bool_] | None = None
        for w, word in enumerate(_words(mask, words)):
            if not word:
                continue
            column = self.table.cols[f"{name}_{w}"]
            values = column[: self.table.n] if rows is None else column[rows]
            hit = (values & np.uint64(word)) != 0
            out = hit if out is None else out | hit
        if out is None:
            size = self.table.n if rows is None else len(rows)
            return np.zeros(size, dtype=np.bool_)
        return out

    def readable(
        self,
        person_id: str,
        person: PersonState,
        org: OrgState | None,
        download: bool,
        at: int,
    ) -> list[str]:
        """The ids of every asset the person may read (or download) at ``at``, sorted.

        The two most selective rules (need-to-know, releasability) run over every row; the
        others only over the rows that pass them.
        """
        n = self.table.n
        cols = self.table.cols
        world = self.world
        nw, pw = self.nation_words, self.programme_words
        derived = self._derive()
        # 3. need-to-know: no required programme outside those held
        ok: npt.NDArray[np.bool_] | None = None
        for w, word in enumerate(_words(~person.programmes & ((1 << (64 * pw)) - 1), pw)):
            if word:
                fits = (cols[f"need_{w}"][:n] & np.uint64(word)) == 0
                ok = fits if ok is None else ok & fits
        # 1. releasable
        releasable = self._shares(None, "receivable", person.nations, nw)
        ok = releasable if ok is None else ok & releasable
        ok &= cols["alive"][:n]
        temporal = derived.temporal
        if len(temporal):
            ok[temporal] &= (cols["start"][temporal] <= at) & (at < cols["end"][temporal])
        rows = np.flatnonzero(ok)
        # 2. clearance: exempt, or a valid clearance of a releasable issuer covers the level
        rank = cols["rank"][rows]
        keep = (rank == 0) | self._shares(rows, "no_personnel", person.nations, nw)
        for nation in self.nations:
            bit = world.nation_bit(nation)
            if person.valid & bit:
                ceiling = max(r for r in range(5) if person.cover[r] & bit)
                keep |= cols[f"translated_{nation}"][rows] <= ceiling
        # 4. facility clearance (possession)
        if download:
            classified = rank > 0
            if org is None or org.nation not in self.nations:
                keep &= ~classified
            else:
                need = cols[f"facility_{org.nation}"][rows]
                keep &= ~classified | (need == _SKIP) | (need <= org.facility_rank)
        rows = rows[keep]
        # 5. ITAR
        itar = cols["itar"][rows]
        if not person.nations & world.usa and itar.any():
            authorised = person.itar_programmes | (org.itar_programmes if org else 0)
            passes = (itar == 0) | self._shares(rows, "programmes", authorised, pw)
            if org is not None and org.aukus and person.nations & world.aukus:
                passes |= itar == ITAR
            extra = person.itar_assets | (org.itar_assets if org else frozenset())
            if extra:
                named = [r for a in extra for r in self.rows_of.get(a, ())]
                passes |= np.isin(rows, named)
            rows = rows[passes]
        # 6. ORCON
        orcon = cols["orcon"][rows]
        if orcon.any():
            approved = ~orcon | self._shares(rows, "approved_nations", person.nations, nw)
            named = list(derived.people.get(person_id, ()))
            if person.employer is not None:
                named += derived.orgs.get(person.employer, ())
            if named:
                approved |= np.isin(rows, named)
            rows = rows[approved]
        found = self._ids[cols["asset"][rows]].tolist()
        return found if self._in_order else sorted(found)


@attrs.frozen
class _Derived:
    """Row groups derived from the table: rows whose segment is bounded in time, and the
    rows whose approvals name a person or an organisation."""

    temporal: npt.NDArray[Any]
    people: dict[str, list[int]]
    orgs: dict[str, list[int]]

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
from clearway.domain.time import FOREVER

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

    def append(self, rows: dict[str, list[object]], count: int) -> None:
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
        self._build(list(world.assets))

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
        self.add(assets)

    def _row(self, state: AssetState) -> dict[str, object]:
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
        """Append rows for ``assets``, tombstoning their old rows."""
        world = self.world
        timelines = [(asset, world.asset(asset)) for asset in assets]
        if self._shape() != (self.nation_words, self.programme_words):
            self._build(list(world.assets))  # more nations or programmes than words: re-shape
            return
        columns: dict[str, list[object]] = {name: [] for name in self.table.specs}
        row = self.table.n
        alive = self.table.cols["alive"]
        for asset, timeline in timelines:
            for old in self.rows_of.get(asset, ()):
                alive[old] = False
                self.sparse.pop(old, None)
            index = self._asset_index.get(asset)
            if index is None:
                index = self._asset_index[asset] = len(self.ids)
                self.ids.append(asset)
            rows = []
            ends = [*timeline.starts[1:], FOREVER]
            for start, end, state in zip(timeline.starts, ends, timeline.states, strict=True):
                values = self._row(state)
                values.update(asset=index, start=start, end=end, alive=True)
                for name, value in values.items():
                    columns[name].append(value)
                if state.approved_people or state.approved_orgs:
                    self.sparse[row] = state
                rows.append(row)
                row += 1
            self.rows_of[asset] = rows
        self.table.append(columns, row - self.table.n)
        self._ids = np.array(self.ids, dtype=object)

    def _any(
        self, c: dict[str, npt.NDArray[Any]], name: str, mask: int, words: int
    ) -> npt.NDArray[np.bool_]:
        """Rows where column ``name`` shares a bit with ``mask``."""
        out: npt.NDArray[np.bool_] | None = None
        for w, word in enumerate(_words(mask, words)):
            if not word:
                continue
            hit = (c[f"{name}_{w}"] & np.uint64(word)) != 0
            out = hit if out is None else out | hit
        if out is None:
            return np.zeros(len(c["alive"]), dtype=np.bool_)
        return out

    def readable(
        self,
        person_id: str,
        person: PersonState,
        org: OrgState | None,
        download: bool,
        at: int,
    ) -> list[str]:
        """The ids of every asset the person may read (or download) at ``at``, sorted."""
        n = self.table.n
        c = {name: col[:n] for name, col in self.table.cols.items()}
        world = self.world
        nw, pw = self.nation_words, self.programme_words
        ok = c["alive"] & (c["start"] <= at) & (at < c["end"])
        # 1. releasable
        ok &= self._any(c, "receivable", person.nations, nw)
        # 2. clearance: a valid clearance of a releasable issuer covers the translated level
        exempt = (c["rank"] == 0) | self._any(c, "no_personnel", person.nations, nw)
        for nation in self.nations:
            bit = world.nation_bit(nation)
            if person.valid & bit:
                ceiling = max(r for r in range(5) if person.cover[r] & bit)
                exempt |= c[f"translated_{nation}"] <= ceiling
        ok &= exempt
        # 3. need-to-know: every required programme is held
        for w, word in enumerate(_words(~person.programmes & ((1 << (64 * pw)) - 1), pw)):
            if word:
                ok &= (c[f"need_{w}"] & np.uint64(word)) == 0
        # 4. facility clearance (possession)
        if download:
            classified = c["rank"] > 0
            if org is None or org.nation not in self.nations:
                ok &= ~classified
            else:
                need = c[f"facility_{org.nation}"]
                ok &= ~classified | (need == _SKIP) | (need <= org.facility_rank)
        # 5. ITAR
        if not person.nations & world.usa:
            authorised = person.itar_programmes | (org.itar_programmes if org else 0)
            passes = self._any(c, "programmes", authorised, pw)
            if org is not None and org.aukus and person.nations & world.aukus:
                passes |= c["itar"] == ITAR
            for asset in person.itar_assets | (org.itar_assets if org else frozenset()):
                for row in self.rows_of.get(asset, ()):
                    if row < n:
                        passes[row] = True
            ok &= (c["itar"] == 0) | passes
        # 6. ORCON
        approved = self._any(c, "approved_nations", person.nations, nw)
        for row, state in self.sparse.items():
            if person_id in state.approved_people or (
                person.employer is not None and person.employer in state.approved_orgs
            ):
                approved[row] = True
        ok &= ~c["orcon"] | approved
        return sorted(self._ids[c["asset"][ok]].tolist())

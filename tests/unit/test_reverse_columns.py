# SPDX-License-Identifier: Apache-2.0
"""The columnar "what may P read" answers exactly what the rules answer, asset by asset."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from clearway.domain.compiled import CompiledWorld
from clearway.domain.facts import MarkingVersion
from clearway.domain.marking import make_marking
from clearway.domain.pdp import readable_assets
from clearway.domain.reference import Reference
from clearway.domain.time import to_micros
from clearway.services.reverse import AssetColumns
from clearway.services.synth import synth_world


def _columns_answer(columns: AssetColumns, person: str, download: bool, at: datetime) -> list[str]:
    world = columns.world
    instant = to_micros(at)
    state = world.person(person).at(instant)
    org = None if state.employer is None else world.organisation(state.employer).at(instant)
    return columns.readable(person, state, org, download, instant)


def _instants(rng: random.Random, count: int) -> list[datetime]:
    start = datetime(2018, 1, 1, tzinfo=UTC)
    return [start + timedelta(hours=rng.randrange(13 * 365 * 24)) for _ in range(count)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_columns_agree_with_the_rules(reference: Reference, seed: int) -> None:
    world = CompiledWorld(synth_world(reference, people=120, assets=900, seed=seed))
    columns = AssetColumns(world)
    rng = random.Random(seed)
    checked = nonempty = 0
    for at in _instants(rng, 40):
        person = rng.choice(sorted(world.people))
        for action in ("read", "download"):
            expected = readable_assets(world, person, action, at)
            assert _columns_answer(columns, person, action == "download", at) == expected
            checked += 1
            nonempty += bool(expected)
    assert nonempty > checked // 4  # the worlds are not trivially empty


def test_columns_follow_changes_without_a_rebuild(reference: Reference) -> None:
    world = CompiledWorld(synth_world(reference, people=60, assets=400, seed=5))
    columns = AssetColumns(world)
    rng = random.Random(5)
    rows_before = columns.table.n
    changed = []
    for asset_id in rng.sample(sorted(world.assets), 25):
        asset = world.assets[asset_id]
        first = asset.markings[0].marking
        wider = make_marking(
            reference,
            originator=first.originator,
            level=first.level,
            releasable_to=["USA", "GBR", "AUS", "JPN"] if first.originator != "NATO" else [],
            programmes=(),
        )
        later = MarkingVersion(wider, datetime(2025, 1, 1, tzinfo=UTC))
        world.replace_asset(attrs.evolve(asset, markings=(asset.markings[0], later)))
        changed.append(asset_id)
    columns.add(changed)
    assert columns.table.n > rows_before  # appended, not rebuilt
    for at in _instants(rng, 30):
        person = rng.choice(sorted(world.people))
        assert _columns_answer(columns, person, False, at) == readable_assets(
            world, person, "read", at
        )

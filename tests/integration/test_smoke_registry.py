# SPDX-License-Identifier: Apache-2.0
"""The registry end to end on both stores: import, decide, change, catch up."""

from __future__ import annotations

from clearway.domain.principals import parse_principal
from clearway.services.index import DecisionIndex
from clearway.services.registry import RegistryService
from clearway.services.store import Store
from clearway.services.transfer import import_world
from tests.factories import utc, world_from_yaml

WORLD = """
organisations:
  - id: ORG-1
    nation: GBR
    facility_clearances: [{type: SECRET, status: granted, granted: 2024-01-01}]
programmes:
  - {id: PRG, nations: [GBR, USA]}
people:
  - id: P-1
    nationalities: [GBR]
    employer: ORG-1
    clearances: [{issuer: GBR, type: SC, status: granted, granted: 2022-01-01}]
    read_on: [{programme: PRG, from: 2023-01-01}]
assets:
  - {id: A-1, originator: USA, level: SECRET, releasable_to: [GBR], programmes: [PRG]}
"""


def test_import_decide_change_and_catch_up(store: Store) -> None:
    import_world(store, world_from_yaml(WORLD))
    index = DecisionIndex(store)
    assert index.decide("P-1", "A-1", "download", utc(2026, 6, 1)).permit
    registry = RegistryService(store)
    registry.transition(
        parse_principal("authority:GBR"), "P-1/CLR-1", "suspend", at=utc(2026, 3, 1)
    )
    index.ensure_current()
    decision = index.decide("P-1", "A-1", "read", utc(2026, 6, 1))
    assert [r.value for r in decision.reasons] == ["clearance-inactive"]
    assert index.decide("P-1", "A-1", "read", utc(2026, 2, 1)).permit
    assert index.catch_ups == 1

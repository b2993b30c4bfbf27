# SPDX-License-Identifier: Apache-2.0
"""Builders for small test worlds: write the world as scenario YAML, get domain facts back."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

from clearway.domain.compiled import CompiledWorld
from clearway.domain.facts import World
from clearway.reference import default_reference
from clearway.scenario.build import build_world
from clearway.scenario.document import WorldDoc
from clearway.scenario.runner import load_document
from clearway.scenario.yamlload import load_yaml


def world_from_yaml(text: str, *, name: str = "test.yaml") -> World:
    """The world of a YAML document in the scenario format (``version: 1`` is added)."""
    source = "version: 1\n" + textwrap.dedent(text)
    path = Path(name)
    doc = load_document(path, WorldDoc, load_yaml(path, source))
    world, _ = build_world(doc, default_reference(), name)
    return world


def compiled_from_yaml(text: str) -> CompiledWorld:
    """:func:`world_from_yaml`, compiled."""
    return CompiledWorld(world_from_yaml(text))


def utc(year: int, month: int = 1, day: int = 1) -> datetime:
    """Midnight UTC of a date."""
    return datetime(year, month, day, tzinfo=UTC)

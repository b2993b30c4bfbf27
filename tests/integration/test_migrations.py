# SPDX-License-Identifier: Apache-2.0
"""Schema migrations: the models match them, the built-in NATO programme comes from them, and
they go down to nothing and up again."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text

from clearway.config import load_settings
from clearway.errors import ClearwayError
from clearway.persistence.base import Base
from clearway.persistence.engine import make_engine
from clearway.persistence.migrate import (
    alembic_config,
    current_revision,
    pending_differences,
    upgrade,
)
from clearway.persistence.models import ProgrammeRecord
from clearway.services.loading import load_world
from clearway.services.store import HEAD, Store
from clearway.services.transfer import import_world
from tests.factories import world_from_yaml

TABLES = {
    "asset",
    "audit_entry",
    "audit_head",
    "change_counter",
    "clearance",
    "facility_clearance",
    "fact",
    "organisation",
    "person",
    "programme",
    "visit",
}

WORLD = """
programmes: [{id: PRG, nations: [GBR]}]
people: [{id: P-1, nationalities: [GBR], read_on: [{programme: NATO, from: 2025-01-01}]}]
"""


def downgrade(engine: Engine, revision: str = "base") -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def programmes(engine: Engine) -> list[tuple[str, list[str] | None, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(ProgrammeRecord.id, ProgrammeRecord.nations, ProgrammeRecord.actor)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_models_match_the_migrations(store: Store) -> None:
    assert current_revision(store.engine) == HEAD
    assert pending_differences(store.engine) == []
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_the_nato_programme_exists_only_through_the_migration(store: Store, tmp_path: Path) -> None:
    assert programmes(store.engine) == [("NATO", None, "system:migration")]
    nato = load_world(store).programmes["NATO"]
    assert nato.nations is None
    # The models alone create no programme: a schema made without the migration lacks NATO.
    bare = make_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    try:
        Base.metadata.create_all(bare)
        assert programmes(bare) == []
    finally:
        bare.dispose()
    # Worlds name the built-in programme without importing it again.
    import_world(store, world_from_yaml(WORLD))
    assert sorted(p[0] for p in programmes(store.engine)) == ["NATO", "PRG"]


def test_downgrade_to_base_and_upgrade_again(store: Store) -> None:
    import_world(store, world_from_yaml(WORLD))
    store.close()
    downgrade(store.engine)
    assert current_revision(store.engine) is None
    assert not set(inspect(store.engine).get_table_names()) & TABLES
    upgrade(store.engine)
    assert current_revision(store.engine) == HEAD
    assert pending_differences(store.engine) == []
    assert programmes(store.engine) == [("NATO", None, "system:migration")]
    # The store works again from empty.
    import_world(store, world_from_yaml(WORLD))
    assert set(load_world(store).people) == {"P-1"}


def test_pending_differences_notices_a_drifted_schema(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'drift.db'}")
    try:
        upgrade(engine)
        assert pending_differences(engine) == []
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_fact_txn"))
        assert pending_differences(engine) != []
    finally:
        engine.dispose()


def test_a_store_needs_its_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    store = Store(engine)
    try:
        with pytest.raises(ClearwayError, match="clearway db upgrade"):
            store.check_schema(migrate=False)
        store.check_schema(migrate=True)
        assert current_revision(engine) == HEAD
    finally:
        store.close()
    # An embedded SQLite store is migrated on first use.
    opened = Store.open(load_settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}"))
    try:
        assert current_revision(opened.engine) == HEAD
        assert programmes(opened.engine) == [("NATO", None, "system:migration")]
    finally:
        opened.close()

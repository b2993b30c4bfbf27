# SPDX-License-Identifier: Apache-2.0
"""Alembic environment: runs on the connection clearway hands over (or the configured URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from clearway.persistence import models  # noqa: F401 - registers the tables
from clearway.persistence.base import Base
from clearway.persistence.engine import normalise_url

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = normalise_url(config.get_main_option("sqlalchemy.url") or "")
    with create_engine(url).connect() as own:
        _run(own)

# SPDX-License-Identifier: Apache-2.0
"""Typed settings, read from ``CLEARWAY_*`` environment variables (and ``.env``).

Build one :class:`Settings` with :func:`load_settings` at the edge (CLI callback, app factory)
and pass it on; no module creates one at import time.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "default_database_url", "load_settings"]


def default_database_url() -> str:
    """The embedded default: a SQLite file in the user's data directory."""
    directory = Path(platformdirs.user_data_dir("clearway", appauthor=False))
    return f"sqlite:///{directory / 'clearway.db'}"


class Settings(BaseSettings):
    """Every setting clearway reads."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_", env_file=".env", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    #: Seconds a SQLite writer waits for the lock before giving up.
    sqlite_busy_timeout: float = Field(default=30.0, gt=0)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (e.g. ``--db``) winning."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return Settings(**given)  # type: ignore[arg-type]

# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: the shipped reference data, a clean environment, Hypothesis profiles."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from clearway.domain.reference import Reference
from clearway.reference import default_reference

# Timing assertions flake on two busy cores: no deadlines. CI caps the example counts.
settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "dev", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's CLEARWAY_* settings."""
    for name in list(os.environ):
        if name.startswith("CLEARWAY_") and name != "CLEARWAY_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def reference() -> Reference:
    """The shipped national reference data."""
    return default_reference()

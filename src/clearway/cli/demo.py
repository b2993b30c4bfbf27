# SPDX-License-Identifier: Apache-2.0
"""``clearway demo``."""

from __future__ import annotations


def demo() -> None:
    """Run the demo."""

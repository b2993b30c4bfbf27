# SPDX-License-Identifier: Apache-2.0
"""``clearway demo``: a short tour of an AUKUS Pillar 2 world with Japan (see ``tour.py``)."""

from __future__ import annotations

from typing import Annotated

import typer

from clearway.cli._common import fail


def demo(
    lang: Annotated[str, typer.Option("--lang", help="Language of the tour: en or ja.")] = "en",
) -> None:
    """Tour an AUKUS Pillar 2 world: who may read or download what, and why not.

    The world is loaded into a fresh embedded SQLite store and decided from its index.
    """
    if lang not in ("en", "ja"):
        fail(f"unknown language `{lang}` (known: en, ja)")
    from clearway.cli.tour import run

    run(lang)

# SPDX-License-Identifier: Apache-2.0
"""Structured marking → canonical banner (SPEC §5), after the US register's syntax.

Categories are joined by ``//`` and values within one by ``/``; dissemination values come in
register order (ORCON, NOFORN, REL TO). Lists give trigraphs A–Z, then tetragraphs A–Z, with USA
first in REL TO. US information starts with its level; other information with ``//``, the
originator's trigraph and the register word of its level's rank; NATO information with ``//`` and
its own level.
"""

from __future__ import annotations

from collections.abc import Iterable

from clearway.domain.marking.model import NATO, NOFORN, ORCON, USA, Marking
from clearway.domain.reference import RANK_WORDS, Reference

__all__ = ["display_banner", "order_codes", "render_banner"]


def order_codes(codes: Iterable[str], reference: Reference, *, usa_first: bool) -> list[str]:
    """Trigraphs A–Z then tetragraphs A–Z; USA first when ``usa_first``."""
    return sorted(
        codes,
        key=lambda code: (
            not (usa_first and code == USA),
            code in reference.groups,
            code,
        ),
    )


def render_banner(marking: Marking, reference: Reference) -> str:
    """The canonical banner of ``marking``."""
    level = marking.level_of(reference)
    if marking.originator == USA:
        head = level.name
    elif marking.originator == NATO:
        head = f"//{level.name}"
    else:
        head = f"//{marking.originator} {RANK_WORDS[level.rank]}"
    categories = [head]
    if marking.fgi:
        categories.append("FGI " + " ".join(order_codes(marking.fgi, reference, usa_first=False)))
    dissemination = []
    if ORCON in marking.caveats:
        dissemination.append(ORCON)
    if marking.releasable_to == {marking.originator}:
        dissemination.append(
            NOFORN if marking.originator == USA else f"REL TO {marking.originator}"
        )
    else:
        codes = order_codes(marking.releasable_to, reference, usa_first=True)
        dissemination.append("REL TO " + ", ".join(codes))
    categories.append("/".join(dissemination))
    return "//".join(categories)


def display_banner(marking: Marking, reference: Reference) -> str:
    """The banner with the originator's own level name beside it, as displays show it."""
    banner = render_banner(marking, reference)
    level = marking.level_of(reference)
    if marking.originator in (USA, NATO) or level.name == RANK_WORDS[level.rank]:
        return banner
    return f"{banner} ({level.name})"

# SPDX-License-Identifier: Apache-2.0
"""Roll-up of portion markings by a compiling nation (SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence

from clearway.domain.marking.model import NOFORN, USA, Marking
from clearway.domain.reference import Level, Reference
from clearway.errors import MarkingError

__all__ = ["roll_up"]


def roll_up(portions: Sequence[Marking], by: str, reference: Reference) -> Marking:
    """The marking of a compilation of ``portions`` made by nation ``by``.

    Level: the highest of the portions' levels translated into ``by``'s scheme (highest rank,
    then latest in its order). Releasable to: the intersection of the portions' (expanded)
    sets, written as the codes (tetragraphs and trigraphs) written in every portion plus the
    common nations those do not cover; any NOFORN portion leaves the originator only.
    Programmes, caveats and export controls: the union. FGI: every portion originator other
    than ``by``, with the portions' own FGI.

    Raises :class:`MarkingError` if there are no portions, ``by`` has no scheme, a level cannot
    be translated into it, or ``by`` is not releasable in some portion.
    """
    if not portions:
        raise MarkingError("a roll-up needs at least one portion", field="portions")
    compiler = by.strip().upper()
    if compiler not in reference.schemes:
        raise MarkingError(f"compiling nation `{by}` has no classification scheme", field="by")
    highest: Level | None = None
    common: frozenset[str] | None = None
    written: frozenset[str] | None = None
    caveats: set[str] = set()
    programmes: set[str] = set()
    controls: set[str] = set()
    fgi: set[str] = set()
    for i, portion in enumerate(portions, start=1):
        nations = portion.releasable_nations(reference)
        if compiler not in nations and compiler not in portion.releasable_to:
            msg = f"portion {i} is not releasable to the compiling nation {compiler}"
            raise MarkingError(msg, field=f"portion {i}")
        level = reference.translate(portion.level_of(reference), compiler)
        if level is None:
            msg = f"portion {i}'s level cannot be protected in {compiler}'s scheme"
            raise MarkingError(msg, field=f"portion {i}")
        if highest is None or (level.rank, level.index) > (highest.rank, highest.index):
            highest = level
        common = nations if common is None else common & nations
        written = portion.releasable_to if written is None else written & portion.releasable_to
        caveats |= portion.caveats
        programmes |= portion.programmes
        controls |= portion.export_controls
        fgi |= portion.fgi | {portion.originator}
    assert highest is not None
    assert common is not None
    assert written is not None
    if NOFORN in caveats:
        releasable = frozenset({compiler})
    else:
        covered = reference.expand(written)
        releasable = written | (common - covered) | {compiler}
    caveats.discard(NOFORN)
    if compiler == USA and releasable == {USA}:
        caveats.add(NOFORN)
    return Marking(
        originator=compiler,
        level=highest.name,
        releasable_to=releasable,
        caveats=frozenset(caveats),
        programmes=frozenset(programmes),
        export_controls=frozenset(controls),
        fgi=frozenset(fgi - {compiler}),
    )

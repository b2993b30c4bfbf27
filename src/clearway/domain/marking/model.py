# SPDX-License-Identifier: Apache-2.0
"""The structured marking: what is stored, compared, signed and bound to content (SPEC §5).

The banner string is derived from it and is lossy (it shows a level's rank word, not the level
itself); a :class:`Marking` keeps the originator's own level and everything the decision reads.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from clearway.domain.reference import Level, Reference
from clearway.errors import MarkingError

__all__ = [
    "NATO",
    "NOFORN",
    "ORCON",
    "USA",
    "Marking",
    "make_marking",
]

ORCON = "ORCON"
NOFORN = "NOFORN"
USA = "USA"
NATO = "NATO"
CAVEATS = frozenset({ORCON, NOFORN})


@attrs.frozen
class Marking:
    """A structured marking in normal form; build it with :func:`make_marking`.

    ``releasable_to`` holds the codes as written (tetragraphs kept), always including the
    originator; for US information, ``NOFORN`` is in ``caveats`` exactly when the originator is
    the only code. ``fgi`` lists the originators of foreign portions of a roll-up.
    """

    originator: str
    level: str
    releasable_to: frozenset[str]
    caveats: frozenset[str] = frozenset()
    programmes: frozenset[str] = frozenset()
    export_controls: frozenset[str] = frozenset()
    fgi: frozenset[str] = frozenset()

    def level_of(self, reference: Reference) -> Level:
        """The originator's level this marking carries."""
        return reference.scheme(self.originator).level(self.level)

    def releasable_nations(self, reference: Reference) -> frozenset[str]:
        """The releasable set with tetragraphs expanded to member nations."""
        return reference.expand(self.releasable_to)

    def as_dict(self) -> dict[str, object]:
        """A plain, deterministic dict (sorted lists): the basis of the canonical JSON encoding."""
        return {
            "originator": self.originator,
            "level": self.level,
            "releasable_to": sorted(self.releasable_to),
            "caveats": sorted(self.caveats),
            "programmes": sorted(self.programmes),
            "export_controls": sorted(self.export_controls),
            "fgi": sorted(self.fgi),
        }


def _codes(reference: Reference, codes: Iterable[str], field: str) -> frozenset[str]:
    out: set[str] = set()
    for raw in codes:
        code = raw.strip().upper()
        if code in reference.input_aliases:
            out |= reference.input_aliases[code]
        elif reference.is_code(code):
            out.add(code)
        else:
            raise MarkingError(f"unknown country code `{raw}` in {field}", field=field)
    return frozenset(out)


def make_marking(
    reference: Reference,
    *,
    originator: str,
    level: str,
    releasable_to: Iterable[str] = (),
    caveats: Iterable[str] = (),
    programmes: Iterable[str] = (),
    export_controls: Iterable[str] = (),
    fgi: Iterable[str] = (),
) -> Marking:
    """Validate structured input and return the marking in normal form.

    The originator is added to the releasable set, repeated codes are merged, the level is
    spelled canonically. Raises :class:`MarkingError` naming the offending field and value: an
    unknown originator, level, country code, caveat or export control; NOFORN on information not
    originated by the USA, or NOFORN with other nations releasable; FGI naming the originator.
    """
    origin = originator.strip().upper()
    if origin not in reference.schemes:
        raise MarkingError(f"unknown originator `{originator}`", field="originator")
    scheme = reference.schemes[origin]
    found = scheme.find_level(level)
    if found is None:
        raise MarkingError(f"`{level}` is not a level of {origin}", field="level")
    rel = _codes(reference, releasable_to, "releasable_to") | {origin}
    marks: set[str] = set()
    for raw in caveats:
        caveat = raw.strip().upper()
        if caveat not in CAVEATS:
            raise MarkingError(f"unknown caveat `{raw}` (known: ORCON, NOFORN)", field="caveats")
        marks.add(caveat)
    if origin == USA:
        if NOFORN in marks and rel != {USA}:
            raise MarkingError(
                "NOFORN cannot be combined with other releasable nations", field="caveats"
            )
        if rel == {USA}:
            marks.add(NOFORN)
    elif NOFORN in marks:
        raise MarkingError(f"NOFORN is for US information only, not {origin}", field="caveats")
    controls: set[str] = set()
    for raw in export_controls:
        control = raw.strip().upper()
        if control not in reference.export_controls:
            known = ", ".join(sorted(reference.export_controls))
            raise MarkingError(
                f"unknown export control `{raw}` (known: {known})", field="export_control"
            )
        controls.add(control)
    foreign = _codes(reference, fgi, "fgi")
    if origin in foreign:
        raise MarkingError(f"FGI cannot list the originator `{origin}`", field="fgi")
    names: set[str] = set()
    for raw in programmes:
        name = raw.strip()
        if not name:
            raise MarkingError("empty programme name", field="programmes")
        names.add(name)
    return Marking(
        originator=origin,
        level=found.name,
        releasable_to=rel,
        caveats=frozenset(marks),
        programmes=frozenset(names),
        export_controls=frozenset(controls),
        fgi=foreign,
    )

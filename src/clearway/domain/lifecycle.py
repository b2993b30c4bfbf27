# SPDX-License-Identifier: Apache-2.0
"""The clearance lifecycle (SPEC §3): statuses, allowed transitions, grant dates and expiry.

A clearance's history is a list of :class:`StatusEntry` values, oldest first; the status at an
instant is that of the last entry at or before it, and before the first entry the clearance does
not exist. Expiry is derived, never stored as a status. :func:`standing_timeline` compiles a
history into the segments a decision reads.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

import attrs

from clearway.domain.time import add_years, to_micros
from clearway.errors import TransitionError

__all__ = [
    "ACTIVE",
    "CLEARANCE_VERBS",
    "TRANSITIONS",
    "Standing",
    "Status",
    "StatusEntry",
    "check_transition",
    "expiry_at",
    "grant_dates",
    "standing_timeline",
    "validate_history",
]


class Status(enum.StrEnum):
    """A (personnel or facility) clearance status."""

    APPLIED = "applied"
    INVESTIGATING = "investigating"
    INTERIM = "interim"
    GRANTED = "granted"
    DENIED = "denied"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"


#: Statuses in which a clearance is active.
ACTIVE = frozenset({Status.INTERIM, Status.GRANTED})

#: Allowed transitions; from ``suspended`` also back to the status held before (reinstatement).
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.APPLIED: frozenset({Status.INVESTIGATING, Status.WITHDRAWN}),
    Status.INVESTIGATING: frozenset(
        {Status.INTERIM, Status.GRANTED, Status.DENIED, Status.WITHDRAWN}
    ),
    Status.INTERIM: frozenset(
        {Status.GRANTED, Status.DENIED, Status.SUSPENDED, Status.REVOKED, Status.WITHDRAWN}
    ),
    Status.GRANTED: frozenset({Status.GRANTED, Status.SUSPENDED, Status.REVOKED, Status.WITHDRAWN}),
    Status.SUSPENDED: frozenset({Status.REVOKED, Status.WITHDRAWN}),
    Status.DENIED: frozenset(),
    Status.REVOKED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


#: Named clearance transitions and the status each leads to (``reinstate``: the one before).
CLEARANCE_VERBS: dict[str, Status | None] = {
    "investigate": Status.INVESTIGATING,
    "interim": Status.INTERIM,
    "grant": Status.GRANTED,
    "deny": Status.DENIED,
    "suspend": Status.SUSPENDED,
    "reinstate": None,
    "revoke": Status.REVOKED,
    "withdraw": Status.WITHDRAWN,
    "revalidate": Status.GRANTED,
}


class Standing(enum.IntEnum):
    """What a clearance is worth at an instant, in the order rule 2 of SPEC §6 reads it."""

    NONEXISTENT = 0
    INACTIVE = 1
    EXPIRED = 2
    VALID = 3


@attrs.frozen
class StatusEntry:
    """One status change: the new status, when it took effect, and an explicit expiry that a
    grant (or the first entry) may set."""

    status: Status
    at: datetime
    expires: datetime | None = None


def _before_suspension(history: Sequence[StatusEntry], index: int) -> Status | None:
    """The status held before the suspension in effect at ``history[index]``, if known."""
    for entry in reversed(history[:index]):
        if entry.status is not Status.SUSPENDED:
            return entry.status
    return None


def check_transition(history: Sequence[StatusEntry], new: Status) -> None:
    """Raise :class:`TransitionError` unless ``new`` may follow the last entry of ``history``.

    An empty history accepts any first status (an imported record of what happened).
    """
    if not history:
        return
    current = history[-1].status
    allowed = set(TRANSITIONS[current])
    if current is Status.SUSPENDED:
        before = _before_suspension(history, len(history) - 1)
        allowed |= {before} if before is not None else set(ACTIVE)
    if new not in allowed:
        names = ", ".join(sorted(allowed)) or "nothing (terminal)"
        msg = f"a clearance cannot go from `{current}` to `{new}` (allowed: {names})"
        raise TransitionError(msg)


def validate_history(history: Sequence[StatusEntry]) -> None:
    """Raise :class:`TransitionError` unless ``history`` is non-empty, strictly increasing in
    time and every later entry follows the transition table."""
    if not history:
        raise TransitionError("a clearance history needs at least one entry")
    for i in range(1, len(history)):
        if history[i].at <= history[i - 1].at:
            msg = (
                f"history entry {i + 1} (`{history[i].at.isoformat()}`) is not after the one"
                " before it"
            )
            raise TransitionError(msg)
        check_transition(history[:i], history[i].status)


def _is_grant(history: Sequence[StatusEntry], index: int) -> bool:
    """Whether entry ``index`` sets a grant date: a first entry into ``granted`` (from
    ``interim`` too) or a revalidation; a reinstatement from ``suspended`` does not."""
    entry = history[index]
    if entry.status is not Status.GRANTED:
        return False
    return index == 0 or history[index - 1].status is not Status.SUSPENDED


def grant_dates(history: Sequence[StatusEntry]) -> list[datetime]:
    """Every instant at which the clearance was granted or revalidated."""
    return [entry.at for i, entry in enumerate(history) if _is_grant(history, i)]


def _segments(
    history: Sequence[StatusEntry], validity_years: int | None, granted_hint: datetime | None
) -> list[tuple[int, int | None, bool]]:
    """``(start, expiry, active)`` per entry, instants in microseconds."""
    segments: list[tuple[int, int | None, bool]] = []
    grant: datetime | None = granted_hint
    explicit: datetime | None = history[0].expires
    for i, entry in enumerate(history):
        fresh = i == 0 or history[i - 1].status is not Status.SUSPENDED  # not a reinstatement
        if _is_grant(history, i):
            grant = entry.at
            explicit = entry.expires if entry.expires is not None else explicit if i == 0 else None
        elif entry.status is Status.INTERIM and fresh:
            # An interim eligibility carries its own explicit expiry (or none).
            explicit = entry.expires if entry.expires is not None else explicit if i == 0 else None
        if explicit is not None:
            expiry: datetime | None = explicit
        elif grant is not None and validity_years is not None:
            expiry = add_years(grant, validity_years)
        else:
            expiry = None
        segments.append(
            (
                to_micros(entry.at),
                None if expiry is None else to_micros(expiry),
                entry.status in ACTIVE,
            )
        )
    return segments


def _expiry_in_effect(segments: Sequence[tuple[int, int | None, bool]], instant: int) -> int | None:
    expiry = None
    for start, seg_expiry, _ in segments:
        if start <= instant:
            expiry = seg_expiry
    return expiry


def _protected_from(
    segments: Sequence[tuple[int, int | None, bool]], continuous_vetting_from: datetime | None
) -> int | None:
    """From when continuous vetting keeps the clearance from expiring (``None``: never)."""
    if continuous_vetting_from is None:
        return None
    cv = to_micros(continuous_vetting_from)
    # Before the first entry, the expiry is the one the clearance starts with.
    expiry = _expiry_in_effect(segments, max(cv, segments[0][0]))
    return None if expiry is not None and cv >= expiry else cv


def expiry_at(
    history: Sequence[StatusEntry],
    at: datetime,
    *,
    validity_years: int | None,
    continuous_vetting_from: datetime | None = None,
    granted_hint: datetime | None = None,
) -> int | None:
    """The expiry (microseconds) in effect at ``at``; ``None`` if it does not expire."""
    segments = _segments(history, validity_years, granted_hint)
    instant = to_micros(at)
    expiry = _expiry_in_effect(segments, instant)
    protected = _protected_from(segments, continuous_vetting_from)
    if expiry is not None and protected is not None and expiry >= protected:
        return None
    return expiry


def standing_timeline(
    history: Sequence[StatusEntry],
    *,
    validity_years: int | None,
    continuous_vetting_from: datetime | None = None,
    granted_hint: datetime | None = None,
) -> list[tuple[int, Standing]]:
    """Compile a validated history into ``(start_micros, standing)`` segments.

    Expiry E at an instant is the explicit expiry set by the latest grant (or the first entry),
    else the latest grant date plus ``validity_years`` calendar years; the clearance is expired
    at instants ≥ E. A clearance never granted has no default expiry. With continuous vetting
    from D, a clearance not expired at D never expires from D on. ``granted_hint`` is the grant
    date of an imported history that reaches ``granted`` without recording the grant.
    """
    segments = _segments(history, validity_years, granted_hint)
    protected_from = _protected_from(segments, continuous_vetting_from)
    raw: list[tuple[int, Standing]] = []
    ends: list[int | None] = [start for start, _, _ in segments[1:]]
    ends.append(None)
    for (start, seg_expiry, active), end in zip(segments, ends, strict=True):
        if not active:
            raw.append((start, Standing.INACTIVE))
            continue
        cut = seg_expiry
        if cut is not None and protected_from is not None and cut >= protected_from:
            cut = None  # continuous vetting: never expires from D on
        if cut is None or (end is not None and cut >= end):
            raw.append((start, Standing.VALID))
        elif cut <= start:
            raw.append((start, Standing.EXPIRED))
        else:
            raw.extend(((start, Standing.VALID), (cut, Standing.EXPIRED)))
    out: list[tuple[int, Standing]] = []
    for start, standing in raw:
        if out and out[-1][1] is standing:
            continue
        out.append((start, standing))
    return out

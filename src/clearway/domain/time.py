# SPDX-License-Identifier: Apache-2.0
"""Instants, dates and half-open intervals.

Dates mean midnight UTC; instants must carry an offset (a naive instant is an error). Inside
compiled structures an instant is an ``int`` of microseconds since the Unix epoch (UTC), which
keeps comparisons and ``bisect`` cheap; ``None`` bounds mean open-ended.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs

from clearway.errors import InvalidInputError

__all__ = [
    "FOREVER",
    "NEVER",
    "Interval",
    "add_years",
    "as_instant",
    "from_micros",
    "to_micros",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)

#: Compiled bound for "since the beginning of time" and "open-ended".
NEVER = -(2**62)
FOREVER = 2**62


def as_instant(value: date | datetime, *, what: str = "instant") -> datetime:
    """Return ``value`` as an aware UTC datetime; a date means midnight UTC.

    Raises :class:`InvalidInputError` for a naive datetime.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            msg = f"{what} `{value.isoformat()}` has no UTC offset; write it with Z or +hh:mm"
            raise InvalidInputError(msg)
        return value.astimezone(UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def to_micros(value: datetime) -> int:
    """Microseconds since the epoch of an aware datetime."""
    return (value - _EPOCH) // _MICRO


def from_micros(value: int) -> datetime:
    """The aware UTC datetime of a microsecond count."""
    return _EPOCH + timedelta(microseconds=value)


def add_years(value: datetime, years: int) -> datetime:
    """``value`` plus whole calendar years; 29 February becomes 28 February."""
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February in a year that has none
        return value.replace(year=value.year + years, day=28)


@attrs.frozen
class Interval:
    """A half-open interval ``[start, end)`` of instants; ``None`` is open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            msg = (
                f"interval ends (`{self.end.isoformat()}`) at or before it starts"
                f" (`{self.start.isoformat()}`)"
            )
            raise InvalidInputError(msg)

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` lies in ``[start, end)``."""
        return (self.start is None or self.start <= instant) and (
            self.end is None or instant < self.end
        )

    def bounds(self) -> tuple[int, int]:
        """The compiled bounds in microseconds (``NEVER``/``FOREVER`` when open)."""
        return (
            NEVER if self.start is None else to_micros(self.start),
            FOREVER if self.end is None else to_micros(self.end),
        )

# SPDX-License-Identifier: Apache-2.0
"""The audit hash chain (pure).

``hash(n) = SHA-256(hash(n-1) as ASCII hex || canonical_json(entry n))``, starting from 64
zeros. The entry is ``{"seq", "recorded_at", "principal", "event", "subject", "outcome",
"detail"}`` with ``recorded_at`` in ISO 8601 UTC (``Z``). Changing, removing or reordering any
entry breaks every later link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import attrs

from clearway.canonical import canonical_json

__all__ = ["GENESIS", "AuditEntry", "link", "verify_chain"]

GENESIS = "0" * 64


@attrs.frozen
class AuditEntry:
    """One audit entry, before or after it is chained."""

    seq: int
    recorded_at: datetime
    principal: str
    event: str
    subject: str
    outcome: str
    detail: dict[str, Any]

    def body(self) -> dict[str, Any]:
        """The canonical content that is hashed."""
        return {
            "seq": self.seq,
            "recorded_at": self.recorded_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "principal": self.principal,
            "event": self.event,
            "subject": self.subject,
            "outcome": self.outcome,
            "detail": self.detail,
        }


def link(prev_hash: str, entry: AuditEntry) -> str:
    """The hash of ``entry`` chained after ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(entry.body())).hexdigest()


def verify_chain(entries: Iterable[tuple[AuditEntry, str, str]]) -> int | None:
    """The first ``seq`` whose stored (prev_hash, hash) does not follow, or ``None``.

    ``entries`` yields ``(entry, prev_hash, hash)`` in ``seq`` order from the first entry.
    """
    expected_prev = GENESIS
    expected_seq = 1
    for entry, prev_hash, stored in entries:
        if entry.seq != expected_seq or prev_hash != expected_prev:
            return entry.seq
        if link(prev_hash, entry) != stored:
            return entry.seq
        expected_prev, expected_seq = stored, expected_seq + 1
    return None

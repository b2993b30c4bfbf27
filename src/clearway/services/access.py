# SPDX-License-Identifier: Apache-2.0
"""Access decisions for adapters (CLI, API): decide from the index, then audit.

Each decision writes one audit entry (one per item of a batch), each reverse query one entry,
in a transaction of its own (a decision changes nothing). A replay decides from the facts as
recorded by an earlier instant instead of the index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from clearway.audit.chain import AuditEntry
from clearway.domain.compiled import CompiledWorld
from clearway.domain.decision import Decision, DecisionError
from clearway.domain.pdp import Request, decide_batch
from clearway.domain.principals import Principal
from clearway.domain.time import as_instant
from clearway.errors import ClearwayError, InvalidInputError, NotFoundError
from clearway.persistence.mappers import iso
from clearway.persistence.repositories import AuditRepository
from clearway.services.index import DecisionIndex
from clearway.services.loading import load_world

__all__ = ["AccessService"]

#: What an audit entry records before it is stamped: event, subject, outcome, detail.
_Record = tuple[str, str, str, dict[str, Any]]


def _decision_record(item: Decision | DecisionError, recorded_by: datetime | None) -> _Record:
    subject = f"{item.person} {item.asset}"
    if isinstance(item, DecisionError):
        return ("decision", subject, "error", {"action": item.action, "error": item.error})
    detail: dict[str, Any] = {
        "action": item.action.value,
        "at": iso(item.at),
        "reasons": [r.value for r in item.reasons],
    }
    if recorded_by is not None:
        detail["recorded_by"] = iso(recorded_by)
    return ("decision", subject, "permit" if item.permit else "deny", detail)


class AccessService:
    """Decisions and reverse queries, each audited."""

    def __init__(self, index: DecisionIndex) -> None:
        self.index = index
        self.store = index.store

    def _audit(self, principal: Principal, records: Sequence[_Record]) -> None:
        with self.store.write() as uow:
            AuditRepository(uow.session).append(
                [AuditEntry(0, uow.now, str(principal), *record) for record in records]
            )

    def check(
        self,
        principal: Principal,
        person: str,
        asset: str,
        action: str,
        at: datetime,
        *,
        recorded_by: datetime | None = None,
    ) -> Decision:
        """Decide one request and audit it. An unknown person, asset or action is an error
        (audited as one), never a deny."""
        result = self.batch(
            principal, [Request(person, asset, action, at)], recorded_by=recorded_by
        )[0]
        if isinstance(result, DecisionError):
            raise (
                NotFoundError(result.error) if result.not_found else InvalidInputError(result.error)
            )
        return result

    def batch(
        self,
        principal: Principal,
        requests: Sequence[Request],
        *,
        recorded_by: datetime | None = None,
    ) -> list[Decision | DecisionError]:
        """Decide many requests (errors are items) and audit one entry per item."""
        if recorded_by is None:
            self.index.ensure_current()
            results = self.index.decide_batch(requests)
        else:
            world = CompiledWorld(load_world(self.store, recorded_by=as_instant(recorded_by)))
            results = decide_batch(world, requests)
        self._audit(principal, [_decision_record(r, recorded_by) for r in results])
        return results

    def readable_assets(
        self, principal: Principal, person: str, action: str, at: datetime
    ) -> list[str]:
        """What ``person`` may ``action`` at ``at`` (one audit entry)."""
        return self._query(
            principal, "query:readable", person, action, at, self.index.readable_assets
        )

    def readers(self, principal: Principal, asset: str, action: str, at: datetime) -> list[str]:
        """Who may ``action`` ``asset`` at ``at`` (one audit entry)."""
        return self._query(principal, "query:readers", asset, action, at, self.index.readers)

    def _query(
        self,
        principal: Principal,
        event: str,
        subject: str,
        action: str,
        at: datetime,
        run: Callable[[str, str, datetime], list[str]],
    ) -> list[str]:
        """Run a reverse query and audit it (an erroring query too)."""
        self.index.ensure_current()
        try:
            found = run(subject, action, at)
        except ClearwayError as exc:
            self._audit(
                principal, [(event, subject, "error", {"action": action, "error": exc.message})]
            )
            raise
        detail = {"action": action, "at": iso(as_instant(at)), "count": len(found)}
        self._audit(principal, [(event, subject, "ok", detail)])
        return found

# SPDX-License-Identifier: Apache-2.0
"""Every query clearway makes lives here. Repositories never commit: the unit of work does."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from clearway.audit.chain import AuditEntry, link
from clearway.errors import ConflictError, NotFoundError
from clearway.persistence.base import Base
from clearway.persistence.models import (
    AssetRecord,
    AuditEntryRecord,
    AuditHeadRecord,
    ChangeCounterRecord,
    ClearanceRecord,
    FacilityClearanceRecord,
    FactRecord,
    OrganisationRecord,
    PersonRecord,
    ProgrammeRecord,
    VisitRecord,
)

__all__ = [
    "IDENTITY_MODELS",
    "AuditRepository",
    "CounterRepository",
    "FactRepository",
    "IdentityRepository",
]

_R = TypeVar("_R", bound=Base)

#: Identity records, in the order rows may reference one another.
IDENTITY_MODELS: tuple[type[Base], ...] = (
    PersonRecord,
    OrganisationRecord,
    ProgrammeRecord,
    AssetRecord,
    ClearanceRecord,
    FacilityClearanceRecord,
    VisitRecord,
)

_KIND_NAMES = {
    PersonRecord: "person",
    OrganisationRecord: "organisation",
    ProgrammeRecord: "programme",
    AssetRecord: "asset",
    ClearanceRecord: "clearance",
    FacilityClearanceRecord: "facility clearance",
    VisitRecord: "visit",
}


class CounterRepository:
    """The committed-change counter (read side; the unit of work bumps it)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self) -> int:
        """The counter's committed value: one cheap query."""
        return self.session.execute(
            select(ChangeCounterRecord.value).where(ChangeCounterRecord.id == 1)
        ).scalar_one()


class IdentityRepository:
    """People, organisations, programmes, assets, clearances and visits by id."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_or_none(self, model: type[_R], ident: str) -> _R | None:
        """The record of ``model`` with id ``ident``, or ``None``."""
        return self.session.get(model, ident)

    def get(self, model: type[_R], ident: str) -> _R:
        """The record of ``model`` with id ``ident``; raises :class:`NotFoundError`."""
        found = self.session.get(model, ident)
        if found is None:
            raise NotFoundError(f"unknown {_KIND_NAMES.get(model, 'record')} `{ident}`")
        return found

    def exists(self, model: type[Base], ident: str) -> bool:
        """Whether a record of ``model`` with id ``ident`` exists."""
        return self.session.get(model, ident) is not None

    def add(self, record: Base) -> None:
        """Insert a new identity record; an existing id is a :class:`ConflictError`."""
        model = type(record)
        ident = getattr(record, "id", None)
        if ident is not None and self.session.get(model, ident) is not None:
            kind = _KIND_NAMES.get(model, "record")
            raise ConflictError(f"{kind} `{ident}` already exists")
        self.session.add(record)

    def existing_ids(self, model: type[Base], idents: Iterable[str]) -> list[str]:
        """Which of ``idents`` already exist as ``model`` records."""
        wanted = list(dict.fromkeys(idents))
        found: list[str] = []
        column = model.id  # type: ignore[attr-defined]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.extend(self.session.execute(select(column).where(column.in_(chunk))).scalars())
        return sorted(found)

    def bulk_insert(self, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
        """Insert many rows of ``model`` at once (the import path)."""
        if rows:
            self.session.execute(insert(model), list(rows))

    def all(self, model: type[_R]) -> Sequence[_R]:
        """Every record of ``model``, by id."""
        return self.session.execute(select(model).order_by(model.id)).scalars().all()  # type: ignore[attr-defined]

    def stream(self, model: type[_R], *, recorded_by: datetime | None = None) -> Iterator[_R]:
        """Every record of ``model`` (recorded by ``recorded_by`` if given), streamed."""
        query = select(model).order_by(model.id)  # type: ignore[attr-defined]
        if recorded_by is not None:
            query = query.where(model.recorded_at <= recorded_by)  # type: ignore[attr-defined]
        yield from self.session.execute(query.execution_options(yield_per=5000)).scalars()

    def since(self, model: type[_R], txn: int) -> Sequence[_R]:
        """Records of ``model`` written by transactions after ``txn``."""
        return self.session.execute(select(model).where(model.txn > txn)).scalars().all()  # type: ignore[attr-defined]

    def clearances_of(self, person: str) -> Sequence[ClearanceRecord]:
        """A person's clearance records."""
        query = select(ClearanceRecord).where(ClearanceRecord.person_id == person)
        return self.session.execute(query.order_by(ClearanceRecord.id)).scalars().all()

    def facility_clearances_of(self, organisation: str) -> Sequence[FacilityClearanceRecord]:
        """An organisation's facility clearance records."""
        query = select(FacilityClearanceRecord).where(
            FacilityClearanceRecord.organisation_id == organisation
        )
        return self.session.execute(query.order_by(FacilityClearanceRecord.id)).scalars().all()

    def visits_of(self, person: str) -> Sequence[VisitRecord]:
        """Visits a person makes."""
        query = select(VisitRecord).where(VisitRecord.visitor_id == person)
        return self.session.execute(query.order_by(VisitRecord.id)).scalars().all()

    def count(self, model: type[Base]) -> int:
        """How many records of ``model`` exist."""
        return self.session.execute(select(func.count()).select_from(model)).scalar_one()

    def bump_version(self, model: type[Base], ident: str, expected: int) -> None:
        """Optimistic concurrency: move ``ident`` from ``expected`` to the next version, or
        raise :class:`ConflictError` if someone else moved it first."""
        result = self.session.execute(
            update(model)
            .where(model.id == ident, model.version == expected)  # type: ignore[attr-defined]
            .values(version=expected + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            kind = _KIND_NAMES.get(model, "record")
            msg = f"{kind} `{ident}` was changed meanwhile (expected version {expected}); reload"
            raise ConflictError(msg)


class FactRepository:
    """The bitemporal facts."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, fact: FactRecord) -> FactRecord:
        """Append one fact (its id is assigned on flush)."""
        self.session.add(fact)
        self.session.flush()  # assigns the fact id, which the caller reports
        return fact

    def bulk_insert(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append many facts at once (the import path)."""
        if rows:
            self.session.execute(insert(FactRecord), list(rows))

    def get(self, fact_id: int) -> FactRecord:
        """A fact by id; raises :class:`NotFoundError`."""
        found = self.session.get(FactRecord, fact_id)
        if found is None:
            raise NotFoundError(f"unknown fact `{fact_id}`")
        return found

    def superseded_by(self, fact_id: int) -> FactRecord | None:
        """The fact that supersedes ``fact_id``, if any."""
        query = select(FactRecord).where(FactRecord.supersedes == fact_id)
        return self.session.execute(query).scalar_one_or_none()

    def for_subjects(self, subjects: Iterable[str]) -> list[FactRecord]:
        """Every fact about any of ``subjects``, in id order."""
        wanted = list(dict.fromkeys(subjects))
        out: list[FactRecord] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = select(FactRecord).where(FactRecord.subject.in_(chunk)).order_by(FactRecord.id)
            out.extend(self.session.execute(query).scalars())
        out.sort(key=lambda f: f.id)
        return out

    def for_owners(self, owners: Iterable[str]) -> list[FactRecord]:
        """Every fact read through any of ``owners``, ordered by owner then id."""
        wanted = list(dict.fromkeys(owners))
        out: list[FactRecord] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            query = select(FactRecord).where(FactRecord.owner.in_(chunk))
            out.extend(self.session.execute(query).scalars())
        out.sort(key=lambda f: (f.owner, f.id))
        return out

    def stream(self, *, recorded_by: datetime | None = None) -> Iterator[FactRecord]:
        """Every fact in id order (recorded by ``recorded_by`` if given), streamed."""
        query = select(FactRecord).order_by(FactRecord.id)
        if recorded_by is not None:
            query = query.where(FactRecord.recorded_at <= recorded_by)
        yield from self.session.execute(query.execution_options(yield_per=5000)).scalars()

    def stream_by_owner(self, *, recorded_by: datetime | None = None) -> Iterator[FactRecord]:
        """Every fact ordered by owner then id (recorded by ``recorded_by`` if given), so
        that each owner's facts arrive together; streamed."""
        query = select(FactRecord).order_by(FactRecord.owner, FactRecord.id)
        if recorded_by is not None:
            query = query.where(FactRecord.recorded_at <= recorded_by)
        yield from self.session.execute(query.execution_options(yield_per=5000)).scalars()

    def since(self, txn: int) -> Sequence[FactRecord]:
        """Facts written by transactions after ``txn``."""
        query = select(FactRecord).where(FactRecord.txn > txn).order_by(FactRecord.id)
        return self.session.execute(query).scalars().all()


class AuditRepository:
    """The audit trail: appends under the chain-head lock, reads in order."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(self, entries: Sequence[AuditEntry]) -> int:
        """Chain and insert ``entries`` (their ``seq`` is assigned here); returns the last seq."""
        head = self.session.execute(
            select(AuditHeadRecord).where(AuditHeadRecord.id == 1).with_for_update()
        ).scalar_one()
        seq, prev = head.seq, head.hash
        rows = []
        for entry in entries:
            seq += 1
            chained = AuditEntry(
                seq=seq,
                recorded_at=entry.recorded_at,
                principal=entry.principal,
                event=entry.event,
                subject=entry.subject,
                outcome=entry.outcome,
                detail=entry.detail,
            )
            digest = link(prev, chained)
            rows.append(
                {
                    "seq": seq,
                    "recorded_at": entry.recorded_at,
                    "principal": entry.principal,
                    "event": entry.event,
                    "subject": entry.subject,
                    "outcome": entry.outcome,
                    "detail": entry.detail,
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        for start in range(0, len(rows), 5000):
            self.session.execute(insert(AuditEntryRecord), rows[start : start + 5000])
        head.seq, head.hash = seq, prev
        return seq

    def head(self) -> tuple[int, str]:
        """The chain head as last written: ``(seq, hash)``."""
        head = self.session.execute(
            select(AuditHeadRecord).where(AuditHeadRecord.id == 1)
        ).scalar_one()
        return head.seq, head.hash

    def entries(
        self, *, after: int = 0, limit: int | None = None, principal: str | None = None
    ) -> Sequence[AuditEntryRecord]:
        """Entries after ``after`` in seq order (optionally of one principal)."""
        query = select(AuditEntryRecord).where(AuditEntryRecord.seq > after)
        if principal is not None:
            query = query.where(AuditEntryRecord.principal == principal)
        query = query.order_by(AuditEntryRecord.seq)
        if limit is not None:
            query = query.limit(limit)
        return self.session.execute(query).scalars().all()

    def stream(self) -> Iterator[AuditEntryRecord]:
        """Every entry in seq order, streamed."""
        query = select(AuditEntryRecord).order_by(AuditEntryRecord.seq)
        yield from self.session.execute(query.execution_options(yield_per=5000)).scalars()

# SPDX-License-Identifier: Apache-2.0
"""The records. Identity rows name things; every fact a decision reads is a :class:`FactRecord`.

Facts are append-only and bitemporal: ``effective_at`` is when a fact took effect in the world
(``NULL``: from the beginning), ``recorded_at`` when the gateway learned it, with the acting
principal and a reason. A mis-keyed fact is corrected by a new fact that ``supersedes`` it
(optionally ``retracted``: withdrawn without replacement), never by an update. ``txn`` is the
value of the committed-change counter of the transaction that wrote the row: the index catches
up by reading rows with ``txn`` above the last one it saw. Payload shapes per kind are in
``docs/registry.md``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clearway.persistence.base import Base

__all__ = [
    "AssetRecord",
    "AuditEntryRecord",
    "AuditHeadRecord",
    "ChangeCounterRecord",
    "ClearanceRecord",
    "FacilityClearanceRecord",
    "FactRecord",
    "OrganisationRecord",
    "PersonRecord",
    "ProgrammeRecord",
    "VisitRecord",
]

ID = String(200)


class _Recorded:
    """When, in which transaction and by whom a row was written."""

    recorded_at: Mapped[datetime]
    txn: Mapped[int] = mapped_column(BigInteger, index=True)
    actor: Mapped[str] = mapped_column(String(250))


class ChangeCounterRecord(Base):
    """The committed-change counter: one row, bumped (and locked) by every write transaction."""

    __tablename__ = "change_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class PersonRecord(_Recorded, Base):
    __tablename__ = "person"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")


class OrganisationRecord(_Recorded, Base):
    __tablename__ = "organisation"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    nation: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(Text, default="")


class ProgrammeRecord(_Recorded, Base):
    __tablename__ = "programme"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    #: Sorted participating nations; ``NULL`` means open to every nation (the built-in NATO).
    nations: Mapped[list[str] | None]


class AssetRecord(_Recorded, Base):
    __tablename__ = "asset"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    originator: Mapped[str] = mapped_column(String(8))


class ClearanceRecord(_Recorded, Base):
    """A personnel clearance; its statuses are facts. ``version`` guards concurrent changes."""

    __tablename__ = "clearance"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    issuer: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(100))
    granted_hint: Mapped[datetime | None]
    recognised: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)


class FacilityClearanceRecord(_Recorded, Base):
    __tablename__ = "facility_clearance"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"), index=True)
    type: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=0)


class VisitRecord(_Recorded, Base):
    """A visit request; its status changes are facts."""

    __tablename__ = "visit"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    visitor_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    host_id: Mapped[str] = mapped_column(ForeignKey("organisation.id"))
    kind: Mapped[str] = mapped_column(String(20))
    programmes: Mapped[list[str]]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]


class FactRecord(Base):
    """One bitemporal fact about a subject (``person:ID``, ``clearance:ID``, ``asset:ID``…);
    ``owner`` is the record a decision reads it through (``person:ID`` for a clearance's
    statuses), which is what the index rebuilds when the fact arrives."""

    __tablename__ = "fact"
    __table_args__ = (
        Index("ix_fact_subject", "subject", "id"),
        Index("ix_fact_owner", "owner", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    txn: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(ID)
    owner: Mapped[str] = mapped_column(ID)
    payload: Mapped[dict[str, Any]]
    effective_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(250))
    reason: Mapped[str] = mapped_column(Text, default="")
    supersedes: Mapped[int | None] = mapped_column(ForeignKey("fact.id"), unique=True)
    retracted: Mapped[bool] = mapped_column(default=False)


class AuditHeadRecord(Base):
    """The head of the audit hash chain: one row, locked by every audit append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEntryRecord(Base):
    """One audit entry; ``hash`` = SHA-256 of the previous hash and the canonical entry."""

    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime]
    principal: Mapped[str] = mapped_column(String(250))
    event: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

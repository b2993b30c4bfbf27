# SPDX-License-Identifier: Apache-2.0
"""The registry: identity rows, bitemporal facts, the change counter, the audit chain, and the
built-in NATO programme (docs/migrations/0001_registry.md).

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from clearway.persistence.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")
ID = sa.String(200)


def _recorded() -> list[sa.Column[object]]:
    return [
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("txn", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(250), nullable=False),
    ]


def upgrade() -> None:
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "person",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        *_recorded(),
    )
    op.create_table(
        "organisation",
        sa.Column("id", ID, primary_key=True),
        sa.Column("nation", sa.String(8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        *_recorded(),
    )
    programme = op.create_table(
        "programme",
        sa.Column("id", ID, primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("nations", JSON, nullable=True),
        *_recorded(),
    )
    op.create_table(
        "asset",
        sa.Column("id", ID, primary_key=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("originator", sa.String(8), nullable=False),
        *_recorded(),
    )
    op.create_table(
        "clearance",
        sa.Column("id", ID, primary_key=True),
        sa.Column("person_id", ID, sa.ForeignKey("person.id"), nullable=False),
        sa.Column("issuer", sa.String(8), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("granted_hint", UTCDateTime(), nullable=True),
        sa.Column("recognised", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_recorded(),
    )
    op.create_table(
        "facility_clearance",
        sa.Column("id", ID, primary_key=True),
        sa.Column("organisation_id", ID, sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_recorded(),
    )
    op.create_table(
        "visit",
        sa.Column("id", ID, primary_key=True),
        sa.Column("visitor_id", ID, sa.ForeignKey("person.id"), nullable=False),
        sa.Column("host_id", ID, sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("programmes", JSON, nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_until", UTCDateTime(), nullable=True),
        *_recorded(),
    )
    op.create_table(
        "fact",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("txn", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", ID, nullable=False),
        sa.Column("owner", ID, nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("effective_at", UTCDateTime(), nullable=True),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(250), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "supersedes",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("fact.id"),
            nullable=True,
        ),
        sa.Column("retracted", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("supersedes"),
    )
    op.create_index("ix_fact_subject", "fact", ["subject", "id"])
    op.create_index("ix_fact_owner", "fact", ["owner", "id"])
    audit_head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("principal", sa.String(250), nullable=False),
        sa.Column("event", sa.String(80), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    for table in (
        "person",
        "organisation",
        "programme",
        "asset",
        "clearance",
        "facility_clearance",
        "visit",
        "fact",
    ):
        op.create_index(f"ix_{table}_txn", table, ["txn"])
    op.create_index("ix_clearance_person_id", "clearance", ["person_id"])
    op.create_index(
        "ix_facility_clearance_organisation_id", "facility_clearance", ["organisation_id"]
    )
    op.create_index("ix_visit_visitor_id", "visit", ["visitor_id"])

    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    op.bulk_insert(audit_head, [{"id": 1, "seq": 0, "hash": "0" * 64}])
    op.bulk_insert(
        programme,
        [
            {
                "id": "NATO",
                "name": "NATO briefing",
                "nations": None,
                # Built in: recorded "since always", so every replay sees it.
                "recorded_at": datetime(1970, 1, 1, tzinfo=UTC),
                "txn": 0,
                "actor": "system:migration",
            }
        ],
    )


def downgrade() -> None:
    for table in (
        "audit_entry",
        "audit_head",
        "fact",
        "visit",
        "facility_clearance",
        "clearance",
        "asset",
        "programme",
        "organisation",
        "person",
        "change_counter",
    ):
        op.drop_table(table)

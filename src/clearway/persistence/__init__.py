# SPDX-License-Identifier: Apache-2.0
"""Persistence: SQLAlchemy records, the engine, units of work, repositories and migrations.

The only package that imports SQLAlchemy and Alembic. The schema (and the built-in ``NATO``
programme) are created only by migrations.
"""

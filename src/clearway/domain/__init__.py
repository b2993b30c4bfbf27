# SPDX-License-Identifier: Apache-2.0
"""The pure core of clearway: reference data shapes, markings, the clearance lifecycle, the
facts a decision reads, and the decision itself.

It imports only the standard library, ``attrs`` and :mod:`clearway.errors`: no I/O, no clock,
no framework (checked by import-linter). Instants are always passed in.
"""

# SPDX-License-Identifier: Apache-2.0
"""The audit trail: a SHA-256 hash chain over canonical entries, appended in the same
transaction as the change it records (refusals and decisions in their own)."""

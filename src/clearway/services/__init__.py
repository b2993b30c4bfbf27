# SPDX-License-Identifier: Apache-2.0
"""The application layer: the store, the registry's changes, import and export, the decision
index and audited access decisions. Transport-agnostic (no CLI or HTTP imports)."""

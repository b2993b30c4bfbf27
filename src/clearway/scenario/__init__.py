# SPDX-License-Identifier: Apache-2.0
"""Scenario files (SPEC §7): the format, building worlds from it, and the runner."""

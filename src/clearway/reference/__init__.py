# SPDX-License-Identifier: Apache-2.0
"""National reference data: the shipped data files and their loader."""

from clearway.reference.loader import default_data_dir, default_reference, load_reference

__all__ = ["default_data_dir", "default_reference", "load_reference"]

# SPDX-License-Identifier: Apache-2.0
"""clearway: a security-clearance and controlled-information-sharing gateway."""

__version__ = "0.1.0"

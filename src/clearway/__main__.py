# SPDX-License-Identifier: Apache-2.0
"""``python -m clearway``: the command line."""

from clearway.cli import main

main()

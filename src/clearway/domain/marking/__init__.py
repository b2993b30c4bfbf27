# SPDX-License-Identifier: Apache-2.0
"""Markings: the structured marking, its input forms, canonical banner, roll-up and
protect-as translation (SPEC §5)."""

from clearway.domain.marking.model import NOFORN, ORCON, Marking, make_marking
from clearway.domain.marking.parse import Parsed, parse_marking
from clearway.domain.marking.render import display_banner, order_codes, render_banner
from clearway.domain.marking.rollup import roll_up

__all__ = [
    "NOFORN",
    "ORCON",
    "Marking",
    "Parsed",
    "display_banner",
    "make_marking",
    "order_codes",
    "parse_marking",
    "render_banner",
    "roll_up",
]

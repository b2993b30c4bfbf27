# SPDX-License-Identifier: Apache-2.0
"""The one canonical JSON encoding for anything hashed, signed or bound.

UTF-8, NFC strings, sorted keys, no insignificant whitespace, no floats (a float is an error:
its text form is not canonical across platforms).
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

__all__ = ["canonical_json"]


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_normalise(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, float):
        msg = "floats have no canonical encoding; use an integer or a string"
        raise TypeError(msg)
    return value


def canonical_json(value: Any) -> bytes:
    """``value`` as canonical JSON bytes."""
    return json.dumps(
        _normalise(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")

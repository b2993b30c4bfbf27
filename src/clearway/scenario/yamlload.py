# SPDX-License-Identifier: Apache-2.0
"""Strict YAML reading for scenario and world files.

Timestamps stay strings (the schema parses them, so a naive instant is an error instead of a
silent guess), and a key repeated in one mapping is an error instead of the last one winning.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from clearway.errors import ScenarioError

__all__ = ["load_yaml"]


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps and with duplicate-key detection."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            line = key_node.start_mark.line + 1
            msg = f"key `{key}` is repeated (line {line})"
            raise yaml.constructor.ConstructorError(None, None, msg, key_node.start_mark)
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(path: Path, text: str | None = None) -> Any:
    """Parse a YAML file strictly; raises :class:`ScenarioError` naming the file and line."""
    name = str(path)
    try:
        source = path.read_text(encoding="utf-8") if text is None else text
    except OSError as exc:
        raise ScenarioError(name, "", f"cannot be read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(name, "", "is not UTF-8 text") from exc
    try:
        return yaml.load(source, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(name, where, f"is not valid YAML: {problem}") from exc

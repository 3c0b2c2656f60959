"""Typed reading of hand-written YAML (personas, rundowns) with errors that name file, line and field.

The YAML is composed into nodes rather than loaded into plain dicts, so every value keeps the line it came
from: a producer who mistypes a price on line 42 reads "persona.yaml:42: knowledge.products[2].price: ...".
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

#: Largest persona or rundown file accepted, in bytes (hand-written files are far smaller).
MAX_SPEC_BYTES = 2 * 1024 * 1024


class SpecError(ValueError):
    """A file that does not follow its schema. `line` is 1-based (0 when unknown); `field` is a dotted path."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


class Node:
    """One YAML node with its file and dotted field path; accessors check types and raise SpecError."""

    def __init__(self, node: yaml.Node, file: str, path: str) -> None:
        self.node = node
        self.file = file
        self.path = path

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def error(self, message: str) -> SpecError:
        return SpecError(self.file, self.line, self.path, message)

    def _child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    # -- containers ------------------------------------------------------------------------------------------

    def is_null(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag == "tag:yaml.org,2002:null"

    def mapping(self, allowed: tuple[str, ...] | None = None) -> dict[str, Node]:
        """The node as a mapping of field name to child node. Unknown keys are an error when `allowed` is given."""
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error(f"must be a mapping (key: value lines), got {_kind(self.node)}")
        children: dict[str, Node] = {}
        for key_node, value_node in self.node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or not key:
                raise SpecError(self.file, key_node.start_mark.line + 1, self.path, "keys must be plain names")
            if key in children:
                raise SpecError(self.file, key_node.start_mark.line + 1, self._child_path(key),
                                f"duplicate key (first on line {children[key].line})")
            if allowed is not None and key not in allowed:
                raise SpecError(self.file, key_node.start_mark.line + 1, self._child_path(key),
                                f"unknown field; expected one of: {', '.join(allowed)}")
            children[key] = Node(value_node, self.file, self._child_path(key))
        return children

    def items(self, max_items: int = 10_000) -> list[Node]:
        """The node as a list of child nodes."""
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error(f"must be a list, got {_kind(self.node)}")
        if len(self.node.value) > max_items:
            raise self.error(f"has {len(self.node.value)} items; the limit is {max_items}")
        return [Node(child, self.file, self._child_path(i)) for i, child in enumerate(self.node.value)]

    # -- scalars ---------------------------------------------------------------------------------------------

    def _scalar(self) -> Any:
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.error(f"must be a single value, got {_kind(self.node)}")
        return yaml.SafeLoader("").construct_object(self.node)

    def text(self, max_len: int = 2000, non_empty: bool = True) -> str:
        """A string. Numbers are not silently turned into text: quote them in YAML if they are meant as text."""
        value = self._scalar()
        if not isinstance(value, str):
            raise self.error(f"must be text, got {_describe(value)}")
        value = value.strip()
        if non_empty and not value:
            raise self.error("must not be empty")
        if len(value) > max_len:
            raise self.error(f"has {len(value)} characters; the limit is {max_len}")
        return value

    def number(self, low: float | None = None, high: float | None = None, low_open: bool = False) -> float:
        """A finite number within [low, high] (or (low, high] when `low_open`)."""
        value = self._scalar()
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.error(f"must be a number, got {_describe(value)}")
        too_low = low is not None and (value <= low if low_open else value < low)
        if too_low or high is not None and value > high:
            lo = "any" if low is None else f"{'>' if low_open else '>='} {low}"
            hi = "" if high is None else f" and <= {high}"
            raise self.error(f"must be {lo}{hi}, got {value}")
        return float(value)

    def integer(self, low: int, high: int) -> int:
        value = self._scalar()
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be a whole number, got {_describe(value)}")
        if not low <= value <= high:
            raise self.error(f"must be between {low} and {high}, got {value}")
        return value

    def boolean(self) -> bool:
        value = self._scalar()
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, got {_describe(value)}")
        return value

    def choice(self, options: tuple[str, ...]) -> str:
        value = self.text(max_len=200)
        if value not in options:
            raise self.error(f"unknown value {value!r}; expected one of: {', '.join(options)}")
        return value

    def texts(self, max_items: int = 1000, max_len: int = 2000) -> list[str]:
        """A list of strings."""
        return [item.text(max_len=max_len) for item in self.items(max_items)]


class Fields:
    """A mapping node's children with required/optional lookup; reports the mapping's line for missing fields."""

    def __init__(self, node: Node, allowed: tuple[str, ...]) -> None:
        self.node = node
        self.children = node.mapping(allowed)

    def required(self, key: str) -> Node:
        if key not in self.children or self.children[key].is_null():
            raise SpecError(self.node.file, self.node.line, self.node._child_path(key), "is required")
        return self.children[key]

    def optional(self, key: str) -> Node | None:
        child = self.children.get(key)
        return None if child is None or child.is_null() else child

    def __iter__(self) -> Iterator[str]:
        return iter(self.children)


def load_root(path: str | Path, what: str) -> Node:
    """Read and compose a YAML file; syntax errors become SpecError with the line the parser stopped at."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(name, 0, "", f"cannot read {what} file: {exc.strerror or exc}") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(name, 0, "", f"{what} file has {len(raw)} bytes; the limit is {MAX_SPEC_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError(name, line, "", f"{what} file is not UTF-8 text") from None
    return compose(text, name, what)


def compose(text: str, name: str, what: str) -> Node:
    """Compose YAML text (already read) into a root Node."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise SpecError(name, line, "", f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise SpecError(name, 0, "", f"invalid YAML: {exc}") from None
    if root is None:
        raise SpecError(name, 1, "", f"{what} file is empty")
    return Node(root, name, "")


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return _describe(yaml.SafeLoader("").construct_object(node))


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    return f"{type(value).__name__} {value!r}"

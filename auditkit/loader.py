"""Load an audit file and check it, reporting every problem with its position.

Loading reads the YAML safely, keeps the line and column of every key, and
validates the result with the Pydantic models of :mod:`auditkit.spec`. Each
validation error becomes a :class:`~auditkit.errors.Problem` that points at
the key where it happened and says, in words, what was found and what was
expected. :func:`validate_audit` then checks what the models cannot see on
their own: names that must refer to each other, and files that must exist.
Nothing here imports or runs the model under audit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.machinery
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, NoReturn, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, Discriminator, Tag, ValidationError
from pydantic.fields import FieldInfo

from auditkit.errors import DataError, Problem, SpecError, closest, format_choices
from auditkit.population import check_fields, load_records
from auditkit.population.records import READERS
from auditkit.spec import (
    FIELD_KINDS,
    Audit,
    ExpressionField,
    FieldSpec,
    ProtectedAttribute,
    PythonModel,
    SklearnModel,
)

__all__ = [
    "LoadedAudit",
    "check_audit",
    "load_audit",
    "validate_audit",
]

logger = logging.getLogger(__name__)

Key = str | int
KeyPath = tuple[Key, ...]
Position = tuple[int, int]

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_MAX_NODES = 200_000


@dataclass(frozen=True)
class LoadedAudit:
    """A parsed, schema-valid audit file and where everything in it was written.

    Attributes:
        spec: The validated audit.
        path: The audit file, resolved.
        base_dir: Its folder; relative paths in the audit resolve here.
        text: The file as written, for the report.
        sha256: Hex digest of the file's bytes.
        positions: Key path -> (line, column), both 1-based. A mapping key is
            positioned where the key is written, a list item where it starts.
    """

    spec: Audit
    path: Path
    base_dir: Path
    text: str
    sha256: str
    positions: dict[KeyPath, Position]

    def problem(self, path: KeyPath, message: str, hint: str | None = None) -> Problem:
        """Make a problem at ``path``, positioned at its nearest written key."""
        line, column = _nearest(self.positions, path)
        return Problem(message, path, _display(self.path), line, column, hint)


def load_audit(path: str | Path) -> LoadedAudit:
    """Read an audit file and validate it against the audit models.

    Args:
        path: The YAML audit file.

    Returns:
        The audit with its text, digest and the position of every key.

    Raises:
        SpecError: The file is missing, unreadable, not valid YAML or not a
            valid audit; it lists every problem found, sorted by line.
    """
    resolved, raw, text = _read(Path(path))
    file = _display(resolved)
    data, positions, problems = _parse(text, file)

    spec = None
    try:
        spec = Audit.model_validate(data)
    except ValidationError as err:
        problems += _validation_problems(err, data, positions, file)
    if problems or spec is None:
        raise SpecError(_sorted(problems), file=file)

    logger.info("loaded audit %s (%s)", spec.name, file)
    return LoadedAudit(
        spec=spec,
        path=resolved,
        base_dir=resolved.parent,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        positions=positions,
    )


def validate_audit(audit: LoadedAudit) -> list[Problem]:
    """Check what the schema cannot: cross references and files on disk.

    The model is neither imported nor run and no profile is drawn; records
    named by ``population.data`` are read, to learn their columns.

    Returns:
        Every problem found, sorted by line; empty when the audit is sound.
    """
    columns, problems = _record_columns(audit)
    problems += _check_population(audit, columns)
    problems += _check_protected(audit, columns)
    problems += _check_criteria(audit)
    problems += _check_model(audit, columns)
    problems += _check_report(audit)
    return _sorted(problems)


def check_audit(path: str | Path) -> LoadedAudit:
    """Load an audit file and run every check on it.

    Raises:
        SpecError: Listing every problem, when there is any.
    """
    audit = load_audit(path)
    problems = validate_audit(audit)
    if problems:
        raise SpecError(problems, file=_display(audit.path))
    return audit


# -- reading -----------------------------------------------------------------


def _read(path: Path) -> tuple[Path, bytes, str]:
    resolved = path.expanduser().resolve()
    file = _display(resolved)
    if not resolved.exists():
        _fail(
            file, f"audit file not found: {resolved}", _nearby_audits(resolved.parent)
        )
    if resolved.is_dir():
        _fail(
            file, f"{resolved} is a folder, not an audit file", _nearby_audits(resolved)
        )
    try:
        raw = resolved.read_bytes()
    except OSError as err:
        _fail(file, f"cannot read the audit file: {err.strerror or err}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        _fail(file, "the audit file is not UTF-8 text", "save it as UTF-8", line)
    if not text.strip() or _only_comments(text):
        _fail(file, "the audit file is empty", "start with `auditkit: 1` and a `name:`")
    return resolved, raw, text


def _fail(
    file: str, message: str, hint: str | None = None, line: int | None = None
) -> NoReturn:
    problem = Problem(message, file=file, line=line, hint=hint)
    raise SpecError([problem], file=file)


def _nearby_audits(folder: Path) -> str:
    if not folder.is_dir():
        return f"the folder {folder} does not exist either"
    names = sorted(p.name for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
    if not names:
        return f"no .yaml files in {folder}"
    shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    return f"audit files in {folder}: {shown}"


def _only_comments(text: str) -> bool:
    lines = (line.strip() for line in text.splitlines())
    return all(not line or line.startswith("#") for line in lines)


def _display(path: Path) -> str:
    """Name a file as the user most likely knows it: relative to cwd when inside."""
    try:
        return str(path.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


# -- YAML --------------------------------------------------------------------


def _parse(text: str, file: str) -> tuple[Any, dict[KeyPath, Position], list[Problem]]:
    """Compose the YAML safely and build plain data, positions and problems."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        raise SpecError([_yaml_problem(err, file)], file=file) from err
    except yaml.YAMLError as err:
        raise SpecError(
            [Problem(f"not valid YAML: {err}", file=file)], file=file
        ) from err
    if root is None:
        _fail(file, "the audit file is empty", "start with `auditkit: 1` and a `name:`")

    builder = _Builder(file)
    builder.positions[()] = _mark(root)
    data = builder.build(root, ())
    if not isinstance(data, dict):
        line, column = _mark(root)
        problem = Problem(
            f"the audit file must be a mapping of keys, found {_kind_of(data)}",
            file=file,
            line=line,
            column=column,
            hint="start with `auditkit: 1` and `name: my-audit` on separate lines",
        )
        raise SpecError([problem, *builder.problems], file=file)
    return data, builder.positions, builder.problems


def _yaml_problem(err: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    message = "not valid YAML: " + " ".join(
        part for part in (err.context, err.problem) if part
    )
    hint = None
    if err.context_mark is not None and err.context_mark is not mark:
        hint = f"the construct started at line {err.context_mark.line + 1}"
    if "'\\t'" in message:
        hint = "indent with spaces; YAML does not allow tabs"
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    return Problem(message, file=file, line=line, column=column, hint=hint)


def _mark(node: yaml.Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turn a composed YAML node tree into plain data, noting each key's position.

    Only the standard scalar, list and mapping tags are accepted. Merge keys
    (``<<: *defaults``) are honoured the usual way: keys written in the
    mapping win over merged ones, earlier merge sources over later ones.
    """

    def __init__(self, file: str):
        self.file = file
        self.positions: dict[KeyPath, Position] = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")
        self._active: set[int] = set()
        self._count = 0

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self._count += 1
        if self._count > _MAX_NODES:
            problem = self._problem(node, path, "the audit file is too large")
            raise SpecError([problem], file=self.file)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._active:
            self._add(node, path, "an alias refers to itself", "remove the cycle")
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node, path)
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            self._add(node, path, "unsupported YAML node", "use plain YAML")
            return None
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            self._add(node, path, f"unsupported YAML tag {node.tag}", "remove the tag")
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as err:
            kind = node.tag.rsplit(":", 1)[-1]
            message = f"cannot read {node.value!r} as YAML {kind}: {err}"
            self._add(node, path, message, "quote it to keep it as text")
        return None

    def _sequence(self, node: yaml.SequenceNode, path: KeyPath) -> list[Any]:
        if node.tag != _SEQ_TAG:
            self._add(node, path, f"unsupported YAML tag {node.tag}", "remove the tag")
        items = []
        for index, item in enumerate(node.value):
            self.positions[(*path, index)] = _mark(item)
            items.append(self.build(item, (*path, index)))
        return items

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            self._add(node, path, f"unsupported YAML tag {node.tag}", "remove the tag")
        result: dict[str, Any] = {}
        for key, key_node, value_node in self._entries(node, path):
            self.positions[(*path, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _entries(
        self, node: yaml.MappingNode, path: KeyPath
    ) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """Yield (key, key node, value node), written keys first, then merged ones."""
        seen: dict[str, yaml.Node] = {}
        merges: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append((key_node, value_node))
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in seen:
                self._duplicate(key, seen[key], key_node, path)
                continue
            seen[key] = key_node
            yield key, key_node, value_node
        for merge_key, merge in merges:
            for key, key_node, value_node in self._merged(merge_key, merge, path):
                if key not in seen:
                    seen[key] = key_node
                    yield key, key_node, value_node

    def _merged(
        self, merge_key: yaml.Node, merge: yaml.Node, path: KeyPath
    ) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """Yield the entries a `<<` key brings in, earlier sources first."""
        sources = merge.value if isinstance(merge, yaml.SequenceNode) else [merge]
        mappings = [
            source for source in sources if isinstance(source, yaml.MappingNode)
        ]
        if len(mappings) != len(sources):
            hint = "write `<<: *anchor` with an anchored mapping, or a list of them"
            self._add(merge_key, path, "`<<` merges mappings only", hint)
            return
        if any(id(source) in self._active for source in mappings):
            self._add(merge_key, path, "a merge refers to itself", "remove the cycle")
            return
        for source in mappings:
            self._active.add(id(source))
            try:
                yield from self._entries(source, path)
            finally:
                self._active.discard(id(source))

    def _key(self, node: yaml.Node, path: KeyPath) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self._add(node, path, "a key must be a plain name", "write `name: value`")
            return None
        value = self._scalar(node, path)
        if node.tag != _STR_TAG and not isinstance(value, str):
            self._add(
                node,
                (*path, node.value),
                f"key {node.value!r} is read as {_kind_of(value)}, not a name",
                f'quote it: "{node.value}"',
            )
        return node.value if not isinstance(value, str) else value

    def _duplicate(
        self, key: str, first: yaml.Node, again: yaml.Node, path: KeyPath
    ) -> None:
        first_line, again_line = _mark(first)[0], _mark(again)[0]
        self._add(
            again,
            (*path, key),
            f"duplicate key {key!r} at lines {first_line} and {again_line}",
            "keep one; YAML would silently use only one of them",
        )

    def _add(self, node: yaml.Node, path: KeyPath, message: str, hint: str) -> None:
        self.problems.append(self._problem(node, path, message, hint))

    def _problem(
        self, node: yaml.Node, path: KeyPath, message: str, hint: str | None = None
    ) -> Problem:
        line, column = _mark(node)
        return Problem(message, path, self.file, line, column, hint)


# -- validation errors -------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """What the audit models expect at one place: a model, a container or a leaf."""

    kind: Literal["model", "dict", "list", "tagged", "union", "leaf"]
    of: Any = None


@dataclass
class _Located:
    """Where a validation error's ``loc`` lands in the data."""

    path: KeyPath
    missing: KeyPath
    owner: type[BaseModel] | None
    shape: _Shape
    value: Any
    union: tuple[Any, ...] | None


@dataclass
class _Issue:
    """One validation error in words, before it is positioned in the file.

    A type error keeps what was ``expected`` and the ``value`` found, so the
    alternatives of a union can be joined into one message.
    """

    path: KeyPath
    message: str
    hint: str | None = None
    expected: list[str] = dataclasses.field(default_factory=list)
    value: Any = None
    union: tuple[Any, ...] | None = None


def _validation_problems(
    err: ValidationError, data: Any, positions: dict[KeyPath, Position], file: str
) -> list[Problem]:
    issues = []
    for error in err.errors():
        where = _locate(error["loc"], data)
        issue = _issue(error, where)
        issue.union = where.union
        issues.append(issue)
    issues = _merge_alternatives(_drop_unmatched_branches(issues))
    problems = []
    for issue in issues:
        line, column = _nearest(positions, issue.path)
        problems.append(
            Problem(issue.message, issue.path, file, line, column, issue.hint)
        )
    return list(dict.fromkeys(problems))


def _unwrap(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        inner, more = _unwrap(base)
        return inner, (*more, *metadata)
    return annotation, ()


def _shape(annotation: Any, discriminator: Any = None) -> _Shape:
    base, metadata = _unwrap(annotation)
    for item in metadata:
        if isinstance(item, Discriminator | FieldInfo) and item.discriminator:
            discriminator = item.discriminator
    if isinstance(discriminator, Discriminator):
        discriminator = discriminator.discriminator
    origin = get_origin(base)

    if origin in (Union, UnionType):
        members = [arg for arg in get_args(base) if arg is not type(None)]
        if len(members) == 1:
            return _shape(members[0])
        if discriminator is not None:
            return _Shape("tagged", _tags(members, discriminator))
        return _Shape("union", members)
    if isinstance(base, type) and issubclass(base, BaseModel):
        return _Shape("model", base)
    if origin is dict:
        return _Shape("dict", get_args(base)[1])
    if origin in (list, tuple):
        args = get_args(base)
        return _Shape("list", args[0] if args else Any)
    return _Shape("leaf", base)


def _tags(members: list[Any], discriminator: Any) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for member in members:
        base, metadata = _unwrap(member)
        names = [item.tag for item in metadata if isinstance(item, Tag)]
        if not names and isinstance(discriminator, str):
            names = list(get_args(base.model_fields[discriminator].annotation))
        for name in names:
            tags[str(name)] = base
    return tags


def _member_shape(members: list[Any], label: Any) -> _Shape:
    head = str(label).split("[", 1)[0].lower()
    for member in members:
        base, _ = _unwrap(member)
        origin = get_origin(base)
        if origin is Literal:
            name = "literal"
        else:
            name = getattr(origin or base, "__name__", "").lower()
        if name == head:
            return _shape(member)
    return _Shape("leaf")


def _child_shape(shape: _Shape, part: Key) -> _Shape:
    if shape.kind == "model":
        info = shape.of.model_fields.get(part)
        return _shape(info.annotation, info.discriminator) if info else _Shape("leaf")
    if shape.kind in ("dict", "list"):
        return _shape(shape.of)
    return _Shape("leaf")


def _has(value: Any, part: Key) -> bool:
    if isinstance(value, dict):
        return part in value
    return isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)


def _locate(loc: tuple[Key, ...], data: Any) -> _Located:
    """Follow a Pydantic ``loc`` through the data, skipping union tags and labels.

    Discriminated unions put the chosen tag (``choice``, ``sklearn``) in the
    ``loc``, plain unions the member's name (``str``, ``list[...]``); neither
    is a key of the data, and a tag may even equal one, so the models' own
    shapes decide which parts are keys.
    """
    shape, value = _shape(Audit), data
    path: list[Key] = []
    missing: list[Key] = []
    owner: type[BaseModel] | None = None
    union = None
    for index, part in enumerate(loc):
        if shape.kind == "tagged" and str(part) in shape.of:
            shape = _shape(shape.of[str(part)])
            continue
        if shape.kind == "union":
            union = union or tuple(loc[:index])
            shape = _member_shape(shape.of, part)
            continue
        owner = shape.of if shape.kind == "model" else None
        shape = _child_shape(shape, part)
        if missing or not _has(value, part):
            missing.append(part)
            continue
        value = value[part]
        path.append(part)
    return _Located(tuple(path), tuple(missing), owner, shape, value, union)


def _issue(error: Mapping[str, Any], where: _Located) -> _Issue:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    described = _describe_field(where)

    if kind == "missing":
        return _missing(where)
    if kind == "extra_forbidden":
        key = where.path[-1]
        choices = list(where.owner.model_fields) if where.owner else []
        return _Issue(
            where.path, f"unknown key {key!r}", format_choices(str(key), choices)
        )
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _bad_tag(kind, ctx, where)
    if kind == "field_kind":
        return _bad_field_kind(where)
    if kind == "literal_error" and where.union is None and isinstance(value, str):
        return _unknown_value(where, value, _quoted(ctx.get("expected", "")))
    if kind == "literal_error":
        choices = _quoted(ctx.get("expected", "")) or [str(ctx.get("expected"))]
        expected = "one of " + ", ".join(choices) if len(choices) > 1 else choices[0]
        hint = format_choices(str(value), choices) if len(choices) > 1 else described
        return _type_issue(where, expected, value, hint)
    if kind in _EXPECTED:
        return _type_issue(where, _EXPECTED[kind], value, _quote_hint(kind, value))
    if kind in _LIMITS:
        message = _LIMITS[kind].format(**ctx) + f", found {_show(value)}"
        return _Issue(where.path, message, described)
    if kind == "string_pattern_mismatch":
        message = f"{_show(value)} does not match the pattern {ctx.get('pattern')}"
        return _Issue(where.path, message, described)
    if kind in ("value_error", "assertion_error"):
        return _Issue(where.path, str(ctx.get("error", error["msg"])), described)
    return _Issue(where.path, f"{error['msg']}, found {_show(value)}", described)


_EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true/false",
    "bool_parsing": "true/false",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "none_required": "null",
}

_LIMITS = {
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "too_short": "needs at least {min_length} item(s)",
    "too_long": "takes at most {max_length} item(s)",
    "string_too_short": "needs at least {min_length} character(s)",
    "string_too_long": "takes at most {max_length} character(s)",
    "finite_number": "must be a finite number",
}


def _missing(where: _Located) -> _Issue:
    key = where.missing[0] if where.missing else "?"
    if isinstance(key, int):
        return _Issue(where.path, f"missing item [{key}]", _describe_field(where))
    description = _description(where.owner, key)
    return _Issue(where.path, f"missing required key {key!r}", description)


def _unknown_value(where: _Located, value: str, choices: list[str]) -> _Issue:
    names = [part for part in where.path if isinstance(part, str)]
    what = f"{names[-1]} " if names else "value "
    return _Issue(
        where.path, f"unknown {what}{value!r}", format_choices(value, choices)
    )


def _bad_tag(kind: str, ctx: Mapping[str, Any], where: _Located) -> _Issue:
    key = str(ctx.get("discriminator", "type")).strip("'")
    choices = list(where.shape.of) if where.shape.kind == "tagged" else []
    owner = str(where.path[-1]) if where.path else "value"
    if kind == "union_tag_not_found":
        hint = f"add `{key}:` with one of " + ", ".join(choices)
        return _Issue(where.path, f"missing required key {key!r}", hint)
    tag = ctx.get("tag")
    path = (*where.path, key) if _has(where.value, key) else where.path
    return _Issue(
        path, f"unknown {owner} {key} {tag!r}", format_choices(str(tag), choices)
    )


def _bad_field_kind(where: _Located) -> _Issue:
    value = where.value
    kinds = ", ".join(FIELD_KINDS)
    if not isinstance(value, dict):
        message = f"expected a mapping with one of {kinds}, found {_show(value)}"
        return _Issue(where.path, message, "e.g. {provider: person.first_name}")
    present = [kind for kind in FIELD_KINDS if kind in value]
    if present:
        message = "a field takes one kind, found " + " and ".join(present)
        return _Issue(where.path, message, "keep one of them")
    guesses = [guess for key in value for guess in closest(str(key), FIELD_KINDS)[:1]]
    hint = f"did you mean {guesses[0]!r}? " if guesses else ""
    message = "a field needs one of the keys " + kinds
    found = "keys " + ", ".join(map(repr, value)) if value else "no keys"
    return _Issue(where.path, f"{message}; found {found}", f"{hint}valid: {kinds}")


def _type_issue(where: _Located, expected: str, value: Any, hint: str | None) -> _Issue:
    message = f"expected {expected}, found {_show(value)}"
    return _Issue(where.path, message, hint, [expected], value)


def _quote_hint(kind: str, value: Any) -> str | None:
    scalar = value is not None and not isinstance(value, list | dict)
    if kind == "string_type" and scalar:
        return f'quote it to make it a string: "{_text(value)}"'
    if kind == "list_type" and scalar:
        return f"write a list, e.g. [{_text(value)}]"
    return None


def _drop_unmatched_branches(issues: list[_Issue]) -> list[_Issue]:
    """Within a plain union, drop the members whose container type did not fit.

    ``values: {Male: [1]}`` fails as a list and inside the mapping; only the
    error inside the mapping helps.
    """
    deepest: dict[tuple[Any, ...], int] = {}
    for issue in issues:
        if issue.union is not None:
            depth = deepest.get(issue.union, 0)
            deepest[issue.union] = max(depth, len(issue.path))
    return [
        issue
        for issue in issues
        if issue.union is None or len(issue.path) == deepest[issue.union]
    ]


def _merge_alternatives(issues: list[_Issue]) -> list[_Issue]:
    """Join type errors at one key into one 'expected a string or a number'."""
    merged: list[_Issue] = []
    by_path: dict[KeyPath, _Issue] = {}
    for issue in issues:
        first = by_path.get(issue.path)
        if not issue.expected or first is None:
            merged.append(issue)
            if issue.expected:
                by_path[issue.path] = issue
            continue
        first.expected += issue.expected
        first.hint = first.hint or issue.hint
        expected = _join_or(_plain(first.expected))
        first.message = f"expected {expected}, found {_show(first.value)}"
    return merged


def _plain(expected: list[str]) -> list[str]:
    unique = list(dict.fromkeys(expected))
    if "a number" in unique and "a whole number" in unique:
        unique.remove("a whole number")
    return unique


def _join_or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _quoted(expected: str) -> list[str]:
    quoted = re.findall(r"'([^']*)'", expected)
    return quoted or [part.strip() for part in re.split(r",| or ", expected) if part]


def _description(owner: type[BaseModel] | None, key: Key) -> str | None:
    info = owner.model_fields.get(str(key)) if owner else None
    return info.description if info else None


def _describe_field(where: _Located) -> str | None:
    key = (where.missing or where.path or ("",))[-1]
    return _description(where.owner, key)


def _kind_of(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true/false"
    names = {str: "a string", int: "a whole number", float: "a number"}
    names |= {list: "a list", dict: "a mapping"}
    return names.get(type(value), f"a {type(value).__name__}")


def _text(value: Any) -> str:
    """A value as it reads in YAML, shortened to fit a message."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = "null" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _show(value: Any) -> str:
    """A found value and its kind, e.g. ``'ten' (a string)``."""
    if value is None:
        return "an empty value"
    text = repr(_text(value)) if isinstance(value, str) else _text(value)
    return f"{text} ({_kind_of(value)})"


# -- positions ---------------------------------------------------------------


def _nearest(
    positions: Mapping[KeyPath, Position], path: KeyPath
) -> tuple[int | None, int | None]:
    for end in range(len(path), -1, -1):
        if path[:end] in positions:
            return positions[path[:end]]
    return None, None


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    def key(problem: Problem) -> tuple[int, int, str]:
        return (problem.line or 0, problem.column or 0, problem.key)

    return sorted(dict.fromkeys(problems), key=key)


# -- semantic checks -------------------------------------------------------


def _record_columns(audit: LoadedAudit) -> tuple[list[str] | None, list[Problem]]:
    """The columns of ``population.data``; None when there is no reading them.

    The records are read as the run reads them (and cached for it), so a file
    the run cannot read fails here first.
    """
    population = audit.spec.population
    if population.data is None:
        return [], []
    path: KeyPath = ("population", "data")
    resolved = (audit.base_dir / population.data).resolve()
    if resolved.suffix.lower() not in READERS:
        found = f"'{resolved.suffix}'" if resolved.suffix else "no suffix"
        hint = "use one of " + ", ".join(sorted(READERS))
        return None, [audit.problem(path, f"unsupported records file: {found}", hint)]
    missing = _check_file(audit, path, resolved, "records file")
    if missing:
        return None, missing
    try:
        records = load_records(
            population, base_dir=audit.base_dir, seed=audit.spec.seed
        )
    except DataError as err:
        return None, [audit.problem(path, err.message, err.hint)]
    if records is None:  # only without `data`, handled above
        return [], []
    return [str(column) for column in records.columns], []


def _check_file(
    audit: LoadedAudit, path: KeyPath, resolved: Path, what: str
) -> list[Problem]:
    if resolved.is_file():
        return []
    hint = f"paths are relative to the audit's folder {audit.base_dir}"
    if resolved.is_dir():
        return [audit.problem(path, f"{what} is a folder: {resolved}", hint)]
    return [audit.problem(path, f"{what} not found: {resolved}", hint)]


def _check_fields(
    audit: LoadedAudit,
    fields: Mapping[str, FieldSpec],
    columns: list[str] | None,
    prefix: KeyPath,
    label: str | None = None,
) -> list[Problem]:
    """Run the population's field checks and place each problem in the file.

    A problem's path starts at the field name; ``prefix`` goes before it and
    ``label`` (of a linked field) after it. Without the record columns
    (``None``) expressions cannot be checked, so only the other fields are.
    """
    if columns is None:
        fields = {
            name: spec
            for name, spec in fields.items()
            if not isinstance(spec, ExpressionField)
        }
    locale = audit.spec.population.locale
    inserted = () if label is None else (label,)
    problems = []
    for problem in check_fields(fields, locale=locale, columns=columns or ()):
        field, *rest = problem.path
        path = (*prefix, field, *inserted, *rest)
        line, column = _nearest(audit.positions, path)
        problems.append(
            dataclasses.replace(
                problem, path=path, file=_display(audit.path), line=line, column=column
            )
        )
    return problems


def _check_population(audit: LoadedAudit, columns: list[str] | None) -> list[Problem]:
    fields = audit.spec.population.fields
    return _check_fields(audit, fields, columns, ("population", "fields"))


def _check_protected(audit: LoadedAudit, columns: list[str] | None) -> list[Problem]:
    problems = []
    for name, attribute in audit.spec.protected.items():
        problems += _check_attribute(audit, name, attribute)
        for field, specs in attribute.linked.items():
            problems += _check_linked(audit, name, attribute.labels, field, specs)
            problems += _check_linked_fields(audit, name, field, specs, columns)
    return problems + _check_columns(audit)


def _check_attribute(
    audit: LoadedAudit, name: str, attribute: ProtectedAttribute
) -> list[Problem]:
    path: KeyPath = ("protected", name)
    problems = []
    if name == "joint":
        problems.append(
            audit.problem(
                path,
                "'joint' cannot name a protected attribute",
                "the results use 'joint' for figures over all attributes; rename it",
            )
        )
    reference = attribute.reference
    if reference is not None and reference not in attribute.labels:
        problems.append(
            audit.problem(
                (*path, "reference"),
                f"reference {reference!r} is not one of the values",
                format_choices(reference, attribute.labels),
            )
        )
    return problems


def _check_linked(
    audit: LoadedAudit,
    name: str,
    labels: list[str],
    field: str,
    specs: Mapping[str, FieldSpec],
) -> list[Problem]:
    """A linked field needs a spec for each value of its attribute, and no other."""
    path: KeyPath = ("protected", name, "linked", field)
    problems = [
        audit.problem(
            (*path, label),
            f"{label!r} is not a value of {name!r}",
            format_choices(label, labels),
        )
        for label in specs
        if label not in labels
    ]
    absent = [repr(label) for label in labels if label not in specs]
    if absent:
        hint = "a linked field needs one spec per value: " + ", ".join(labels)
        problems.append(audit.problem(path, f"no spec for {_join_or(absent)}", hint))
    return problems


def _check_linked_fields(
    audit: LoadedAudit,
    name: str,
    field: str,
    specs: Mapping[str, FieldSpec],
    columns: list[str] | None,
) -> list[Problem]:
    known = None if columns is None else [*columns, *audit.spec.population.fields]
    prefix = ("protected", name, "linked")
    problems = []
    for label, spec in specs.items():
        problems += _check_fields(audit, {field: spec}, known, prefix, label)
    return problems


def _check_columns(audit: LoadedAudit) -> list[Problem]:
    """Model columns of attributes must differ from each other and from fields."""
    fields = audit.spec.population.fields
    owners: dict[str, str] = {}
    problems = []
    for name, attribute in audit.spec.protected.items():
        column = attribute.column or name
        path = (
            ("protected", name, "column") if attribute.column else ("protected", name)
        )
        if column in owners:
            problems.append(
                audit.problem(
                    path,
                    f"column {column!r} already carries attribute {owners[column]!r}",
                    "each attribute needs its own model column; set `column`",
                )
            )
        owners.setdefault(column, name)
        if column in fields:
            problems.append(
                audit.problem(
                    path,
                    f"column {column!r} is also a population field",
                    "every clone overwrites this column with the attribute's value, "
                    "so the field would never reach the model; rename the field or "
                    "set `column`",
                )
            )
    return problems


def _check_criteria(audit: LoadedAudit) -> list[Problem]:
    protected = audit.spec.protected
    problems = []
    for index, criterion in enumerate(audit.spec.criteria):
        path: KeyPath = ("criteria", index)
        if criterion.attribute is None:
            continue
        attribute = protected.get(criterion.attribute)
        if attribute is None:
            problems.append(
                audit.problem(
                    (*path, "attribute"),
                    f"no protected attribute {criterion.attribute!r}",
                    format_choices(criterion.attribute, protected),
                )
            )
        elif criterion.group is not None and criterion.group not in attribute.labels:
            problems.append(
                audit.problem(
                    (*path, "group"),
                    f"{criterion.group!r} is not a value of {criterion.attribute!r}",
                    format_choices(criterion.group, attribute.labels),
                )
            )
    return problems


def _check_model(audit: LoadedAudit, columns: list[str] | None) -> list[Problem]:
    model = audit.spec.model
    problems = _check_features(audit, model.features or [], columns)
    if isinstance(model, PythonModel):
        return problems + _check_target(audit, model.target)

    resolved = (audit.base_dir / model.path).resolve()
    problems += _check_file(audit, ("model", "path"), resolved, "model file")
    if isinstance(model, SklearnModel) and not model.trust:
        problems.append(
            audit.problem(
                ("model", "trust"),
                "loading a pickled model runs any code stored in the file",
                "set `trust: true` only for files you trust, or save the model "
                "with skops and use `type: skops`",
            )
        )
    return problems


def _check_features(
    audit: LoadedAudit, features: list[str], columns: list[str] | None
) -> list[Problem]:
    """Features are listed once each and name columns the audit gives the model."""
    available = None if columns is None else _model_columns(audit.spec, columns)
    hidden = [
        name for name, spec in audit.spec.population.fields.items() if not spec.input
    ]
    first: dict[str, int] = {}
    problems = []
    for index, feature in enumerate(features):
        path = ("model", "features", index)
        if feature in first:
            message = (
                f"feature {feature!r} is listed twice, also as item [{first[feature]}]"
            )
            problems.append(audit.problem(path, message, "list each column once"))
        elif feature in hidden:
            message = f"feature {feature!r} is a field with `input: false`"
            hint = "remove `input: false` from the field, or the feature from the list"
            problems.append(audit.problem(path, message, hint))
        elif available is not None and feature not in available:
            message = f"feature {feature!r} is not a column the audit makes"
            problems.append(
                audit.problem(path, message, format_choices(feature, available))
            )
        first.setdefault(feature, index)
    return problems


def _model_columns(spec: Audit, records: list[str]) -> list[str]:
    """Columns the model can read: records and fields, protected, linked."""
    fields = spec.population.fields
    base = [*records, *(name for name, field in fields.items() if field.input)]
    protected = [attribute.column or name for name, attribute in spec.protected.items()]
    linked = [
        field for attribute in spec.protected.values() for field in attribute.linked
    ]
    return list(dict.fromkeys([*base, *protected, *linked]))


def _check_target(audit: LoadedAudit, target: str) -> list[Problem]:
    """The module is a file or package in the audit's folder, or installed."""
    module = target.split(":", 1)[0]
    parts = module.split(".")
    stem = audit.base_dir.joinpath(*parts)
    candidates = [stem.with_suffix(".py"), stem / "__init__.py"]
    if any(path.is_file() for path in candidates) or stem.is_dir():
        return []
    if not audit.base_dir.joinpath(parts[0]).exists() and _installed(parts[0]):
        return []
    looked = " and ".join(str(path) for path in candidates)
    return [
        audit.problem(
            ("model", "target"),
            f"module {module!r} not found: looked for {looked}",
            "`target` is module:attr, importable from the audit's folder",
        )
    ]


def _installed(top_level: str) -> bool:
    """Say whether a top-level module is importable, without importing anything."""
    if top_level in sys.builtin_module_names:
        return True
    return importlib.machinery.PathFinder.find_spec(top_level) is not None


def _check_report(audit: LoadedAudit) -> list[Problem]:
    templates = audit.spec.report.templates
    if templates is None:
        return []
    resolved = (audit.base_dir / templates).resolve()
    if resolved.is_dir():
        return []
    what = "is a file, not a folder" if resolved.exists() else "not found"
    return [
        audit.problem(
            ("report", "templates"),
            f"templates folder {what}: {resolved}",
            f"paths are relative to the audit's folder {audit.base_dir}",
        )
    ]

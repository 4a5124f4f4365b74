"""Tests of the audit file's JSON Schema and its committed copy."""

from __future__ import annotations

import json
from pathlib import Path

from auditkit.schema import JSON_SCHEMA_DIALECT, audit_schema, schema_text, write_schema
from auditkit.spec import FIELD_KINDS

COMMITTED = Path(__file__).parents[1] / "schemas" / "audit.schema.json"


def _keys_in_order(value: object) -> bool:
    if isinstance(value, dict):
        return list(value) == sorted(value) and all(map(_keys_in_order, value.values()))
    if isinstance(value, list):
        return all(map(_keys_in_order, value))
    return True


def test_committed_schema_is_current() -> None:
    """Check that schemas/audit.schema.json matches the spec models."""
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), (
        "schemas/audit.schema.json is stale; regenerate it with "
        "`auditkit schema --out schemas/audit.schema.json`"
    )


def test_write_schema_writes_sorted_json_with_trailing_newline(tmp_path: Path) -> None:
    """Check that the written file parses back to the schema and ends in a newline."""
    path = tmp_path / "out" / "audit.schema.json"

    write_schema(path)

    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert json.loads(text) == audit_schema()
    assert text == json.dumps(audit_schema(), indent=2, sort_keys=True) + "\n"
    assert [p.name for p in path.parent.iterdir()] == ["audit.schema.json"]


def test_write_schema_is_byte_identical_across_runs(tmp_path: Path) -> None:
    """Check that writing twice gives the same bytes."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"

    write_schema(first)
    write_schema(second)

    assert first.read_bytes() == second.read_bytes()


def test_schema_keys_are_sorted_at_every_depth() -> None:
    """Check that every mapping in the schema lists its keys in sorted order."""
    assert _keys_in_order(audit_schema())


def test_schema_names_dialect_title_and_required_keys() -> None:
    """Check the schema's dialect, title and the keys every audit must have."""
    schema = audit_schema()

    assert schema["$schema"] == JSON_SCHEMA_DIALECT
    assert schema["title"] == "auditkit audit file"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {
        "auditkit",
        "name",
        "model",
        "population",
        "protected",
    }


def test_schema_offers_each_model_type_and_field_kind() -> None:
    """Check that editors see the three model types and the five field kinds."""
    schema = audit_schema()
    defs = schema["$defs"]

    mapping = schema["properties"]["model"]["discriminator"]["mapping"]
    assert sorted(mapping) == ["python", "sklearn", "skops"]
    fields = defs["PopulationSpec"]["properties"]["fields"]["additionalProperties"]
    kinds = [defs[ref["$ref"].rsplit("/", 1)[1]] for ref in fields["oneOf"]]
    assert [kind["required"] for kind in kinds] == [[kind] for kind in FIELD_KINDS]


def test_every_property_has_a_description() -> None:
    """Check that every key an editor completes comes with its description."""
    schema = audit_schema()
    models = [schema, *schema["$defs"].values()]

    undocumented = [
        f"{model['title']}.{name}"
        for model in models
        for name, prop in model.get("properties", {}).items()
        if not prop.get("description")
    ]

    assert undocumented == []

"""The JSON Schema of audit files, generated from the audit models.

Editors that read JSON Schema (through the ``# yaml-language-server:
$schema=...`` comment at the top of an audit file) complete keys, show each
field's description and flag mistakes while the audit is typed. The
committed ``schemas/audit.schema.json`` is regenerated with
``auditkit schema --out schemas/audit.schema.json``; a test fails when it is
stale.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from auditkit._io import atomic_write
from auditkit.spec import Audit

__all__ = ["JSON_SCHEMA_DIALECT", "audit_schema", "schema_text", "write_schema"]

logger = logging.getLogger(__name__)

#: The JSON Schema dialect Pydantic generates.
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def audit_schema() -> dict[str, Any]:
    """Return the JSON Schema of audit files, with keys in sorted order."""
    schema = {"$schema": JSON_SCHEMA_DIALECT, **Audit.model_json_schema()}
    return _sort_keys(schema)


def schema_text() -> str:
    """Return the schema as written to disk: sorted keys, two-space indent."""
    return (
        json.dumps(audit_schema(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    )


def write_schema(path: str | Path) -> None:
    """Write the schema to ``path`` atomically, ending with a newline."""
    atomic_write(path, schema_text())
    logger.info("wrote the audit schema to %s", path)


def _sort_keys(value: Any) -> Any:
    """Sort mapping keys at every depth; lists keep their order (it means something)."""
    if isinstance(value, dict):
        return {key: _sort_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sort_keys(item) for item in value]
    return value

"""The result of an audit run and its ``results.json`` form."""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .loader import LoadedAudit

__all__ = ["EXIT_CODES", "AuditResult", "created_at", "provenance", "to_json"]

#: Exit code of each verdict on the command line.
EXIT_CODES = {"pass": 0, "fail": 1, "inconclusive": 4}

_VERSIONED = ("auditkit", "mimesis", "pandas", "numpy", "scikit-learn")


@functools.cache
def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def created_at() -> str | None:
    """The run's one timestamp: ``SOURCE_DATE_EPOCH`` when set, else none.

    Leaving the wall clock out keeps ``results.json`` byte-identical across
    reruns; set ``SOURCE_DATE_EPOCH`` to stamp a run.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    try:
        moment = datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _git_state(audit: LoadedAudit) -> tuple[dict | None, str]:
    """Commit and dirtiness of the audit's repository, and the audit's path in it.

    The audit's own report folder is left out of the dirty check, so writing
    a report does not change the next run's results.
    """
    root = _git(audit.base_dir, "rev-parse", "--show-toplevel")
    if root is None:
        return None, audit.path.name
    commit = _git(audit.base_dir, "rev-parse", "HEAD")
    report_dir = (audit.base_dir / audit.spec.report.directory).resolve()
    status = _git(
        audit.base_dir,
        "status",
        "--porcelain",
        "--",
        str(Path(root)),
        f":(exclude){report_dir}",
    )
    relative = audit.path.resolve().relative_to(Path(root).resolve()).as_posix()
    return {"commit": commit, "dirty": bool(status)}, relative


def provenance(audit: LoadedAudit) -> tuple[dict, str]:
    """Where the run came from, and the audit's path within its repository.

    Returns:
        The ``provenance`` mapping (interpreter, platform, versions, git state)
        and the audit file's path relative to its repository root (its file
        name outside a repository).
    """
    git, relative = _git_state(audit)
    versions = {name: _version(name) for name in _VERSIONED}
    versions["auditkit"] = __version__
    details = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "git": git,
    }
    return details, relative


def to_json(data: dict) -> str:
    """Serialise results deterministically: sorted keys, two-space indent."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@dataclass
class AuditResult:
    """What an audit run found; ``to_dict()`` is ``results.json``."""

    audit: LoadedAudit
    seed: int
    verdict: str
    metrics: dict
    criteria: list[dict]
    examples: list[dict]
    model: dict
    population: dict
    matrix: dict
    warnings: list[str] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)
    audit_path: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def name(self) -> str:
        return self.audit.spec.name

    def to_dict(self) -> dict[str, Any]:
        spec = self.audit.spec
        return {
            "auditkit_version": __version__,
            "verdict": self.verdict,
            "passed": self.passed,
            "seed": self.seed,
            "confidence": spec.confidence,
            "created": created_at(),
            "audit": {
                "name": spec.name,
                "title": spec.title,
                "description": spec.description,
                "path": self.audit_path,
                "sha256": self.audit.sha256,
                "source": self.audit.text,
            },
            "model": self.model,
            "population": self.population,
            "matrix": self.matrix,
            "metrics": self.metrics,
            "criteria": self.criteria,
            "examples": self.examples,
            "warnings": self.warnings,
            "provenance": self.provenance,
        }

    def to_json(self) -> str:
        return to_json(self.to_dict())

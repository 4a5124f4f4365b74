"""auditkit: counterfactual bias audits for machine-learning models.

>>> import auditkit
>>> audit = auditkit.load_audit("audits/loan-approval-gender.yaml")
>>> result = auditkit.run_audit(audit)
>>> result.verdict, result.metrics["joint"]["flip_rate"]["value"]
"""

from __future__ import annotations

from ._version import __version__
from .api import load_audit, run_and_report, run_audit, write_reports
from .errors import AuditError, AuditWarning, DataError, ModelError, SpecError
from .results import AuditResult

__all__ = [
    "AuditError",
    "AuditResult",
    "AuditWarning",
    "DataError",
    "ModelError",
    "SpecError",
    "__version__",
    "load_audit",
    "run_and_report",
    "run_audit",
    "write_reports",
]

"""Models used by the example audits."""

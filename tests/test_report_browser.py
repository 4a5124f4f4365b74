"""The HTML report in a real headless Chromium.

Chromium prints the report to PDF, the way a reader would with "Print to PDF",
and the text of the printed pages must hold the verdict and every criterion.
This checks what is rendered (CSS applied, nothing hidden by print styles), not
just the markup.

Without a local Chromium the test is skipped on a developer's machine; in CI
(``CI`` set) a missing browser fails it, since .ci/run installs one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from auditkit.report import build_view, render

FIXTURES = Path(__file__).parent / "fixtures"
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must check the HTML report in a real browser")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in _BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    _unavailable("no Chromium found on PATH (Debian package: chromium)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def pypdf():
    try:
        import pypdf
    except ImportError:
        _unavailable("pypdf is not installed (pip install '.[test]')")
    return pypdf


def _print_to_pdf(chromium: str, html: Path, pdf: Path, profile: Path) -> None:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        html.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and pdf.exists(), done.stderr[-2000:]


def _squash(text: str) -> str:
    # PDF text comes back with ligatures (fi, ff) and with line breaks wherever
    # the layout wrapped.
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize(
    ("name", "verdict"),
    [("loan", "FAIL"), ("intersectional", "INCONCLUSIVE")],
)
def test_printed_report_shows_the_verdict_and_every_criterion(
    chromium, pypdf, tmp_path, name, verdict
):
    """Check that page one says the verdict and why; every criterion is printed."""
    results = json.loads(
        (FIXTURES / f"results_{name}.json").read_text(encoding="utf-8")
    )
    html = tmp_path / "report.html"
    html.write_text(render(results, "html"), encoding="utf-8")
    pdf = tmp_path / "report.pdf"

    _print_to_pdf(chromium, html, pdf, tmp_path / "profile")
    reader = pypdf.PdfReader(pdf)
    pages = [page.extract_text() for page in reader.pages]
    first_page, text = _squash(pages[0]), _squash("".join(pages))

    assert verdict in first_page
    assert _squash(results["audit"]["title"]) in first_page
    assert _squash(build_view(results).findings[0].sentence) in first_page
    for criterion in results["criteria"]:
        assert _squash(criterion["label"]) in text
    assert "Limitations" in text
    assert "Provenance" in text
    assert 1 < len(pages) < 20

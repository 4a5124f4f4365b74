"""What the engine adds to the model's own time, its memory, and its speed-ups.

Run with ``python -m tests.benchmarks.bench_engine`` (about two minutes on
two cores). It prints five figures, each against its target:

a. audit time / bare ``predict_proba`` time on the same matrix: 1,000,000
   profiles x 2 values, an 8-field population, HistGradientBoostingClassifier;
b. the same ratio for LogisticRegression, so cheap that the engine shows;
c. auditkit against a row-by-row loop of dicts with Mimesis, on the loan
   audit's profile (uuid and income), 1,000,000 profiles;
d. peak resident memory of the audit of (a) at 1,000,000 and at 10,000,000
   profiles, each in a fresh process (equal within 1%: page-level noise);
e. per-group selection rates and parity on 2,000,000 predictions, against
   fairlearn's MetricFrame, with the figures compared.

Both sides of a ratio run in this process, interleaved, best of several runs,
so the ratios hold across machines better than the absolute times.
``--profiles N`` scales (a), (b), (c) and (e) down for a quick look;
``--only a,c`` runs some figures only.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

import auditkit
from auditkit import engine, population
from auditkit.loader import LoadedAudit
from auditkit.matrix import expand
from auditkit.metrics import reduce_chunk, summarize

REPO = Path(__file__).resolve().parents[2]
LOAN_AUDIT = REPO / "audits" / "loan-approval-gender.yaml"
MIB, GIB = 2**20, 2**30

# Eight fields: Mimesis providers, choices, distributions and an expression.
FIELDS = """\
    applicant_id: {provider: cryptographic.uuid, input: false}
    income: {provider: numeric.integer_number, args: {start: 20000, end: 150000}}
    state: {provider: address.state}
    age: {distribution: integers, args: {low: 18, high: 75}}
    credit_score: {distribution: normal, args: {loc: 680, scale: 60}, clip: [300, 850]}
    employment:
      choice: [employed, self-employed, unemployed]
      weights: [0.7, 0.2, 0.1]
    debt: {distribution: lognormal, args: {mean: 9, sigma: 1}, round: 0}
    debt_ratio: {expression: "debt / income"}
"""
NUMERIC = ["income", "age", "credit_score", "debt", "debt_ratio", "Gender_Code"]


def _audit_text(model_file: str, size: int, features: list[str] | None) -> str:
    declared = f"\n  features: [{', '.join(features)}]" if features else ""
    return (
        "auditkit: 1\nname: bench\nseed: 1\n"
        f"model:\n  type: sklearn\n  path: {model_file}\n  trust: true\n"
        f"  favorable: 1{declared}\n"
        f"population:\n  size: {size}\n  fields:\n{FIELDS}"
        "protected:\n  gender:\n    column: Gender_Code\n"
        "    values: {Male: 1, Female: 0}\n"
        "criteria:\n  - metric: flip_rate\n    max: 0.01\n"
    )


def _write_audits(folder: Path, size: int) -> dict[str, Path]:
    """Fit both models on profiles auditkit draws, and write their audits."""
    for name in ("hgb", "logistic"):
        (folder / f"{name}.joblib").touch()  # the loader checks the path exists
    draft = folder / "draft.yaml"
    draft.write_text(_audit_text("hgb.joblib", 50_000, None))
    spec = auditkit.load_audit(draft).spec
    history = population.generate(
        spec.population, seed=99, start=0, stop=50_000, base_dir=folder
    )
    rng = np.random.default_rng(0)
    history["Gender_Code"] = rng.integers(0, 2, len(history))
    merit = (history["income"] > 60_000) & (history["credit_score"] > 650)
    favoured = (history["Gender_Code"] == 1) & (history["debt_ratio"] < 0.5)
    labels = ((merit | favoured) ^ (rng.random(len(history)) < 0.1)).astype(int)

    inputs = [c for c in history.columns if c != "applicant_id"]
    boosted = HistGradientBoostingClassifier(
        categorical_features="from_dtype", random_state=0
    )
    joblib.dump(boosted.fit(history[inputs], labels), folder / "hgb.joblib")
    logistic = LogisticRegression(max_iter=1_000)
    joblib.dump(logistic.fit(history[NUMERIC], labels), folder / "logistic.joblib")

    paths = {}
    for name, features in (("hgb", None), ("logistic", NUMERIC)):
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(_audit_text(f"{name}.joblib", size, features))
    return paths


def _best(action: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - began)
    return best


def _model_matrix(audit: LoadedAudit) -> tuple[Any, pd.DataFrame]:
    """The fitted estimator and the whole matrix the engine gives it."""
    plan, model = engine.plan_audit(audit)
    base = engine._base_profiles(plan, 0, plan.size, full=False)
    linked = engine._linked_fields(plan, 0, plan.size, names=plan.features)
    matrix = expand(
        base, plan.design, linked=linked, columns=plan.features, labels=False
    )
    return model.predictor, matrix


def overhead_ratio(path: Path, repeats: int) -> tuple[float, float, float]:
    """(audit seconds, bare predict_proba seconds, ratio), best of ``repeats``."""
    audit = auditkit.load_audit(path)
    auditkit.run_audit(audit, size=20_000)
    estimator, matrix = _model_matrix(audit)
    estimator.predict_proba(matrix.iloc[:1000])
    bare = audited = float("inf")
    for _ in range(repeats):  # interleaved, so both see the same machine
        bare = min(bare, _best(lambda: estimator.predict_proba(matrix), 1))
        audited = min(audited, _best(lambda: auditkit.run_audit(audit), 1))
    return audited, bare, audited / bare


def tutorial_loop(model: Any, profiles: int, seed: int = 42) -> float:
    """The row-by-row audit tutorials write: dicts from Mimesis, cloned by hand.

    Returns the share of profiles whose decision changes with gender.
    """
    from mimesis import Generic

    generic = Generic(seed=seed)
    rows = []
    for _ in range(profiles):
        applicant = {
            "applicant_id": generic.cryptographic.uuid(),
            "income": generic.numeric.integer_number(40_000, 70_000),
        }
        for gender_code in (1, 0):
            rows.append({**applicant, "Gender_Code": gender_code})
    frame = pd.DataFrame(rows)
    decisions = model.predict(frame[["Gender_Code", "income"]])
    return float(np.mean(decisions[0::2] != decisions[1::2]))


def loop_speedup(profiles: int, repeats: int) -> tuple[float, float, float]:
    """(loop seconds, auditkit seconds, speed-up) on the loan audit's profile."""
    audit = auditkit.load_audit(LOAN_AUDIT)
    auditkit.run_audit(audit, size=20_000)
    model = engine.load_model(audit.spec.model, audit.base_dir).predictor

    began = time.perf_counter()
    loop_flips = tutorial_loop(model, profiles)
    loop = time.perf_counter() - began
    ours = _best(lambda: auditkit.run_audit(audit, size=profiles), repeats)
    flips = auditkit.run_audit(audit, size=profiles).metrics["joint"]["flip_rate"]
    if abs(flips["value"] - loop_flips) > 0.01:
        raise SystemExit(f"flip rates disagree: {flips['value']} vs {loop_flips}")
    return loop, ours, loop / ours


def peak_memory(path: Path, size: int) -> int:
    """Peak resident bytes of one audit of ``size`` profiles in a fresh process."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            __spec__.name,
            "--peak",
            str(path),
            "--profiles",
            str(size),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return int(done.stdout.split()[-1])


def _measure_peak(path: Path, size: int) -> None:
    result = auditkit.run_audit(path, size=size)
    assert result.metrics["joint"]["flip_rate"]["total"] == size
    print(_peak_resident())


def _peak_resident() -> int:
    """This process's peak resident bytes.

    Linux's VmHWM counts this program alone, where ru_maxrss may keep the
    parent's size from before exec.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def parity_speedup(predictions: int, repeats: int) -> tuple[float, float, float]:
    """(fairlearn seconds, auditkit seconds, speed-up) for selection rates and
    parity by gender; exits when the figures differ."""
    from fairlearn.metrics import MetricFrame, selection_rate

    profiles = predictions // 2
    rng = np.random.default_rng(3)
    approve = np.array([0.62, 0.48])  # Male, Female
    decisions = rng.random((profiles, 2)) < approve
    labels = np.tile(np.array(["Male", "Female"], dtype=object), profiles)
    flat = decisions.reshape(-1).astype(int)

    def theirs() -> MetricFrame:
        frame = MetricFrame(
            metrics=selection_rate,
            y_true=flat,
            y_pred=flat,
            sensitive_features=pd.Series(labels, name="gender"),
        )
        frame.difference(), frame.ratio()
        return frame

    def ours() -> dict:
        stats = reduce_chunk(
            np.asfortranarray(decisions), None, first_profile=0, examples=10
        )
        return summarize(
            stats,
            {"gender": ["Male", "Female"]},
            columns={"gender": "Gender_Code"},
            references={"gender": "Male"},
            confidence=0.95,
        )["gender"]

    began = time.perf_counter()
    frame = theirs()
    fairlearn = time.perf_counter() - began
    auditkit_time = _best(ours, repeats)

    figures = ours()
    expected = {
        **{f"selection_rate[{k}]": v for k, v in frame.by_group.items()},
        "demographic_parity_difference": frame.difference(),
        "demographic_parity_ratio": frame.ratio(),
    }
    found = {
        **{
            f"selection_rate[{k}]": g["selection_rate"]
            for k, g in figures["groups"].items()
        },
        "demographic_parity_difference": figures["demographic_parity_difference"],
        "demographic_parity_ratio": figures["demographic_parity_ratio"],
    }
    for name, value in expected.items():
        if abs(found[name] - value) > 1e-12:
            raise SystemExit(f"{name}: auditkit {found[name]} vs fairlearn {value}")
    return fairlearn, auditkit_time, fairlearn / auditkit_time


def _line(label: str, figure: str, target: str, met: bool, detail: str) -> None:
    status = "met" if met else "MISSED"
    print(f"{label:54} {figure:>10}  target {target:9} {status:7} {detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks.bench_engine")
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--only", default="a,b,c,d,e")
    parser.add_argument("--peak", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.peak is not None:
        _measure_peak(options.peak, options.profiles)
        return 0

    wanted = set(options.only.split(","))
    profiles = options.profiles
    print(
        f"auditkit {auditkit.__version__}, Python {platform.python_version()}, "
        f"scikit-learn {sklearn.__version__}, {os.cpu_count()} cores, "
        f"{profiles:,} profiles"
    )
    missed = 0
    with tempfile.TemporaryDirectory() as folder:
        audits = _write_audits(Path(folder), profiles)
        for key, name, target in (("a", "hgb", 1.10), ("b", "logistic", 2.5)):
            if key not in wanted:
                continue
            audited, bare, ratio = overhead_ratio(audits[name], repeats=5)
            missed += ratio > target
            model = "HistGradientBoosting" if name == "hgb" else "LogisticRegression"
            _line(
                f"{key}. audit / bare predict_proba, {model}",
                f"{ratio:.2f}x", f"<= {target}", ratio <= target,
                f"({audited:.3f} s vs {bare:.3f} s)",
            )  # fmt: skip
        if "c" in wanted:
            loop, ours, speedup = loop_speedup(profiles, repeats=5)
            missed += speedup < 30
            _line(
                "c. auditkit vs row-by-row Mimesis loop (uuid, income)",
                f"{speedup:.0f}x", ">= 30x", speedup >= 30,
                f"({loop:.2f} s vs {ours:.3f} s)",
            )  # fmt: skip
        if "d" in wanted:
            small = peak_memory(audits["hgb"], 1_000_000)
            large = peak_memory(audits["hgb"], 10_000_000)
            # Equal peaks differ by a few pages from run to run.
            met = large <= small * 1.01 and large < 1.5 * GIB
            missed += not met
            _line(
                "d. peak memory, 10M profiles (and 1M)",
                f"{large / MIB:.0f} MiB", "<= 1M, 1.5G", met,
                f"({small / MIB:.0f} MiB at 1M, HistGradientBoosting audit)",
            )  # fmt: skip
        if "e" in wanted:
            theirs, ours, speedup = parity_speedup(2 * profiles, repeats=5)
            missed += speedup < 100
            _line(
                f"e. selection rates and parity, {2 * profiles:,} predictions",
                f"{speedup:.0f}x", ">= 100x", speedup >= 100,
                f"(fairlearn {theirs:.2f} s vs {ours * 1000:.1f} ms, same figures)",
            )  # fmt: skip
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Tests of where chunks run: one process, worker processes, a dask cluster.

Every executor must give the same figures, examples and matrix as one
process with one chunk; memory must not grow with the number of profiles.
"""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import textwrap
import tracemalloc
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from auditkit import engine, executors
from auditkit.engine import ChunkTask, plan_audit, run_audit
from auditkit.errors import AuditError
from auditkit.loader import check_audit
from auditkit.models import Model
from auditkit.results import to_json

from .conftest import LOAN_AUDIT

REPO = Path(__file__).resolve().parent.parent

SCREENING_MODEL = """
import numpy as np


def screen(frame):
    # a score that leans on race and gender at equal income and debt
    logit = (
        (frame["income"] - 50_000) / 10_000
        - 0.9 * (frame["race"] == "black").to_numpy()
        + 0.4 * frame["Gender_Code"].to_numpy()
        - frame["debt_ratio"].to_numpy()
    )
    return 1 / (1 + np.exp(-np.asarray(logit, dtype=float)))
"""

SCREENING_AUDIT = """\
auditkit: 1
name: screening
seed: 5
model:
  type: python
  target: screening:screen
  threshold: 0.5
population:
  size: 900
  fields:
    applicant_id: {provider: cryptographic.uuid, input: false}
    income: {provider: numeric.integer_number, args: {start: 20000, end: 90000}}
    education: {choice: [school, bachelor, master], weights: [0.5, 0.3, 0.2]}
    debt: {distribution: lognormal, args: {mean: 9, sigma: 1}, round: 0}
    debt_ratio: {expression: "debt / income"}
protected:
  gender:
    column: Gender_Code
    values: {Male: 1, Female: 0}
    linked:
      first_name:
        Male: {provider: person.first_name, args: {gender: male}, input: false}
        Female: {provider: person.first_name, args: {gender: female}, input: false}
  race:
    values: [white, black, asian]
criteria:
  - metric: flip_rate
    max: 0.05
report:
  examples: 5
"""


@pytest.fixture
def screening_audit(tmp_path: Path) -> Path:
    """An intersectional audit with every field kind and a model module of its own."""
    (tmp_path / "screening.py").write_text(SCREENING_MODEL)
    path = tmp_path / "screening.yaml"
    path.write_text(textwrap.dedent(SCREENING_AUDIT))
    return path


def _run(path: Path, **options) -> tuple[str, pd.DataFrame]:
    """results.json text and the full matrix of one run."""
    chunks: list[pd.DataFrame] = []
    result = run_audit(path, matrix_sink=chunks.append, **options)
    assert result.metrics["joint"]["flip_rate"]["count"] > 0
    assert len(result.examples) == 5
    return to_json(result.to_dict()), pd.concat(chunks, ignore_index=True)


def test_worker_processes_give_the_results_of_one_process(screening_audit):
    """Check byte-identical results and an equal matrix with 2 workers, 8 chunks."""
    alone, alone_matrix = _run(screening_audit)
    parallel, parallel_matrix = _run(screening_audit, chunk_size=113, workers=2)
    assert parallel == alone
    pd.testing.assert_frame_equal(parallel_matrix, alone_matrix)
    assert len(alone_matrix) == 900 * 6


def test_workers_import_the_model_module_when_cloudpickle_is_missing(
    screening_audit, monkeypatch
):
    """Check that without cloudpickle, workers find the model in the audit folder."""
    alone, _ = _run(screening_audit)
    monkeypatch.setitem(sys.modules, "cloudpickle", None)
    parallel, _ = _run(screening_audit, chunk_size=300, workers=2)
    assert parallel == alone


def test_dask_cluster_gives_the_results_of_a_local_run(screening_audit):
    """Check byte-identical results and matrix from a 2-worker LocalCluster."""
    distributed = pytest.importorskip("distributed")
    alone, alone_matrix = _run(screening_audit)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote, remote_matrix = _run(
            screening_audit,
            chunk_size=200,
            executor="dask",
            scheduler=cluster.scheduler_address,
        )
    assert remote == alone
    pd.testing.assert_frame_equal(remote_matrix, alone_matrix)


def test_model_travels_by_value_to_a_worker_without_the_audit_folder(
    screening_audit, tmp_path
):
    """Check that a worker elsewhere, unable to import the model module, scores."""
    plan, model = plan_audit(check_audit(screening_audit))
    payload = executors._payload(plan, model)
    frame = pd.DataFrame(
        {
            "income": [30_000, 80_000],
            "race": ["black", "white"],
            "Gender_Code": [0, 1],
            "debt_ratio": [0.5, 0.1],
        }
    )
    script = (
        "import pickle, sys\n"
        "folder, blob = pickle.loads(sys.stdin.buffer.read())\n"
        "plan, model = pickle.loads(blob)\n"
        f"frame = pickle.loads({pickle.dumps(frame)!r})\n"
        "print(model.decide(frame)[1].round(6).tolist())\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=payload,
        capture_output=True,
        cwd=elsewhere,
        env={"PYTHONPATH": str(REPO), "PATH": ""},
        check=True,
    )
    expected = model.decide(frame)[1].round(6).tolist()
    assert done.stdout.decode().strip() == str(expected)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"executor": "spark"}, r"^unknown executor 'spark' \(.*valid: dask, local\)"),
        (
            {"scheduler": "tcp://127.0.0.1:8786"},
            r"^a scheduler \(tcp://127\.0\.0\.1:8786\) is only used by the dask "
            r"executor \(add --executor dask",
        ),
        ({"workers": 0}, r"^workers must be at least 1, got 0 \(use 1 to \d+"),
        ({"chunk_size": 0}, r"^chunk size must be at least 1 profile, got 0"),
        ({"max_rows": 599}, r"^the matrix would have 600 rows .* --max-rows 600 on"),
    ],
)
def test_bad_executor_options_are_refused_before_any_work(
    write_audit, monkeypatch, options, match
):
    """Check each unusable option's message, raised before the model loads."""

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(engine, "load_model", no_model)
    with pytest.raises(AuditError, match=match):
        run_audit(write_audit(), **options)


def test_missing_dask_names_the_extra_to_install(write_audit, monkeypatch):
    """Check that the dask executor without dask says how to install it."""
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(AuditError, match=r"^the dask executor needs dask\.distributed"):
        run_audit(write_audit(), executor="dask")
    with pytest.raises(AuditError, match=r'pip install "auditkit\[dask\]"\)$'):
        run_audit(write_audit(), executor="dask")


def test_unreachable_scheduler_is_a_clear_error(write_audit):
    """Check that a scheduler nobody listens on gives the address and the fix."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(AuditError, match=r"^cannot reach the dask scheduler at tcp://"),
    ):
        run_audit(write_audit(), executor="dask", scheduler="tcp://127.0.0.1:9")


def test_results_arrive_in_task_order_with_few_tasks_in_flight():
    """Check that no more than `ahead` submitted tasks await their result."""
    tasks = [ChunkTask(start, start + 10) for start in range(0, 100, 10)]
    submitted: list[Future] = []
    collected: list[Future] = []
    in_flight: list[int] = []

    class Recorded(Future):
        def result(self, timeout=None):
            collected.append(self)
            return super().result(timeout)

    def submit(task: ChunkTask) -> Future:
        future = Recorded()
        future.set_result(task.start)
        submitted.append(future)
        in_flight.append(len(submitted) - len(collected))
        return future

    results = list(executors._in_order(submit, tasks, ahead=3))
    assert results == [task.start for task in tasks]
    assert max(in_flight) == 3


def test_estimator_jobs_are_capped_to_the_threads_of_a_worker():
    """Check that n_jobs=-1 inside a pipeline drops to the worker's share."""
    rng = np.random.default_rng(0)
    features, labels = rng.random((40, 3)), rng.integers(0, 2, 40)
    forest = RandomForestClassifier(n_estimators=3, n_jobs=-1, random_state=0)
    pipeline = make_pipeline(StandardScaler(), forest).fit(features, labels)
    before = pipeline.predict_proba(features)

    executors._limit_jobs(Model(pipeline, favorable=1), threads=1)

    assert pipeline.get_params()["randomforestclassifier__n_jobs"] == 1
    assert np.array_equal(pipeline.predict_proba(features), before)


def test_unset_jobs_are_left_alone():
    """Check that n_jobs=None (one thread) is not raised to the worker's share."""
    forest = RandomForestClassifier(n_estimators=2, n_jobs=None)
    executors._limit_jobs(Model(forest, favorable=1), threads=4)
    assert forest.n_jobs is None


def test_chunk_size_grows_with_free_memory_and_shrinks_with_workers(
    write_audit, monkeypatch
):
    """Check whole random blocks, sized from the memory free and the workers."""
    plan, _ = plan_audit(check_audit(write_audit()))
    block = 16384

    def chunk(free: int, workers: int = 1) -> int:
        monkeypatch.setattr(engine, "_available_memory", lambda: free)
        return engine._auto_chunk_size(plan, workers=workers)

    sizes = [chunk(free) for free in (0, 1 << 29, 1 << 30, 1 << 31, 1 << 36)]
    assert all(size % block == 0 and size >= block for size in sizes)
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    assert sizes[-1] * plan.design.combinations <= engine.TARGET_CHUNK_ROWS
    assert chunk(1 << 30, workers=4) < chunk(1 << 30, workers=1)
    assert chunk(-1) == chunk(0)  # never below CHUNK_MEMORY_MIN


def test_wide_matrix_chunks_divide_a_random_block(write_audit, monkeypatch):
    """Check that a chunk smaller than a block still tiles blocks exactly."""
    plan, _ = plan_audit(check_audit(write_audit()))
    monkeypatch.setattr(engine, "_row_bytes", lambda plan: 40_000)
    profiles = engine._auto_chunk_size(plan)
    assert profiles < 16384
    assert 16384 % profiles == 0


def test_memory_does_not_grow_with_the_number_of_profiles(write_audit):
    """Check that 4M profiles peak no higher than 2M: only chunks are held."""
    path = write_audit()
    run_audit(path, size=1000)
    peaks = []
    for size in (2_000_000, 4_000_000):
        tracemalloc.start()
        run_audit(path, size=size, chunk_size=65536)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] - peaks[0] < 4 << 20


PEAK_RESIDENT = """
import resource, sys
from pathlib import Path
from auditkit.engine import run_audit
result = run_audit(sys.argv[1], size=10_000_000)
assert result.metrics["joint"]["flip_rate"]["total"] == 10_000_000
status = Path("/proc/self/status")
if status.exists():  # VmHWM counts this program alone, not its parent before exec
    line = next(s for s in status.read_text().splitlines() if s.startswith("VmHWM"))
    print(int(line.split()[1]) * 1024)
else:
    scale = 1 if sys.platform == "darwin" else 1024
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale)
"""


def test_ten_million_profiles_run_in_bounded_memory(write_audit):
    """Check the peak resident memory of a 10M-profile audit in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RESIDENT, str(write_audit(LOAN_AUDIT))],
        capture_output=True,
        cwd=REPO,
        check=True,
    )
    assert int(done.stdout) < 1.5 * 2**30


def test_long_runs_log_rows_a_second_and_time_left(write_audit, monkeypatch, caplog):
    """Check the progress line of the log: rows scored, rows a second, time left."""
    monkeypatch.setattr(engine, "LOG_EVERY", 0.0)
    with caplog.at_level("INFO", logger="auditkit.engine"):
        run_audit(write_audit(), size=4000, chunk_size=1000)
    lines = [r.getMessage() for r in caplog.records if "rows/s" in r.getMessage()]
    assert len(lines) == 3  # after chunks 1 to 3; the last chunk ends the run
    assert re.fullmatch(
        r"scored 2,000 of 8,000 rows, [\d,]+ rows/s, about [\d,]+ s left", lines[0]
    )

"""Where chunks run: in this process, in worker processes, or on a dask cluster.

Every executor yields chunk results in task order, so the merged statistics
and a streamed matrix file are the same whichever one ran them. Only a few
chunks are in flight at a time, so memory stays bounded however many chunks
an audit has.

Workers receive the plan (with any records) and the loaded model once each,
pickled in this process. With cloudpickle installed (it comes with dask), the
audit's own model modules travel by value, so workers need not import them
and a remote cluster needs no copy of the audit's folder. In each worker,
BLAS and OpenMP threads and the estimator's ``n_jobs`` are capped so that
threads times workers stays within the cores.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import multiprocessing
import os
import pickle
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AuditError, ModelError, format_choices

if TYPE_CHECKING:
    import pandas as pd

    from .engine import ChunkTask, Plan
    from .metrics import ChunkStats
    from .models import Model

__all__ = ["EXECUTORS", "available_cores", "check_executor", "map_chunks"]

logger = logging.getLogger(__name__)

#: Where chunks can run.
EXECUTORS = ("local", "dask")
#: Chunks queued per worker thread beyond the one it is scoring.
_AHEAD = 1

ChunkResult = tuple["ChunkStats", "pd.DataFrame | None"]


def available_cores() -> int:
    """CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def map_chunks(
    plan: Plan,
    model: Model,
    tasks: Sequence[ChunkTask],
    *,
    examples: int,
    keep_matrix: bool = False,
    workers: int = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> Iterator[ChunkResult]:
    """Score every chunk and yield ``(stats, matrix or None)`` in task order.

    Args:
        plan: What every chunk shares.
        model: The loaded model.
        tasks: The chunks, in profile order.
        examples: Flipped profiles each chunk keeps for the report.
        keep_matrix: Also return each chunk's full matrix.
        workers: Processes scoring chunks on this machine; with dask and no
            scheduler, the workers of the local cluster started for the run.
        executor: ``local`` or ``dask``.
        scheduler: Address of a running dask scheduler, e.g.
            ``tcp://10.0.0.5:8786``; dask's configured address, else a local
            cluster, when None.

    Raises:
        AuditError: An unknown executor, a scheduler without dask, dask not
            installed or its scheduler out of reach.
    """
    check_executor(executor, scheduler, workers)
    score = _Scorer(examples=examples, keep_matrix=keep_matrix)
    if executor == "dask":
        distributed = _import_distributed()
        return _on_dask(distributed, plan, model, tasks, score, workers, scheduler)
    if workers > 1 and len(tasks) > 1:
        return _in_processes(plan, model, tasks, score, min(workers, len(tasks)))
    return _in_process(plan, model, tasks, score)


def check_executor(executor: str, scheduler: str | None, workers: int) -> None:
    """Refuse unusable executor options before any work is done.

    Raises:
        AuditError: An unknown executor, a scheduler without dask, fewer than
            one worker, or dask asked for but not installed.
    """
    if executor not in EXECUTORS:
        raise AuditError(
            f"unknown executor {executor!r}",
            hint=format_choices(executor, EXECUTORS),
        )
    if scheduler is not None and executor != "dask":
        raise AuditError(
            f"a scheduler ({scheduler}) is only used by the dask executor",
            hint="add --executor dask, or leave --scheduler out",
        )
    if workers < 1:
        raise AuditError(
            f"workers must be at least 1, got {workers}",
            hint=f"use 1 to {available_cores()} on this machine (one per core)",
        )
    if executor == "dask":
        _import_distributed()


class _Scorer:
    """What every chunk is asked for: a picklable call for any executor."""

    def __init__(self, *, examples: int, keep_matrix: bool) -> None:
        self.examples = examples
        self.keep_matrix = keep_matrix

    def __call__(self, plan: Plan, model: Model, task: ChunkTask) -> ChunkResult:
        from .engine import score_chunk

        return score_chunk(
            plan, model, task, examples=self.examples, keep_matrix=self.keep_matrix
        )


# -- in this process ----------------------------------------------------------


def _in_process(
    plan: Plan, model: Model, tasks: Sequence[ChunkTask], score: _Scorer
) -> Iterator[ChunkResult]:
    for task in tasks:
        yield score(plan, model, task)


# -- in worker processes ------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _in_processes(
    plan: Plan,
    model: Model,
    tasks: Sequence[ChunkTask],
    score: _Scorer,
    workers: int,
) -> Iterator[ChunkResult]:
    """Score chunks in ``workers`` fresh processes, each loading the model once."""
    threads = max(1, available_cores() // workers)
    logger.info("scoring in %s worker processes, %s thread(s) each", workers, threads)
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(_payload(plan, model), threads),
    )
    try:

        def submit(task: ChunkTask) -> Future:
            return pool.submit(_score_in_worker, score, task)

        yield from _in_order(submit, tasks, ahead=workers * (1 + _AHEAD))
    except BrokenProcessPool as err:
        raise ModelError(
            "a worker process stopped while scoring: out of memory, the model "
            "crashed the interpreter, or a script started workers without an "
            '`if __name__ == "__main__":` guard',
            hint="guard the script's entry point, or retry with fewer --workers "
            "or a smaller --chunk-size",
        ) from err
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(payload: bytes, threads: int) -> None:
    plan, model = _load(payload)
    _WORKER.update(plan=plan, model=model, limits=_limit_threads(model, threads))


def _score_in_worker(score: _Scorer, task: ChunkTask) -> ChunkResult:
    return score(_WORKER["plan"], _WORKER["model"], task)


# -- on a dask cluster --------------------------------------------------------

_LOADED: OrderedDict[str, tuple[Plan, Model]] = OrderedDict()
_LOADED_LOCK = threading.Lock()


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as err:
        raise AuditError(
            "the dask executor needs dask.distributed, which is not installed",
            hint='install it with: pip install "auditkit[dask]"',
        ) from err
    return distributed


def _on_dask(
    distributed: Any,
    plan: Plan,
    model: Model,
    tasks: Sequence[ChunkTask],
    score: _Scorer,
    workers: int,
    scheduler: str | None,
) -> Iterator[ChunkResult]:
    """Score chunks on a dask.distributed cluster and bring back their stats."""
    with _client(distributed, scheduler, workers) as client:
        payload = _payload(plan, model)
        token = hashlib.sha256(payload).hexdigest()
        shared = client.scatter(payload, broadcast=True, hash=False)
        slots = sum(client.nthreads().values()) or 1

        def submit(task: ChunkTask) -> Any:
            return client.submit(
                _score_on_dask, shared, token, score, task,
                key=f"auditkit-chunk-{token[:12]}-{task.start}", pure=False,
            )  # fmt: skip

        yield from _in_order(submit, tasks, ahead=slots * (1 + _AHEAD))


@contextmanager
def _client(distributed: Any, scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the named scheduler, else dask's configured one, else of a
    local cluster started (and stopped) for this run."""
    import dask

    address = scheduler or dask.config.get("scheduler-address", None)
    cluster = None
    if address is None:
        logger.info("starting a local dask cluster of %s worker(s)", workers)
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, dashboard_address=None
        )
        address = cluster.scheduler_address
    try:
        client = distributed.Client(address)
    except (OSError, TimeoutError, ValueError) as err:
        if cluster is not None:
            cluster.close()
        raise AuditError(
            f"cannot reach the dask scheduler at {address}: {err}",
            hint="check the address (e.g. tcp://host:8786) and that "
            "`dask scheduler` runs there and is reachable from this machine",
        ) from err
    logger.info("scoring on the dask cluster at %s", address)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _score_on_dask(
    payload: bytes, token: str, score: _Scorer, task: ChunkTask
) -> ChunkResult:
    """Run on a dask worker: load the model once per worker, then score."""
    plan, model = _cached(payload, token)
    with _thread_limit(_dask_threads()):
        return score(plan, model, task)


def _cached(payload: bytes, token: str) -> tuple[Plan, Model]:
    with _LOADED_LOCK:
        loaded = _LOADED.get(token)
        if loaded is None:
            loaded = _load(payload)
            _limit_jobs(loaded[1], _dask_threads())
            _LOADED[token] = loaded
            while len(_LOADED) > 2:
                _LOADED.popitem(last=False)
        return loaded


def _dask_threads() -> int:
    """Threads one task may use: the worker's cores shared by its task threads."""
    from distributed import get_worker

    try:
        slots = get_worker().state.nthreads
    except (ValueError, AttributeError):
        slots = 1
    return max(1, available_cores() // max(1, slots))


# -- shared by the executors --------------------------------------------------


def _in_order(
    submit: Callable[[ChunkTask], Future | Any],
    tasks: Sequence[ChunkTask],
    *,
    ahead: int,
) -> Iterator[ChunkResult]:
    """Submit at most ``ahead`` tasks at a time and yield results in task order."""
    queue = iter(tasks)
    pending: deque = deque(submit(task) for task in itertools.islice(queue, ahead))
    try:
        while pending:
            result = pending.popleft().result()
            following = next(queue, None)
            if following is not None:
                pending.append(submit(following))
            yield result
    finally:
        for future in pending:
            future.cancel()


def _payload(plan: Plan, model: Model) -> bytes:
    """The plan and the loaded model, pickled once for every worker.

    With cloudpickle, modules loaded from the audit's folder (the model's
    own code) are pickled by value; without it, workers import them by name
    from the audit's folder.
    """
    try:
        import cloudpickle
    except ImportError:
        blob = pickle.dumps((plan, model), protocol=pickle.HIGHEST_PROTOCOL)
    else:
        modules = _audit_modules(plan.base_dir)
        for module in modules:
            cloudpickle.register_pickle_by_value(module)
        try:
            blob = cloudpickle.dumps((plan, model), protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            for module in modules:
                cloudpickle.unregister_pickle_by_value(module)
    return pickle.dumps((str(plan.base_dir), blob), protocol=pickle.HIGHEST_PROTOCOL)


def _audit_modules(base_dir: Path) -> list[Any]:
    """Modules imported from the audit's folder, other than installed packages."""
    folder = Path(base_dir).resolve()
    found = []
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None)
        if not location or name.split(".")[0] == "auditkit":
            continue
        path = Path(location).resolve()
        installed = {"site-packages", "dist-packages"} & set(path.parts)
        if folder in path.parents and not installed:
            found.append(module)
    return found


def _load(payload: bytes) -> tuple[Plan, Model]:
    folder, blob = pickle.loads(payload)
    if Path(folder).is_dir() and folder not in sys.path:
        sys.path.append(folder)  # for modules pickled by name
    plan, model = pickle.loads(blob)
    return plan, model


def _limit_threads(model: Model, threads: int) -> Any:
    """Cap BLAS and OpenMP threads in this process, and the estimator's n_jobs."""
    _limit_jobs(model, threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(limits=threads)


def _thread_limit(threads: int) -> Any:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=threads)


def _limit_jobs(model: Model, threads: int) -> None:
    """Lower every ``n_jobs`` of the estimator (and its steps) above ``threads``.

    ``n_jobs`` never changes predictions, only how many threads make them.
    """
    get_params = getattr(model.predictor, "get_params", None)
    if get_params is None:
        return
    try:
        params = get_params(deep=True)
    except Exception:  # an estimator-like object with its own get_params
        return
    capped = {
        name: threads
        for name, value in params.items()
        if name.split("__")[-1] == "n_jobs" and _jobs(value) > threads
    }
    if capped:
        logger.debug("capping %s to %s thread(s) per worker", sorted(capped), threads)
        model.predictor.set_params(**capped)


def _jobs(value: Any) -> int:
    """The threads an ``n_jobs`` value asks for: None is one, -1 every core."""
    if not isinstance(value, int) or isinstance(value, bool):
        return 1
    if value < 0:
        return max(1, available_cores() + 1 + value)
    return value

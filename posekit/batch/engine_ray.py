"""`--engine ray`: one Ray actor per worker, each loading the models once, fed items as it frees up.

Actors are restarted by Ray when their process dies (`max_restarts`), and the call that was running
is retried on the restarted actor (`max_task_retries`): the item resumes from its last checkpoint.
Workers write their partitions straight into the output folder, so on a multi-node cluster it must
be a shared file system mounted at the same path everywhere (see docs/batch.md).
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any

from posekit.batch.engine_local import DIED, Report
from posekit.batch.inputs import WorkItem
from posekit.batch.worker import BatchSettings, ItemProcessor
from posekit.errors import PosekitError

IN_FLIGHT = 2  # calls queued per actor: the next item is ready when one finishes


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise PosekitError("--engine ray needs Ray: pip install posekit[ray]") from None
    return ray


def runtime_env() -> dict[str, Any]:
    """Workers of a Ray started here import the same posekit as this process (a source checkout
    comes first on their path, as it does here)."""
    import posekit

    root = os.path.dirname(os.path.dirname(os.path.abspath(posekit.__file__)))
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return {"env_vars": {"PYTHONPATH": path}}


def start_local_ray(workers: int, object_store_mb: int = 256) -> None:
    """A Ray on this machine for one run: `workers` CPUs, a small object store (items and results
    are small: the rows go to files, not through Ray), no dashboard."""
    ray = import_ray()
    ray.init(
        num_cpus=workers,
        object_store_memory=object_store_mb * 2**20,
        include_dashboard=False,
        runtime_env=runtime_env(),
        logging_level="WARNING",
        log_to_driver=False,
    )


class _Worker:
    def __init__(self, settings: BatchSettings) -> None:
        self.processor = ItemProcessor(settings)

    def run(self, item: WorkItem) -> dict[str, Any]:
        return self.processor.run(item)


def cluster_cpus() -> int:
    ray = import_ray()
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_ray(
    items: list[WorkItem],
    settings: BatchSettings,
    workers: int | None,
    report: Report,
    *,
    address: str | None = None,
    retries: int = 2,
) -> int:
    """Process `items` on `workers` Ray actors (None: one per CPU of the cluster). Uses the Ray this
    process is already connected to, else connects to `address`, else starts a local one (and
    stops it at the end). Returns the number of actors used."""
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        if address:
            try:
                ray.init(address=address, logging_level="WARNING")
            except Exception as exc:
                raise PosekitError(
                    f"--address {address}: cannot connect to Ray ({type(exc).__name__}: {exc})"
                ) from None
        else:
            start_local_ray(workers or os.cpu_count() or 1)
        started = True
    try:
        n = workers or cluster_cpus()
        actor_cls = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=retries)(_Worker)
        actors = [actor_cls.remote(settings) for _ in range(n)]
        queue = deque(items)
        inflight: dict[Any, tuple[Any, WorkItem]] = {}

        def feed(actor: Any) -> None:
            if queue:
                item = queue.popleft()
                inflight[actor.run.remote(item)] = (actor, item)

        for _ in range(IN_FLIGHT):
            for actor in actors:
                feed(actor)
        while inflight:
            ready, _ = ray.wait(list(inflight), num_returns=1)
            actor, item = inflight.pop(ready[0])
            try:
                report(item, ray.get(ready[0]), None)
            except ray.exceptions.RayActorError:
                report(item, None, DIED)
            except ray.exceptions.RayTaskError as exc:
                cause = exc.cause if getattr(exc, "cause", None) is not None else exc
                report(
                    item, None, f"{type(cause).__name__}: {str(cause).splitlines()[0] if str(cause) else ''}"
                )
            feed(actor)
        for actor in actors:
            ray.kill(actor)
        return n
    finally:
        if started:
            ray.shutdown()

"""Dask for experiments: the client, and a loop that runs named tasks on the workers and hands each
result to the driver as it finishes, turning a lost worker or scheduler into a :class:`RunError`.

What the tasks compute, and what the driver does with their results, is :mod:`virality.experiment`'s.
"""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any, Callable, Iterator

from .errors import InputError, RunError

__all__ = ["check_scheduler", "connect", "run_tasks", "worker_count"]

#: seconds to reach a Dask scheduler, and to wait with no worker left before giving up
DASK_CONNECT_TIMEOUT = 20.0
DASK_NO_WORKER_TIMEOUT = 60.0
_ADDRESS = re.compile(r"^((tcp|tls|ws|wss|ucx)://)?[^\s/:]+:\d{1,5}$")
_LOST = ("KilledWorker", "CommClosedError", "CancelledError", "FutureCancelledError")


def check_scheduler(address: str | None) -> None:
    """A scheduler address is ``local`` or ``[protocol://]host:port`` (an error naming it otherwise)."""
    if address not in (None, "local") and not _ADDRESS.match(str(address)):
        raise InputError(f"--scheduler {address!r}: expected a scheduler address such as tcp://host:8786, or 'local'")


@contextlib.contextmanager
def connect(address: str | None, workers: int) -> Iterator[Any]:
    """A Dask client: to a LocalCluster of ``workers`` processes for ``None``/``"local"``, else to the
    scheduler at ``address``; closed (with the LocalCluster) on exit."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("executor 'dask' needs the dask extra: pip install 'virality[dask]'") from None
    cluster = None
    if address in (None, "local"):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        check_scheduler(address)
        try:
            client = Client(address, timeout=f"{DASK_CONNECT_TIMEOUT}s")
        except (OSError, TimeoutError) as exc:
            raise RunError(f"Dask scheduler {address} unreachable after {DASK_CONNECT_TIMEOUT:g} s "
                           f"({type(exc).__name__}); finished cells are kept: rerun with --resume") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def worker_count(client: Any) -> int:
    """Workers the scheduler knows now."""
    return len(client.scheduler_info().get("workers", {}))


def run_tasks(client: Any, address: str | None, tasks: dict[str, Callable[[], Any]],
              done: Callable[[str, Any], None]) -> None:
    """Run every task (a name and a picklable call without arguments) on the workers; ``done(name,
    result)`` runs in the driver as each finishes. An InputError of a task is raised as is. A lost
    worker's task, no worker left for ``DASK_NO_WORKER_TIMEOUT`` seconds, or the scheduler gone stop the
    run with a RunError (what ``done`` received is kept by the caller)."""
    from dask.distributed import wait

    futures = {client.submit(task, pure=False): name for name, task in tasks.items()}
    pending = set(futures)
    alone_since = None
    while pending:
        try:
            finished, pending = wait(pending, timeout=2.0, return_when="FIRST_COMPLETED")
        except TimeoutError:
            finished = set()
        for fut in finished:
            name = futures[fut]
            try:
                result = fut.result()
            except InputError:
                raise
            except Exception as exc:  # noqa: BLE001 - a worker died or the scheduler went away
                if type(exc).__name__ not in _LOST:
                    raise
                raise RunError(f"Dask lost the work of {name} ({type(exc).__name__}: {exc}); finished cells "
                               "are kept: rerun with --resume") from None
            done(name, result)
        try:
            n_workers = worker_count(client)
        except Exception:  # noqa: BLE001 - the scheduler itself is gone
            raise RunError(f"the Dask scheduler {address or 'local'} stopped answering; finished cells are kept: "
                           "rerun with --resume") from None
        if n_workers:
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since > DASK_NO_WORKER_TIMEOUT:
            raise RunError(f"no Dask worker left for {DASK_NO_WORKER_TIMEOUT:g} s; finished cells are kept: "
                           "rerun with --resume")

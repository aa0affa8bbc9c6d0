"""Dask clusters for sharded indexes: a LocalCluster of worker processes here, or a scheduler's address.

    --cluster local:4             start 4 worker processes on this machine (stopped at exit)
    --scheduler tcp://host:8786   use a running cluster (dask-scheduler, dask-jobqueue on SLURM,
                                  dask-kubernetes); its workers must see the corpus and index folders
                                  at the same paths (a shared file system)
"""

import re
from contextlib import contextmanager


class ClusterError(ValueError):
    """A cluster that cannot be reached or started; the message says what to do."""


def _workers(spec: str) -> int:
    found = re.fullmatch(r"local:(\d{1,3})", spec.strip())
    if not found or not 1 <= int(found.group(1)) <= 256:
        raise ClusterError(f"--cluster takes local:N, N worker processes from 1 to 256 (e.g. local:4), not {spec!r}")
    return int(found.group(1))


@contextmanager
def connect(cluster: str | None = None, scheduler: str | None = None):
    """Yield a dask.distributed Client for the asked cluster, or None when neither is asked; close it after."""
    if cluster and scheduler:
        raise ClusterError("give --cluster or --scheduler, not both")
    if not cluster and not scheduler:
        yield None
        return
    from distributed import Client, LocalCluster

    if cluster:
        local = LocalCluster(n_workers=_workers(cluster), threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(local)
    else:
        try:
            client = Client(scheduler, timeout=30)
        except (OSError, TimeoutError) as error:
            raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} ({error}); start it, "
                               "or check the address") from None
        local = None
    try:
        yield client
    finally:
        client.close()
        if local is not None:
            local.close()

"""The Dask worker plugin that loads the models once per worker (imported only when Dask runs).

Registered by :class:`station.batch.executors.DaskExecutor` on every worker of the cluster (and on
workers that join later): ``setup`` quiets native start-up logs and loads one tracker per
(kinds, options) the batch needs into the worker process's :class:`station.batch.work.ModelCache`;
``teardown`` closes them. Tasks then take their tracker from that cache, so no file pays for
loading a model (a second thread in the same worker loads its own once).
"""

from __future__ import annotations

import logging
from typing import Any

from distributed import WorkerPlugin

from station.batch.work import CacheKey, quiet_worker, worker_cache

log = logging.getLogger(__name__)


class ModelPlugin(WorkerPlugin):
    name = "motor-station-models"

    def __init__(self, specs: list[CacheKey]) -> None:
        self.specs = specs

    def setup(self, worker: Any) -> None:
        quiet_worker()
        try:
            worker_cache().preload(self.specs)
        except Exception:  # each file then reports the failure in its own row
            log.warning("model preload failed on %s", getattr(worker, "address", "?"), exc_info=True)

    def teardown(self, worker: Any) -> None:
        worker_cache().close()

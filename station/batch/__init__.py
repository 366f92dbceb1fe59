"""Batch re-scoring of research archives: many videos and landmark files, resumable, on one machine
or a Dask cluster.

``station analyze SOURCES... --exercise X --out DIR`` is this package:

- :mod:`station.batch.inputs`: sources (files, folders, globs, manifest CSVs) -> items; resume keys.
- :mod:`station.batch.work`: the worker side (one file -> one row; models kept per worker).
- :mod:`station.batch.executors`: in-process, local process pool, Dask distributed.
- :mod:`station.batch.results`: the Parquet results dataset, written as results arrive; the CSV summary.
- :mod:`station.batch.engine`: plan, resume, run, store.

Scoring itself is :func:`station.analyze.analyze` / :func:`station.analyze.analyze_landmarks`:
a batch gives exactly the result of ``station analyze FILE`` for each file. See ``docs/CLUSTER.md``.
"""

from __future__ import annotations

from station.batch.engine import BatchReport, run_batch
from station.batch.inputs import BatchItem, collect

__all__ = ["BatchItem", "BatchReport", "collect", "run_batch"]

"""Pure scoring logic: exercises turn observations and sensor samples into score events and metrics.

Every exercise is a class registered in :mod:`exercises.registry` and runs the same way live, on
replay, in batch re-scoring and in tests: time is injected (``t_ns`` of the observations), nothing is
read from a clock or a device here. What the station needs of an exercise is its typed
:class:`~exercises.contract.Contract`; nothing outside this package tests an exercise's name.
"""

from exercises.base import Exercise, ExerciseResult, StepInput
from exercises.contract import Contract
from exercises.registry import contract_of, create, get, names, register

__all__ = ["Contract", "Exercise", "ExerciseResult", "StepInput", "contract_of", "create", "get", "names", "register"]

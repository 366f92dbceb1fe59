"""Pure scoring logic: exercises turn observations and sensor samples into score events and metrics.

Every exercise is a class registered in :mod:`exercises.registry` and runs the same way live, on
replay, in batch re-scoring and in tests: time is injected (``t_ns`` of the observations), nothing is
read from a clock or a device here.
"""

from exercises.base import Exercise, ExerciseResult, StepInput
from exercises.registry import create, get, names, register

__all__ = ["Exercise", "ExerciseResult", "StepInput", "create", "get", "names", "register"]

"""Hyper-parameter search with Optuna (``tools/tune.py``, docs/tuning.md).

Optuna is optional (requirements/tune.txt): it is imported only when a
study runs, so ``import mmspml.tuning`` works without it.
"""

from .config_keys import all_keys, lookup, overrides
from .deps import import_optuna
from .objective import TrialObjective, trial_config
from .search_space import (
    GR_DEFAULT_SPACE,
    SearchSpaceError,
    check_space,
    default_space,
    load_space,
)
from .study import (
    StorageError,
    make_pruner,
    make_sampler,
    make_storage,
    open_study,
)
from .tuner import prepare, tune, write_outputs

__all__ = [
    'GR_DEFAULT_SPACE',
    'SearchSpaceError',
    'StorageError',
    'TrialObjective',
    'all_keys',
    'check_space',
    'default_space',
    'import_optuna',
    'load_space',
    'lookup',
    'make_pruner',
    'make_sampler',
    'make_storage',
    'open_study',
    'overrides',
    'prepare',
    'trial_config',
    'tune',
    'write_outputs',
]

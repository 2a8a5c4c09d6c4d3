"""Report each validation to an Optuna trial and stop a pruned run."""

import os
from typing import Dict, List, Union

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

# Trials of this process by key: a config holds the key (a string, which the
# runner can copy and dump), not the trial object.
_TRIALS: Dict[str, object] = {}


def register_trial(trial) -> str:
    """Make ``trial`` reachable from a config by a string key.

    Args:
        trial (optuna.trial.Trial): The running trial.

    Returns:
        str: The key to pass as the hook's ``trial``.
    """
    key = f'optuna-trial:{os.getpid()}:{trial.number}'
    _TRIALS[key] = trial
    return key


def unregister_trial(key: str) -> None:
    """Forget a trial registered by :func:`register_trial`.

    Args:
        key (str): The key :func:`register_trial` returned.
    """
    _TRIALS.pop(key, None)


@HOOKS.register_module()
class OptunaPruningHook(Hook):
    """After each validation, report ``monitor`` to an Optuna trial as the
    value of that epoch, and stop training when the study's pruner says the
    trial should be pruned (``runner.train_loop.stop_training``).

    The hook only stops the run; the objective that started it sees
    :attr:`pruned` and raises ``optuna.TrialPruned``. At the trial's best
    epoch so far it also records the metric's 95% interval and chance level
    (``<monitor>_low``, ``_high``, ``_chance``, when the evaluator reports
    them) as the trial's user attributes ``best_low``, ``best_high`` and
    ``best_chance``, which ``trials.csv`` lists.

    Args:
        trial (optuna.trial.Trial | str): The trial, or the key that
            :func:`register_trial` gave it (what a config holds).
        monitor (str): Validation metric to report. Defaults to
            ``'spml/mAP'``.

    Raises:
        KeyError: ``trial`` is a key that no trial of this process has.
    """

    priority = 'LOW'

    def __init__(self, trial: Union[object, str], monitor: str = 'spml/mAP'):
        if isinstance(trial, str):
            if trial not in _TRIALS:
                raise KeyError(
                    f'OptunaPruningHook: no running trial {trial!r} in this '
                    'process; the hook is added by tools/tune.py, not '
                    'written in a config.'
                )
            trial = _TRIALS[trial]
        self.trial = trial
        self.monitor = monitor
        self.history: List[float] = []
        self.pruned = False

    def after_val_epoch(self, runner, metrics=None) -> None:
        if not metrics or self.monitor not in metrics:
            raise KeyError(
                f'OptunaPruningHook: validation reported no {self.monitor!r} '
                f'(got {sorted(metrics or {})}); pass one of them as '
                '--metric (spml/mAP_observed when the val set has only '
                'observed labels).'
            )
        value = float(metrics[self.monitor])
        self.history.append(value)
        if value >= max(self.history):
            # The interval and chance level of the trial's best epoch, for
            # trials.csv (user_attrs_best_low / _high / _chance).
            for end in ('low', 'high', 'chance'):
                bound = metrics.get(f'{self.monitor}_{end}')
                if bound is not None:
                    self.trial.set_user_attr(f'best_{end}', float(bound))
        step = runner.epoch
        self.trial.report(value, step)
        if self.trial.should_prune():
            self.pruned = True
            print_log(
                f'Optuna trial {self.trial.number} pruned after epoch '
                f'{step} ({self.monitor} {value:.4f}); stopping the run.',
                logger='current',
            )
            runner.train_loop.stop_training = True

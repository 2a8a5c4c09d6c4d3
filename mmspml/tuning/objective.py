"""One trial: train the config with the trial's values, return the best
validation value."""

import copy
import os
import os.path as osp
import socket
import time
from typing import Any, Dict, Optional

from mmengine.config import Config
from mmengine.logging import print_log

from .config_keys import overrides
from .deps import import_optuna
from .search_space import suggest
from .study import make_sampler


def trial_config(
    cfg: Config,
    values: Dict[str, Any],
    work_dir: str,
    seed: int,
    hook: Optional[dict] = None,
) -> Config:
    """A copy of ``cfg`` that runs one trial.

    Args:
        cfg (Config): The config to tune.
        values (dict): Dotted key -> the trial's value.
        work_dir (str): The trial's work dir.
        seed (int): ``randomness.seed``.
        hook (dict, optional): A hook config to append to ``custom_hooks``.
            Defaults to None.

    Returns:
        Config: The trial's config.
    """
    out = copy.deepcopy(cfg)
    out.merge_from_dict(overrides(cfg, values))
    out.work_dir = work_dir
    out.randomness = dict(out.get('randomness', None) or {}, seed=seed)
    if hook is not None:
        out.custom_hooks = list(out.get('custom_hooks', None) or []) + [hook]
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = out.get(name)
        if loader and loader.get('num_workers', 0) == 0:
            loader['persistent_workers'] = False
    return out


def _build_runner(cfg: Config):
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)


def _retry_of(trial) -> Optional[int]:
    """The trial this one retries: one queued after an error
    (``retry_of``) or after a killed run (Optuna's ``failed_trial``)."""
    if 'retry_of' in trial.user_attrs:
        return trial.user_attrs['retry_of']
    for frozen in trial.study.get_trials(deepcopy=False):
        if frozen.number == trial.number:
            return frozen.system_attrs.get('failed_trial')
    return None


class TrialObjective:
    """The objective of a study: each call trains one trial of ``cfg``.

    The trial's values come from ``space``; the run is a normal MMEngine
    run in ``<work_dir>/trial_<number>`` with an
    :class:`~mmspml.engine.hooks.OptunaPruningHook` that reports ``metric``
    after each validation. The trial's value is the best (largest) of them.

    A trial that raises is recorded by Optuna as FAIL, with the error in its
    user attribute ``error``; its values are queued once more (the new
    trial's ``retry_of`` names it) unless it was itself a retry.

    Args:
        cfg (Config): The config to tune (already checked against
            ``space``).
        space (dict): Dotted key -> distribution spec.
        work_dir (str): Folder of the trials' work dirs.
        metric (str): Validation metric to maximize.
        seed (int): ``randomness.seed`` of every trial, and the base seed
            of the sampler.
        sampler (str, optional): ``'tpe'`` or ``'random'``: re-seeded with
            ``seed + trial number`` before each trial, so that processes
            sharing a study do not draw the same values. None keeps the
            study's sampler. Defaults to None.
    """

    def __init__(
        self,
        cfg: Config,
        space: Dict[str, dict],
        work_dir: str,
        metric: str = 'spml/mAP',
        seed: int = 0,
        sampler: Optional[str] = None,
    ):
        self.cfg = cfg
        self.space = space
        self.work_dir = work_dir
        self.metric = metric
        self.seed = seed
        self.sampler = sampler

    def __call__(self, trial) -> float:
        """Train one trial.

        Args:
            trial (optuna.trial.Trial): The trial.

        Returns:
            float: The best value of ``metric`` over the validations.

        Raises:
            optuna.TrialPruned: The pruner stopped the run.
            RuntimeError: Validation never ran.
        """
        from mmspml.engine.hooks.optuna_pruning_hook import (
            OptunaPruningHook,
            register_trial,
            unregister_trial,
        )

        optuna = import_optuna()
        if self.sampler is not None:
            trial.study.sampler = make_sampler(
                self.sampler, self.seed + trial.number
            )
        values = suggest(trial, self.space)
        retry_of = _retry_of(trial)
        if retry_of is not None:
            trial.set_user_attr('retry_of', retry_of)
        trial.set_user_attr('host', socket.gethostname())
        trial.set_user_attr('pid', os.getpid())
        work_dir = osp.join(self.work_dir, f'trial_{trial.number}')
        key = register_trial(trial)
        hook = dict(type='OptunaPruningHook', trial=key, monitor=self.metric)
        cfg = trial_config(self.cfg, values, work_dir, self.seed, hook)
        # Unique per trial: MMEngine keys its logger and visualizer by it.
        cfg.experiment_name = (
            f'trial_{trial.number}_{os.getpid()}_{time.strftime("%H%M%S")}'
        )
        print_log(
            f'Optuna trial {trial.number} ({work_dir}): {values}',
            logger='current',
        )
        try:
            runner = _build_runner(cfg)
            runner.train()
        except optuna.TrialPruned:
            raise
        except Exception as err:
            self._record_failure(trial, err)
            raise
        finally:
            unregister_trial(key)
        found = [h for h in runner.hooks if isinstance(h, OptunaPruningHook)]
        history = found[0].history if found else []
        trial.set_user_attr('epochs_run', int(runner.epoch))
        trial.set_user_attr('val_history', history)
        if found and found[0].pruned:
            raise optuna.TrialPruned(
                f'pruned after epoch {runner.epoch} of {runner.max_epochs}'
            )
        if not history:
            err = RuntimeError(
                f'trial {trial.number}: validation never reported '
                f'{self.metric!r}; the config needs val_dataloader, '
                'val_evaluator and val_cfg, and a val_interval that '
                'max_epochs reaches'
            )
            self._record_failure(trial, err)
            raise err
        return max(history)

    @staticmethod
    def _record_failure(trial, err: Exception) -> None:
        text = f'{type(err).__name__}: {err}'
        trial.set_user_attr('error', text[:2000])
        if 'retry_of' in trial.user_attrs:
            print_log(
                f'Optuna trial {trial.number} failed again ({text}); it was '
                'a retry, so it is not queued again.',
                logger='current',
            )
            return
        trial.study.enqueue_trial(
            trial.params, user_attrs={'retry_of': trial.number}
        )
        print_log(
            f'Optuna trial {trial.number} failed ({text}); its values are '
            'queued once more.',
            logger='current',
        )

"""Run a study on a config: what ``tools/tune.py CONFIG`` does."""

import os
import os.path as osp
from typing import Dict, List, Optional

from mmengine.config import Config
from mmengine.logging import print_log

from mmspml.engine.hooks.config_check_hook import check_config_metrics
from mmspml.utils import ConfigError
from mmspml.utils.config_names import load_config

from .config_keys import lookup
from .deps import import_optuna
from .objective import TrialObjective
from .report import summary, write_best_config, write_plots, write_trials_csv
from .search_space import check_space, default_space, describe_space
from .search_space import load_space as read_space_file
from .study import make_pruner, make_sampler, open_study


def config_stem(config_path: str) -> str:
    """The config's file name without ``.py``.

    Args:
        config_path (str): The config file.

    Returns:
        str: The stem.
    """
    return osp.splitext(osp.basename(str(config_path)))[0]


def prepare(
    config_path: str,
    space_path: Optional[str] = None,
    cfg_options: Optional[dict] = None,
    metric: Optional[str] = None,
):
    """Load the config and the space and check every key, and the metric
    every trial is scored by, before any trial.

    Args:
        config_path (str): The config to tune.
        space_path (str, optional): A space file; None gives the built-in
            space of the config's loss. Defaults to None.
        cfg_options (dict, optional): Overrides merged into the config
            first. Defaults to None.
        metric (str, optional): The metric to maximize (``--metric``);
            None checks no metric. Defaults to None.

    Returns:
        tuple[Config, dict]: The config and the checked space.

    Raises:
        SearchSpaceError: See :func:`~.search_space.check_space`.
        ConfigError: The config has no validation, or ``metric`` (or a
            ``save_best`` or early-stop ``monitor`` of the config) is not a
            metric its ``val_evaluator`` reports.
    """
    cfg = load_config(config_path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if metric is not None:
        check_trial_metrics(cfg, metric)
    if space_path is None:
        space = default_space(cfg)
    else:
        space = read_space_file(space_path)
    check_space(space, cfg, f'--space {space_path}' if space_path else 'space')
    return cfg, space


def check_trial_metrics(cfg: Config, metric: str) -> None:
    """Check that a trial of ``cfg`` validates and that ``metric``, and the
    metrics its hooks read by name, are ones its ``val_evaluator``
    reports; from the config alone, so a mistake costs no trial.

    Args:
        cfg (Config): The config to tune.
        metric (str): The metric to maximize (``--metric``).

    Raises:
        ConfigError: Naming the key to fix and what would work.
    """
    missing = [
        key
        for key in ('val_dataloader', 'val_evaluator', 'val_cfg')
        if cfg.get(key) is None
    ]
    if missing:
        raise ConfigError(
            f'--metric {metric!r}: trials are scored on validation, and the '
            f'config has no {", ".join(missing)}; add a validation set '
            '(val_dataloader, val_evaluator, val_cfg).'
        )
    check_config_metrics(cfg, [('--metric', metric)])


def _in_space(value, spec: dict) -> bool:
    if spec['type'] == 'categorical':
        return value in spec['choices']
    try:
        return spec['low'] <= value <= spec['high']
    except TypeError:
        return False


def enqueue_config_values(study, cfg: Config, space: Dict[str, dict]):
    """Queue the config's own values of the space's keys as the first
    trial of a study that has none, so that the best trial is never worse
    (on val, same seed) than the config as it is.

    Args:
        study (optuna.Study): The study.
        cfg (Config): The tuned config.
        space (dict): The checked space.

    Returns:
        dict | None: The values queued; None when the study already has
        trials or a value lies outside its range (logged).
    """
    if study.trials:
        return None
    values = {key: lookup(cfg, key) for key in space}
    outside = [k for k, v in values.items() if not _in_space(v, space[k])]
    if outside:
        print_log(
            f"The config's values of {outside} lie outside the space; its "
            'own values are not queued as a trial.',
            logger='current',
        )
        return None
    study.enqueue_trial(
        values, user_attrs={'config_values': True}, skip_if_exists=True
    )
    print_log(
        "The first trial runs the config's own values (--no-baseline "
        'skips it).',
        logger='current',
    )
    return values


def tune(
    config_path: str,
    space_path: Optional[str] = None,
    work_dir: Optional[str] = None,
    n_trials: Optional[int] = None,
    timeout: Optional[float] = None,
    metric: str = 'spml/mAP',
    storage: Optional[str] = None,
    study_name: Optional[str] = None,
    sampler: str = 'tpe',
    pruner='median',
    seed: int = 0,
    cfg_options: Optional[dict] = None,
    baseline: bool = True,
) -> Dict[str, object]:
    """Run (or resume, or join) an Optuna study of ``config_path`` and
    write its outputs.

    Args:
        config_path (str): The config to tune.
        space_path (str, optional): The space file; None gives the built-in
            GR space. Defaults to None.
        work_dir (str, optional): Folder of the trials and the outputs.
            Defaults to ``work_dirs/tune_<config stem>``.
        n_trials (int, optional): Trials this process runs (None: until
            ``timeout``). Defaults to None.
        timeout (float, optional): Seconds after which this process starts
            no new trial. Defaults to None.
        metric (str): Validation metric to maximize. Defaults to
            ``'spml/mAP'``.
        storage (str, optional): Storage URL (see
            :func:`~.study.make_storage`). Defaults to
            ``sqlite:///<work_dir>/study.db``.
        study_name (str, optional): Defaults to the config's stem.
        sampler (str): ``'tpe'`` or ``'random'``. Defaults to ``'tpe'``.
        pruner (str | optuna.pruners.BasePruner): ``'median'``,
            ``'hyperband'``, ``'none'`` or a pruner. Defaults to
            ``'median'``.
        seed (int): Seed of every trial's run and of the sampler. Defaults
            to 0.
        cfg_options (dict, optional): Overrides merged into the config.
            Defaults to None.
        baseline (bool): In a new study, run the config's own values
            first (:func:`enqueue_config_values`). Defaults to True.

    Returns:
        dict: ``study`` (the Optuna study), ``written`` (files) and
        ``summary`` (the text printed).

    Raises:
        ValueError: Neither ``n_trials`` nor ``timeout`` is given.
        ConfigError: See :func:`prepare`.
    """
    import_optuna()  # say how to install it before any work
    if n_trials is None and timeout is None:
        raise ValueError('give --n-trials or --timeout (or both)')
    # Every check before the work dir and the study exist: a mistake costs
    # nothing and leaves nothing behind.
    cfg, space = prepare(config_path, space_path, cfg_options, metric)
    stem = config_stem(config_path)
    work_dir = work_dir or osp.join('work_dirs', f'tune_{stem}')
    os.makedirs(work_dir, exist_ok=True)
    storage = storage or f'sqlite:///{osp.abspath(work_dir)}/study.db'
    study_name = study_name or stem
    print_log(describe_space(space, space_path), logger='current')
    if isinstance(pruner, str):
        pruner = make_pruner(pruner)
    study = open_study(
        study_name,
        storage,
        make_sampler(sampler, seed),
        pruner,
        setup=(lambda st: enqueue_config_values(st, cfg, space))
        if baseline
        else None,
    )
    objective = TrialObjective(
        cfg, space, osp.abspath(work_dir), metric, seed, sampler
    )
    study.optimize(
        objective,
        n_trials=n_trials,
        timeout=timeout,
        catch=(Exception,),
        gc_after_trial=True,
    )
    written = write_outputs(study, cfg, config_path, work_dir, metric)
    text = summary(study, metric, written)
    print(text, flush=True)
    return dict(study=study, written=written, summary=text)


def write_outputs(
    study, cfg: Config, config_path: str, work_dir: str, metric: str
) -> List[str]:
    """Write the best config, ``trials.csv`` and the plots.

    Args:
        study (optuna.Study): The study.
        cfg (Config): The tuned config.
        config_path (str): Its file.
        work_dir (str): Where to write.
        metric (str): The metric maximized.

    Returns:
        list[str]: The files written.
    """
    optuna = import_optuna()
    written = [write_trials_csv(study, osp.join(work_dir, 'trials.csv'))]
    complete = study.get_trials(
        deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)
    )
    if complete:
        best = osp.join(work_dir, f'best_{config_stem(config_path)}.py')
        written.append(
            write_best_config(study, cfg, config_path, best, metric)
        )
    else:
        print_log(
            'No complete trial: no best config written.', logger='current'
        )
    if study.trials:
        written += write_plots(study, work_dir)
    return written

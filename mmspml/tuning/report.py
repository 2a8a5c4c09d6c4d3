"""What a study leaves in its work dir: the best config, a table of all
trials, two plots, and a summary."""

import math
import os.path as osp
import warnings
from collections import Counter
from typing import Dict, List

from mmengine.config import Config
from mmengine.logging import print_log

from mmspml.utils import write_atomically

from .config_keys import config_text, overrides
from .deps import import_optuna


def write_best_config(
    study, cfg: Config, config_path: str, out_path: str, metric: str
) -> str:
    """A config that inherits the tuned one and sets the best trial's
    values, ready for ``tools/train.py``.

    Args:
        study (optuna.Study): A study with a complete trial.
        cfg (Config): The tuned config (with any ``--cfg-options``).
        config_path (str): Its file.
        out_path (str): The file to write.
        metric (str): The metric that was maximized (for the header).

    Returns:
        str: ``out_path``.
    """
    best = study.best_trial
    header = (
        f'Best trial {best.number} of Optuna study {study.study_name!r}: '
        f'val {metric} {best.value:.4f}.\n'
        'Written by tools/tune.py; train it with tools/train.py.'
    )
    flat = overrides(cfg, best.params)
    text = config_text(osp.abspath(config_path), flat, header)
    write_atomically(out_path, text)
    return out_path


def write_trials_csv(study, out_path: str) -> str:
    """Every trial: number, state, value, params, duration, user attrs.

    A trial's value is the best of its validations: what the objective
    returns for a complete trial, and the best intermediate value for a
    pruned one (Optuna stores a pruned trial's last).

    Args:
        study (optuna.Study): The study.
        out_path (str): The CSV file to write.

    Returns:
        str: ``out_path``.
    """
    optuna = import_optuna()
    frame = study.trials_dataframe(
        attrs=(
            'number',
            'state',
            'value',
            'params',
            'duration',
            'datetime_start',
            'datetime_complete',
            'user_attrs',
        )
    )
    best = {}
    pruned = optuna.trial.TrialState.PRUNED
    for trial in study.get_trials(deepcopy=False, states=(pruned,)):
        values = trial.intermediate_values.values()
        values = [v for v in values if math.isfinite(v)]
        if values:
            best[trial.number] = max(values)
    if best:
        rows = frame['number'].isin(best)
        frame.loc[rows, 'value'] = frame.loc[rows, 'number'].map(best)
    write_atomically(out_path, frame.to_csv(index=False))
    return out_path


def write_plots(study, work_dir: str) -> List[str]:
    """``optimization_history.png`` and, with 2 or more complete trials,
    ``param_importances.png`` (Optuna's matplotlib plots, Agg backend).

    Args:
        study (optuna.Study): The study.
        work_dir (str): Folder to write them to.

    Returns:
        list[str]: The files written.
    """
    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    optuna = import_optuna()
    vis = optuna.visualization.matplotlib
    written = []
    complete = study.get_trials(
        deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)
    )
    plots = [('optimization_history.png', vis.plot_optimization_history)]
    if len(complete) >= 2 and len(study.best_trial.params) >= 1:
        plots.append(('param_importances.png', vis.plot_param_importances))
    else:
        print_log(
            'param_importances.png not drawn: parameter importances need '
            f'2 or more complete trials (the study has {len(complete)}).',
            logger='current',
        )
    for name, plot in plots:
        path = osp.join(work_dir, name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter(
                    'ignore', optuna.exceptions.ExperimentalWarning
                )
                axes = plot(study)
        except Exception as err:  # e.g. importances of constant values
            print_log(f'{name} not drawn: {err}', logger='current')
            continue
        figure = axes.get_figure()
        figure.tight_layout()
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written


def count_states(study) -> Dict[str, int]:
    """Number of trials in each state.

    Args:
        study (optuna.Study): The study.

    Returns:
        dict: Lower-case state name (complete, pruned, fail, running,
        waiting) -> count.
    """
    return dict(
        Counter(t.state.name.lower() for t in study.get_trials(deepcopy=False))
    )


def summary(study, metric: str, written: List[str]) -> str:
    """The text printed at the end of a study.

    Args:
        study (optuna.Study): The study.
        metric (str): The metric maximized.
        written (list[str]): Files written.

    Returns:
        str: The summary.
    """
    counts = count_states(study)
    states = ', '.join(
        f'{counts.get(s, 0)} {s}' for s in ('complete', 'pruned', 'fail')
    )
    extra = {
        k: v
        for k, v in counts.items()
        if k not in ('complete', 'pruned', 'fail')
    }
    if extra:
        states += ', ' + ', '.join(f'{v} {k}' for k, v in extra.items())
    lines = [
        f'Study {study.study_name!r}: {sum(counts.values())} trials '
        f'({states}).'
    ]
    if counts.get('complete'):
        best = study.best_trial
        lines.append(f'Best trial {best.number}: val {metric} {best.value}')
        lines += [f'  {k} = {v!r}' for k, v in best.params.items()]
        own = [
            t
            for t in study.get_trials(deepcopy=False)
            if t.user_attrs.get('config_values') and t.value is not None
        ]
        if own:
            lines.append(
                f"The config's own values (trial {own[0].number}): val "
                f'{metric} {own[0].value}'
            )
    else:
        lines.append('No trial completed: no best value.')
    lines.append('Written:')
    lines += [f'  {path}' for path in written]
    return '\n'.join(lines)

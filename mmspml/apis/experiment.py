"""Run configs over seeds the way the SPML protocol reports them.

Each run trains, keeps the checkpoint of the best validation mAP, and
evaluates that checkpoint on the test set; :func:`summarize` turns many runs
into a method-by-metric table of mean and spread.
"""

import copy
import hashlib
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmspml.utils import read_json, write_atomically
from mmspml.utils.config_names import load_config, parse_config_name


def train_and_test(
    cfg: Config, work_dir: str, seed: int, resume: bool = False
) -> dict:
    """Train ``cfg`` with ``seed``, then test its best-val checkpoint.

    Args:
        cfg (Config): A training config with val and test settings and a
            ``CheckpointHook`` that saves the best checkpoint.
        work_dir (str): Folder of this run's logs and checkpoints.
        seed (int): ``randomness.seed`` of the run.
        resume (bool): Continue from the latest checkpoint in ``work_dir``.
            Defaults to False.

    Returns:
        dict: ``best_val`` (the best val mAP), ``best_ckpt`` (its path) and
        ``test`` (the test metrics of that checkpoint).
    """
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.randomness = dict(cfg.get('randomness', {}), seed=seed)
    if resume:
        cfg.resume, cfg.load_from = True, None
    runner = (
        RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    )
    runner.train()
    best_ckpt = runner.message_hub.get_info('best_ckpt')
    if best_ckpt is None:
        raise RuntimeError(
            f'{work_dir}: no best checkpoint was saved; the config needs '
            "default_hooks.checkpoint.save_best (e.g. 'spml/mAP') and a "
            'validation set.'
        )
    best_val = float(runner.message_hub.get_info('best_score'))
    # Configs with the TestBestCheckpointHook have tested it already.
    test = runner.message_hub.get_info('test_of_best_ckpt')
    if test is None:
        runner.load_checkpoint(best_ckpt)
        test = runner.test()
    return dict(best_val=best_val, best_ckpt=best_ckpt, test=dict(test))


def summarize(
    results: Dict[str, List[dict]], metrics: Sequence[str] = ('spml/mAP',)
) -> List[dict]:
    """Mean and sample standard deviation of the test ``metrics`` (and the
    best val mAP) of every method's runs.

    Args:
        results (dict): Method name -> list of :func:`train_and_test` results
            (each may carry the ``config`` file it came from).
        metrics (Sequence[str]): Test metrics to report.

    Returns:
        list[dict]: One row per method: ``method``, ``config``, ``runs`` and,
        for each metric, ``mean`` and ``std`` (None for a single run); a
        metric whose runs report a bootstrap interval (``<metric>_low`` and
        ``_high``, :class:`SPMLAveragePrecision`) is followed by its
        ``<column> 95% interval``, the mean low and mean high over runs.
    """
    rows = []
    for method, runs in results.items():
        row = dict(
            method=method, config=runs[0].get('config', method), runs=len(runs)
        )
        columns = {f'test {m}': [r['test'][m] for r in runs] for m in metrics}
        columns['val spml/mAP'] = [r['best_val'] for r in runs]
        for name, values in columns.items():
            values = np.asarray(values, dtype=float)
            row[name] = (
                values.mean(),
                values.std(ddof=1) if len(values) > 1 else None,
            )
            metric = name[len('test ') :]
            bounds = [
                [r['test'].get(f'{metric}_{end}') for r in runs]
                for end in ('low', 'high')
            ]
            if name.startswith('test ') and None not in bounds[0] + bounds[1]:
                row[f'{name} {INTERVAL}'] = tuple(np.mean(bounds, axis=1))
        rows.append(row)
    return rows


INTERVAL = '95% interval'


def _cell(value, column: str = '') -> str:
    if column.endswith(INTERVAL):
        return f'{value[0]:.2f}-{value[1]:.2f}'
    mean, std = value
    return f'{mean:.2f}' if std is None else f'{mean:.2f} ± {std:.2f}'


def _title(column: str) -> str:
    """'test spml/mAP' -> 'test mAP', as the README's tables."""
    return column.replace('spml/', '')


def format_table(rows: List[dict], fmt: str = 'markdown') -> str:
    """Render :func:`summarize` rows as a Markdown table (the README's
    columns: method, config, each test metric, then the val mAP) or as CSV.

    Args:
        rows (list[dict]): Rows of :func:`summarize`.
        fmt (str): ``'markdown'`` gives cells of mean ± std (an interval
            as low-high); ``'csv'`` gives the method, config and number of
            runs, then a mean and a std column per metric (empty std for a
            single run; low and high for an interval). Any other value is
            read as ``'markdown'``. Defaults to ``'markdown'``.

    Returns:
        str: The table, one line per row, ending with a newline.
    """
    columns = [k for k in rows[0] if k not in ('method', 'config', 'runs')]
    if fmt == 'csv':
        ends = {
            c: ('low', 'high') if c.endswith(INTERVAL) else ('mean', 'std')
            for c in columns
        }
        head = ['method', 'config', 'runs'] + [
            f'{c} {s}' for c in columns for s in ends[c]
        ]
        lines = [','.join(head)]
        for row in rows:
            values = [
                '' if v is None else f'{v:.4f}'
                for c in columns
                for v in row[c]
            ]
            lines.append(
                ','.join(
                    [row['method'], row['config'], str(row['runs'])] + values
                )
            )
        return '\n'.join(lines) + '\n'
    lines = [
        '| method | config | ' + ' | '.join(_title(c) for c in columns) + ' |',
        '|---|---|' + '---|' * len(columns),
    ]
    for row in rows:
        cells = [_cell(row[c], c) for c in columns]
        lines.append(
            f'| {row["method"]} | `{row["config"]}` | '
            + ' | '.join(cells)
            + ' |'
        )
    return '\n'.join(lines) + '\n'


def method_by_dataset(rows: List[dict], metric: str = 'test spml/mAP') -> str:
    """A Markdown table with one row per method and one column per dataset.

    Config names are read by
    :func:`~mmspml.utils.config_names.parse_config_name`: the row is the
    algorithm (with its variant, ``gr (bf16)``; with the backbone too when
    two configs of one algorithm and dataset differ only in it), the column
    the dataset.

    Args:
        rows (list[dict]): Rows of :func:`summarize`.
        metric (str): The column of ``rows`` to show. Defaults to
            ``'test spml/mAP'``.

    Returns:
        str: The table; cells are mean ± std.
    """
    parsed = [parse_config_name(row['method']) for row in rows]

    def label(parts, with_backbone):
        text = parts['algo']
        if with_backbone and parts['backbone']:
            text += f' {parts["backbone"]}'
        return text + (f' ({parts["variant"]})' if parts['variant'] else '')

    seen, clash = set(), set()
    for parts in parsed:
        key = (label(parts, False), parts['dataset'])
        clash |= {key[0]} if key in seen else set()
        seen.add(key)
    cells, methods, datasets = {}, [], []
    for row, parts in zip(rows, parsed):
        method = label(parts, label(parts, False) in clash)
        dataset = parts['dataset']
        cells[method, dataset] = row[metric]
        methods += [method] if method not in methods else []
        datasets += [dataset] if dataset not in datasets else []
    lines = [
        '| method | ' + ' | '.join(datasets) + ' |',
        '|---|' + '---|' * len(datasets),
    ]
    for method in methods:
        values = [
            _cell(cells[method, d]) if (method, d) in cells else ''
            for d in datasets
        ]
        lines.append(f'| {method} | ' + ' | '.join(values) + ' |')
    return '\n'.join(lines) + '\n'


def config_digest(cfg: Config) -> str:
    """A digest of everything in ``cfg`` (after any overrides).

    Args:
        cfg (Config): The merged config of a run.

    Returns:
        str: The first 16 hex digits of the SHA-256 of the config's sorted
        JSON text; equal configs give equal digests.
    """
    text = json.dumps(cfg.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_configs(
    config_files: Sequence[str],
    seeds: Sequence[int],
    work_dir: str,
    cfg_options: Optional[dict] = None,
) -> Dict[str, List[dict]]:
    """:func:`train_and_test` every config with every seed; the method name
    is the config's file name, and each result records its ``config``.

    Each finished run writes ``<work_dir>/<method>/seed<s>/result.json``
    (atomically, with a digest of the merged config); called again, a run
    with that file is skipped and a run that was interrupted resumes from
    its latest checkpoint, so an interrupted sweep loses at most the epoch
    it was in. A finished run whose config has changed since is refused
    rather than reused.

    Args:
        config_files (Sequence[str]): Paths of the config files to run.
        seeds (Sequence[int]): Seeds to run every config with.
        work_dir (str): Folder under which every run gets
            ``<method>/seed<s>``.
        cfg_options (dict, optional): Overrides merged into every config
            before it runs. Defaults to None.

    Returns:
        dict: Method name -> list of the results of its runs (one per seed,
        in the order of ``seeds``), as :func:`summarize` takes them; each
        also carries ``config``, ``seed`` and ``config_digest``.

    Raises:
        ValueError: A finished run's ``result.json`` was written for another
            version of the config (or other ``cfg_options``).
    """
    results = {}
    total, done = len(config_files) * len(seeds), 0
    for path in config_files:
        method = osp.splitext(osp.basename(path))[0]
        cfg = load_config(path)
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        digest = config_digest(cfg)
        results[method] = []
        for seed in seeds:
            done += 1
            run_dir = osp.join(work_dir, method, f'seed{seed}')
            result_file = osp.join(run_dir, 'result.json')
            if osp.isfile(result_file):
                run = read_json(
                    result_file,
                    'the result of one run of tools/run_configs.py',
                )
                if run.get('config_digest') != digest:
                    raise ValueError(
                        f'{result_file} was written for another version of '
                        f'{path} (or other --cfg-options); use another '
                        '--work-dir, or delete it to run again.'
                    )
                print_log(
                    f'run {done} of {total}: {path}, seed {seed}: '
                    f'finished before, skipped (delete {result_file} '
                    'to run it again)',
                    logger='current',
                )
            else:
                resume = osp.isfile(osp.join(run_dir, 'last_checkpoint'))
                print_log(
                    f'run {done} of {total}: {path}, seed {seed}'
                    + (' (resuming an interrupted run)' if resume else ''),
                    logger='current',
                )
                run = dict(
                    train_and_test(cfg, run_dir, seed, resume),
                    config=path,
                    seed=seed,
                    config_digest=digest,
                )
                write_atomically(result_file, json.dumps(run, indent=2))
            results[method].append(run)
    return results

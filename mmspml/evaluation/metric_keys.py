"""The keys a val evaluator will report, known before it runs, so that
``save_best``, an early stop's ``monitor`` and ``tools/tune.py --metric``
are checked before the first iteration instead of failing after an
epoch."""

import logging
from typing import Iterable, List, Optional, Sequence, Tuple

from mmengine.logging import print_log
from mmpretrain.registry import METRICS

from mmspml.utils import ConfigError

from .metrics import SPMLAveragePrecision


def reported_keys(metrics: Sequence) -> Optional[List[str]]:
    """The keys an evaluator holding ``metrics`` reports after each
    validation, as its hooks see them (``spml/mAP_observed``, ...).

    Only :class:`SPMLAveragePrecision` says its keys before it runs
    (:meth:`~SPMLAveragePrecision.reported_keys`); a ``classwise`` one
    needs its ``dataset_meta`` classes for the ``AP/<class>`` keys.

    Args:
        metrics (Sequence[BaseMetric]): The evaluator's metrics.

    Returns:
        list[str] | None: The keys; None when there is no metric or one
        whose keys are known only once it has run.
    """
    if not metrics:
        return None
    keys = []
    for metric in metrics:
        if not isinstance(metric, SPMLAveragePrecision):
            return None
        classes = (metric.dataset_meta or {}).get('classes')
        if metric.classwise and not classes:
            return None
        keys += metric.reported_keys(classes or ())
    return keys


def config_metrics(evaluator) -> Optional[list]:
    """The metrics of an evaluator config (``val_evaluator``: one metric,
    a list of them, or a dict with ``metrics``), built, when every one is
    an :class:`SPMLAveragePrecision` (nothing else is built).

    Args:
        evaluator (dict | list | None): The evaluator config.

    Returns:
        list[SPMLAveragePrecision] | None: The metrics; None when the
        config holds none or another kind of metric (its keys are
        unknown).
    """
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        evaluator = evaluator['metrics']
    if isinstance(evaluator, dict):
        evaluator = [evaluator]
    metrics = []
    for metric in evaluator or []:
        kind = registered_type(METRICS, metric)
        if not issubclass(kind, SPMLAveragePrecision):
            return None
        metrics.append(METRICS.build(metric))
    return metrics or None


def registered_type(registry, cfg) -> type:
    """The class a config dict builds, without building it.

    Args:
        registry (Registry): The registry that builds it.
        cfg (dict | Any): A config such as ``dict(type='CheckpointHook')``
            (``type`` a registered name or a class).

    Returns:
        type: The class; ``object`` when ``cfg`` names none that the
        registry knows (or is not a config dict).
    """
    kind = cfg.get('type') if isinstance(cfg, dict) else None
    if isinstance(kind, str):
        kind = registry.get(kind)
    return kind if isinstance(kind, type) else object


def check_metric_names(
    names: Iterable[Tuple[str, str]], metrics: Sequence
) -> None:
    """Raise when a metric name that a config key gives is not one that
    the val evaluator reports, listing those it does report.

    Nothing is checked (one debug line) when the evaluator holds a metric
    whose keys are known only once it runs.

    Args:
        names (Iterable[tuple[str, str]]): ``(config key, metric name)``
            pairs, e.g. ``('default_hooks.checkpoint.save_best',
            'spml/mAP')``.
        metrics (Sequence[BaseMetric]): The val evaluator's metrics.

    Raises:
        ConfigError: Naming every key whose metric is not reported.
    """
    names = list(names)
    keys = reported_keys(metrics)
    if keys is None:
        if names:
            print_log(
                f'Metric names {names} not checked: the val evaluator holds '
                'a metric whose keys are known only once it runs.',
                logger='current',
                level=logging.DEBUG,
            )
        return
    bad = [(key, name) for key, name in names if name not in keys]
    if not bad:
        return
    shown = [
        key
        for metric in metrics
        for key in metric.reported_keys(
            ['<class>'] if metric.classwise else ()
        )
    ]
    given = ', '.join(f'{key}={name!r}' for key, name in bad)
    evaluator = ', '.join(
        f'{type(metric).__name__}(mode={metric.mode!r})' for metric in metrics
    )
    one = len(bad) == 1
    raise ConfigError(
        f'{given} {"is not a metric" if one else "are not metrics"} the val '
        f'evaluator reports: {evaluator} reports {", ".join(shown)}; set '
        f'{"it" if one else "each"} to one of those.'
    )

"""mAP and F1 scores for single-positive multi-label learning."""

import logging
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS

from .ap_functions import (
    ap_table,
    average_precision,
    f1_scores,
    observed_average_precision,
)
from .ap_interval import (
    bootstrap_mean_ap,
    chance_average_precision,
    mean_ap_rule,
    mean_observed_ap,
)
from .ap_report import sampling_warnings, trust_report


@METRICS.register_module()
class SPMLAveragePrecision(BaseMetric):
    """Mean average precision as the SPML papers report it.

    ``mode='full'`` (the default) scores against the FULL labels of a
    sample: its ``full_gt_label`` (set by the wrappers) when present, else
    its ``gt_label``; never the observed labels of a ``gt_score``. Reports
    ``mAP`` (100 x mean AP), ``CP/CR/CF1`` and ``OP/OR/OF1`` at ``thr``, and
    logs a per-class AP table. A sample that carries partial observed labels
    (a ``gt_score`` with -1) and no full labels is refused: scoring it
    against its observed positives would count every unknown as negative.

    ``mode='observed'`` scores against the observed labels only, for data
    without full labels: per class, the AP over the images where that class
    is observed (a positive or a verified negative; the sample's
    ``gt_score`` 1/-1, else its ``gt_label`` as positives), counting only
    the classes with at least one observed positive and one observed
    negative, macro-averaged (the ``mAP_partial`` of CSL and mlcpl). It is
    reported as ``mAP_observed`` (``spml/mAP_observed``), never as ``mAP``,
    and can be ``save_best`` or an early-stopping monitor like any metric.
    ``mode='both'`` reports both.

    Each mAP comes with how far it can be trusted: ``<key>_chance``, the
    exact expected value of scores that carry no information (a random
    ranking, :func:`chance_average_precision`) on the same positives and
    negatives, and ``<key>_low`` / ``<key>_high``, a 95% percentile
    bootstrap interval over images (``num_resamples`` resamples, seeded;
    :func:`bootstrap_mean_ap`), e.g. ``spml/mAP_observed_low``. The log
    states the classes counted and their positives and negatives, and
    warns when the interval reaches the chance level, when many classes
    are not counted, when a class rests on a handful of entries, and when
    the scores only follow the class frequencies (:func:`trust_report`);
    in the full mode also when every image has exactly one positive
    (single positives used as full labels).

    Args:
        thr (float): Score threshold of the F1 scores. Defaults to 0.5.
        empty_class (str): A class without any positive in the evaluation
            set counts as AP 0 with ``'zero'`` (the published convention) or
            is left out of the mean with ``'skip'``. Defaults to ``'zero'``.
        print_table (bool): Log the per-class AP table. Defaults to True.
        classwise (bool): Also return each class's AP (percent) as
            ``AP/<class name>`` (NaN for a class without positives), e.g.
            for ``tools/analysis/plot_class_ap.py``. Defaults to False.
        collect_device (str): Device for collecting results across ranks.
            Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names; None uses
            ``'spml'``. Defaults to None.
        mode (str): ``'full'``, ``'observed'`` or ``'both'`` (see above).
            Defaults to ``'full'``.
        num_resamples (int): Bootstrap resamples of the 95% interval
            (``mAP_low`` / ``mAP_high``, ``mAP_observed_low`` /
            ``mAP_observed_high``); 0 reports no interval. Defaults to
            1000.
        resample_seed (int): Seed of the resampling, so that the interval
            is the same for the same scores. Defaults to 0.

    Raises:
        ValueError: ``empty_class`` or ``mode`` is not one of its values.
    """

    default_prefix = 'spml'

    def __init__(
        self,
        thr: float = 0.5,
        empty_class: str = 'zero',
        print_table: bool = True,
        classwise: bool = False,
        collect_device: str = 'cpu',
        prefix: Optional[str] = None,
        mode: str = 'full',
        num_resamples: int = 1000,
        resample_seed: int = 0,
    ):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.num_resamples = int(num_resamples)
        self.resample_seed = resample_seed
        if mode not in ('full', 'observed', 'both'):
            raise ValueError(
                "SPMLAveragePrecision: mode must be 'full', 'observed' or "
                f"'both', got {mode!r}"
            )
        self.mode = mode
        if empty_class not in ('zero', 'skip'):
            raise ValueError(
                'SPMLAveragePrecision: empty_class must be '
                f"'zero' or 'skip', got {empty_class!r}"
            )
        self.thr = thr
        self.empty_class = empty_class
        self.print_table = print_table
        self.classwise = classwise

    def reported_keys(self, classes: Sequence[str] = ()) -> List[str]:
        """The keys this metric reports, with its prefix, as the evaluator
        logs them (e.g. ``spml/mAP_observed``); a config check compares
        ``save_best`` and monitors against them before training.

        Args:
            classes (Sequence[str]): Class names, for the ``AP/<class>``
                keys of ``classwise=True``. Defaults to ().

        Returns:
            list[str]: The keys.
        """
        keys = []
        interval = ['mAP_low', 'mAP_high'] if self.num_resamples else []
        if self.mode != 'observed':
            keys += ['mAP'] + interval + ['mAP_chance']
            keys += ['CP', 'CR', 'CF1', 'OP', 'OR', 'OF1']
            if self.classwise:
                keys += [f'AP/{name}' for name in classes]
        if self.mode != 'full':
            keys += ['mAP_observed']
            keys += [f'mAP_observed_{k[4:]}' for k in interval]
            keys += ['mAP_observed_chance', 'observed_classes']
        prefix = f'{self.prefix}/' if self.prefix else ''
        return [prefix + key for key in keys]

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            score = sample['pred_score'].detach().cpu().float()
            result = dict(pred_score=score)
            if self.mode != 'observed':
                result['target'] = self._full_target(sample, score.numel())
            if self.mode != 'full':
                result['observed'] = self._observed(sample, score.numel())
            self.results.append(result)

    @staticmethod
    def _labels_row(labels, num_classes: int, sample) -> torch.Tensor:
        labels = torch.as_tensor(labels).long().cpu()
        if labels.numel() and int(labels.max()) >= num_classes:
            raise ValueError(
                f'SPMLAveragePrecision: label {int(labels.max())} of '
                f'{sample.get("img_path")!r} is out of range for '
                f'{num_classes} predicted classes; the head and the '
                'dataset disagree on the number of classes.'
            )
        row = torch.zeros(num_classes, dtype=torch.int8)
        row[labels] = 1
        return row

    def _full_target(self, sample, num_classes: int) -> torch.Tensor:
        labels = sample.get('full_gt_label')
        if labels is None:
            score = sample.get('gt_score')
            if score is not None and bool((torch.as_tensor(score) < 0).any()):
                raise ValueError(
                    'SPMLAveragePrecision: image '
                    f'{sample.get("img_path")!r} carries partial observed '
                    'labels (verified negatives) and no full labels, so '
                    'its mAP would count every unknown as negative; use '
                    "SPMLAveragePrecision(mode='observed') for data "
                    'without full labels.'
                )
            labels = sample.get('gt_label')
        if labels is None:
            raise KeyError(
                'SPMLAveragePrecision: a sample has neither '
                "'full_gt_label' nor 'gt_label'."
            )
        return self._labels_row(labels, num_classes, sample)

    def _observed(self, sample, num_classes: int) -> torch.Tensor:
        score = sample.get('gt_score')
        if score is not None:
            return torch.as_tensor(score).detach().cpu().to(torch.int8)
        return self._labels_row(
            sample.get('gt_label', []), num_classes, sample
        )

    def compute_metrics(self, results: List[dict]) -> dict:
        scores = torch.stack([r['pred_score'] for r in results]).numpy()
        scores = scores.astype(np.float64)
        metrics = {}
        if self.mode != 'observed':
            targets = torch.stack([r['target'] for r in results]).numpy()
            metrics.update(self._full_metrics(scores, targets))
        if self.mode != 'full':
            observed = torch.stack([r['observed'] for r in results]).numpy()
            metrics.update(self._observed_metrics(scores, observed))
        return metrics

    def _classes(self, num_classes: int) -> List[str]:
        return list((self.dataset_meta or {}).get('classes') or []) or [
            str(c) for c in range(num_classes)
        ]

    def _trust(
        self, key: str, value: float, scores: np.ndarray, labels: np.ndarray
    ) -> dict:
        """Chance level and bootstrap interval of ``key`` (percent), and
        the log of what it rests on (:func:`trust_report`)."""
        pos = (labels == 1).sum(axis=0)
        neg = (labels == -1).sum(axis=0)
        observed = key == 'mAP_observed'
        if observed:
            counted = (pos > 0) & (neg > 0)
        else:
            counted = pos > 0 if self.empty_class == 'skip' else pos >= 0
        chance = chance_average_precision(pos, neg)
        reduce = (
            mean_observed_ap if observed else mean_ap_rule(self.empty_class)
        )
        result = {
            f'{key}_chance': float(100 * reduce(chance[None], pos, neg)[0])
        }
        interval = (float('nan'), float('nan'))
        if self.num_resamples:
            interval = bootstrap_mean_ap(
                scores, labels, reduce, self.num_resamples, self.resample_seed
            )
            interval = tuple(100 * v for v in interval)
            result[f'{key}_low'], result[f'{key}_high'] = interval
        name = f'{self.prefix}/{key}' if self.prefix else key
        for level, message in trust_report(
            name,
            value,
            interval,
            result[f'{key}_chance'],
            pos,
            neg,
            counted,
            self._classes(scores.shape[1]),
            scores,
            self.num_resamples,
        ):
            print_log(message, logger='current', level=level)
        return result

    def _observed_metrics(
        self, scores: np.ndarray, observed: np.ndarray
    ) -> dict:
        ap, valid = observed_average_precision(scores, observed)
        if not valid.any():
            raise ValueError(
                f'SPMLAveragePrecision(mode={self.mode!r}): no class of '
                f'the {len(scores)} evaluated images has both an '
                'observed positive and a verified negative, so '
                'mAP_observed is undefined (it is not 0). Evaluate on '
                'a split with verified negatives (a PartialLabelDataset '
                'or an annotation file with neg_label).'
            )
        value = float(100 * np.nanmean(ap))
        for message in sampling_warnings(observed, observed=True):
            print_log(message, logger='current', level=logging.WARNING)
        return {
            'mAP_observed': value,
            **self._trust('mAP_observed', value, scores, observed),
            'observed_classes': int(valid.sum()),
        }

    def _full_metrics(self, scores: np.ndarray, targets: np.ndarray) -> dict:
        metrics = self.calculate(scores, targets, self.thr, self.empty_class)
        labels = np.where(targets == 1, 1, -1).astype(np.int8)
        metrics.update(self._trust('mAP', metrics['mAP'], scores, labels))
        for message in sampling_warnings(targets, observed=False):
            print_log(message, logger='current', level=logging.WARNING)
        classes = self._classes(scores.shape[1])
        if self.print_table or self.classwise:
            ap = average_precision(scores, targets)
        if self.print_table:
            print_log(ap_table(ap, targets, classes), logger='current')
        if self.classwise:
            metrics.update(
                {
                    f'AP/{name}': float(100 * value)
                    for name, value in zip(classes, ap)
                }
            )
        return metrics

    @staticmethod
    def calculate(
        scores, targets, thr: float = 0.5, empty_class: str = 'zero'
    ) -> dict:
        """mAP and F1 scores of N x C ``scores`` against N x C 0/1
        ``targets``; usable without a Runner.

        Args:
            scores (array-like): N x C predicted scores.
            targets (array-like): N x C full 0/1 labels.
            thr (float): Score threshold of the F1 scores. Defaults to 0.5.
            empty_class (str): ``'zero'`` counts a class without positives
                as AP 0; ``'skip'`` leaves it out of the mean (mAP 0 when
                no class has a positive). Defaults to ``'zero'``.

        Returns:
            dict: ``mAP`` (100 x mean AP) and the scores of
            :func:`f1_scores` at ``thr``, all as floats.

        Raises:
            ValueError: ``scores`` and ``targets`` differ in shape.
        """
        scores = np.asarray(scores, dtype=np.float64)
        targets = np.asarray(targets)
        if scores.shape != targets.shape:
            raise ValueError(
                f'scores {scores.shape} and targets '
                f'{targets.shape} differ in shape'
            )
        ap = average_precision(scores, targets)
        if empty_class == 'skip':
            mean_ap = np.nanmean(ap) if np.isfinite(ap).any() else 0.0
        else:
            mean_ap = np.nan_to_num(ap, nan=0.0).mean()
        return {
            'mAP': float(100 * mean_ap),
            **{
                k: float(v) for k, v in f1_scores(scores, targets, thr).items()
            },
        }

"""Scores of a whole split: a config's dataloader run through a model's
``test_step``, as the Runner's test loop runs it, with the labels each
sample carries."""

import copy
from typing import Optional

import numpy as np
import torch
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmspml.utils.progress import progress


def build_split_dataloader(
    cfg, split: str = 'test', batch_size: Optional[int] = None
):
    """The config's ``<split>_dataloader``, built as the Runner builds it.

    Args:
        cfg (Config): The config.
        split (str): ``'test'`` or ``'val'`` (or any ``<split>`` with a
            ``<split>_dataloader``). Defaults to ``'test'``.
        batch_size (int, optional): Replaces the config's batch size.
            Defaults to None.

    Returns:
        DataLoader: The loader (a worker-less loader gets
        ``persistent_workers=False``, which PyTorch requires).

    Raises:
        ValueError: The config has no such dataloader.
    """
    key = f'{split}_dataloader'
    if not cfg.get(key):
        raise ValueError(
            f'{cfg.filename}: the config has no {key} for split {split!r}'
        )
    loader_cfg = copy.deepcopy(cfg[key])
    if batch_size is not None:
        loader_cfg['batch_size'] = batch_size
    if loader_cfg.get('num_workers', 0) == 0:
        loader_cfg['persistent_workers'] = False
    with DefaultScope.overwrite_default_scope(
        cfg.get('default_scope', 'mmpretrain')
    ):
        return Runner.build_dataloader(loader_cfg)


def one_hot(labels, num_classes: int) -> np.ndarray:
    """A 0/1 row with ones at ``labels``.

    Args:
        labels (Tensor | Sequence[int] | None): Class indices; None gives
            a row of zeros.
        num_classes (int): The row's length.

    Returns:
        np.ndarray: ``(num_classes,)`` uint8.
    """
    row = np.zeros(num_classes, dtype=np.uint8)
    if labels is not None:
        row[torch.as_tensor(labels).long().cpu().numpy()] = 1
    return row


def observed_labels(sample, num_classes: int) -> np.ndarray:
    """A sample's observed labels, 1 = observed positive, -1 = verified
    negative, 0 = unknown (docs/partial_labels.md): its ``gt_score`` when
    it carries one (partial labels), else its ``gt_label`` as positives.

    Args:
        sample (DataSample): A sample as ``model.test_step`` returns it.
        num_classes (int): The row's length.

    Returns:
        np.ndarray: ``(num_classes,)`` int8.
    """
    score = sample.get('gt_score')
    if score is None:
        return one_hot(sample.get('gt_label'), num_classes).astype(np.int8)
    return torch.as_tensor(score).cpu().numpy().astype(np.int8)


@torch.no_grad()
def score_dataloader(
    model, dataloader, num_classes: int, show_progress: bool = True
) -> dict:
    """Scores and labels of every sample of ``dataloader``, through
    ``model.test_step`` as in the Runner's test loop.

    Args:
        model (BaseModel): The model, in eval mode.
        dataloader (DataLoader): Batches as a Runner's loader yields them
            (e.g. from :func:`build_split_dataloader`).
        num_classes (int): The number of classes.
        show_progress (bool): Show a progress bar. Defaults to True.

    Returns:
        dict: ``scores`` (N x C float64 of the float32 scores), ``labels``
        (N x C uint8 0/1: each sample's ``full_gt_label`` when present,
        else its ``gt_label``; full labels only where ``has_full_gt_label``
        or no sample carries partial labels), ``observed`` (N x C int8
        observed labels, 1 = observed positive, -1 = verified negative, 0 =
        unknown, by :func:`observed_labels`: a partial-label sample's
        ``gt_score``, else its ``gt_label``, e.g. the single positive of a
        :class:`SinglePositiveDataset`; count positives with
        ``observed == 1``, never by summing), ``has_full_gt_label`` (bool)
        and ``img_paths``.
    """
    batches = dataloader
    if show_progress:
        batches = progress(dataloader, 'Scoring', len(dataloader))
    scores, full, observed, paths = [], [], [], []
    has_full = False
    for batch in batches:
        for sample in model.test_step(batch):
            scores.append(sample.pred_score.float().cpu().numpy())
            has_full = has_full or 'full_gt_label' in sample
            gt = sample.get('gt_label')
            full.append(one_hot(sample.get('full_gt_label', gt), num_classes))
            observed.append(observed_labels(sample, num_classes))
            paths.append(sample.get('img_path'))
    return dict(
        scores=np.stack(scores).astype(np.float64),
        labels=np.stack(full),
        observed=np.stack(observed),
        has_full_gt_label=has_full,
        img_paths=paths,
    )

"""Does the soft pseudo-label track the truth? A hook that scores the
training set's unannotated entries after chosen epochs and writes the
diagnostics (computed in :mod:`mmspml.evaluation.diagnostics`, drawn by
:mod:`mmspml.visualization.diagnostics`)."""

import json
import os
import os.path as osp
import random
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.dist import get_rank, get_world_size, is_main_process
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

from mmspml.datasets import SinglePositiveDataset
from mmspml.evaluation.diagnostics import pseudo_label_diagnostics
from mmspml.utils import unwrap_model
from mmspml.utils.dist_utils import gather_rows

from .base import SPMLLossHookBase


@HOOKS.register_module()
class PseudoLabelDiagnosticsHook(SPMLLossHookBase):
    """After chosen epochs, show whether the loss's treatment of the
    unannotated entries tracks the hidden truth.

    On a fixed subset of the training set (the same rows every time) it
    predicts p in eval mode (the training pipeline, without a DataLoader;
    the random states are restored afterwards, so training goes on
    unchanged), and, with the full
    labels that :class:`SinglePositiveDataset` keeps, splits the
    unannotated entries into hidden positives and negatives:

    - ``<work_dir>/diagnostics/epoch_<e>.png``: the histogram of p of both
      groups, the empirical hidden-positive rate per p-bin, and, for GR,
      the current k(p) and v(p) drawn over it; ``epoch_<e>.json`` holds the
      numbers;
    - scalars (:func:`pseudo_label_diagnostics`), logged and sent to the
      runner's visualizer backends (TensorBoard, W&B... when configured) as
      ``diagnostics/<name>``, with the picture as image ``diagnostics``.

    Under DDP every rank predicts its share of the subset and the rows are
    gathered; the main process writes.

    Args:
        interval (int): Run after every ``interval``-th epoch (and after the
            last). Defaults to 1.
        epochs (Sequence[int], optional): Run after exactly these epochs
            instead. Defaults to None.
        max_samples (int, optional): Size of the subset (a seeded random
            choice of rows); None takes the whole training set. Defaults to
            1000.
        num_bins (int): Bins of p. Defaults to 20.
        batch_size (int): Images per forward. Defaults to 64.
        out_dir (str): Folder under the work dir. Defaults to
            ``'diagnostics'``.
        loss (str): Dotted path of the loss in the model. Defaults to
            ``'head.loss_module'``.
    """

    priority = 'LOW'

    def __init__(
        self,
        interval: int = 1,
        epochs: Optional[Sequence[int]] = None,
        max_samples: Optional[int] = 1000,
        num_bins: int = 20,
        batch_size: int = 64,
        out_dir: str = 'diagnostics',
        loss: str = 'head.loss_module',
    ):
        super().__init__(loss)
        if interval < 1:
            raise ValueError(
                f'PseudoLabelDiagnosticsHook: interval must be '
                f'>= 1, got {interval}'
            )
        self.interval = interval
        self.epochs = None if epochs is None else set(epochs)
        self.max_samples = max_samples
        self.num_bins = num_bins
        self.batch_size = batch_size
        self.out_dir = out_dir

    def _due(self, runner) -> bool:
        epoch = runner.epoch + 1
        if self.epochs is not None:
            return epoch in self.epochs
        return epoch % self.interval == 0 or epoch == runner.max_epochs

    def subset(self, dataset) -> np.ndarray:
        """The rows the diagnostics use (sorted, the same every epoch).

        Args:
            dataset (SinglePositiveDataset): The training set.

        Returns:
            np.ndarray: Sorted row indices: all rows, or ``max_samples`` of
            them drawn without replacement with seed 0.
        """
        if self.max_samples is None or self.max_samples >= len(dataset):
            return np.arange(len(dataset))
        rng = np.random.RandomState(0)
        return np.sort(
            rng.choice(len(dataset), self.max_samples, replace=False)
        )

    @torch.no_grad()
    def predict(self, runner, dataset, rows: np.ndarray):
        """Scores of ``rows`` (this rank's share, then all ranks').

        The random states of ``random``, NumPy and torch are restored
        afterwards: random transforms of the training pipeline draw from
        them, and training must go on as if this pass had not happened.

        Args:
            runner (Runner): The runner; its model's ``test_step`` scores
                the samples, collated by its train dataloader's
                ``collate_fn``, ``batch_size`` at a time.
            dataset (SinglePositiveDataset): The training set, read
                directly through its pipeline.
            rows (np.ndarray): The rows to score (:meth:`subset`); this
                rank takes every ``world_size``-th from its rank on.

        Returns:
            tuple[np.ndarray, np.ndarray]: The ``sample_idx`` of every
            scored row of all ranks (M,), sorted, and their scores (M, C).
        """
        states = (
            random.getstate(),
            np.random.get_state(),
            torch.get_rng_state(),
        )
        try:
            return self._predict(runner, dataset, rows)
        finally:
            random.setstate(states[0])
            np.random.set_state(states[1])
            torch.set_rng_state(states[2])

    def _predict(self, runner, dataset, rows: np.ndarray):
        model = runner.model
        collate = runner.train_dataloader.collate_fn
        mine = rows[get_rank() :: get_world_size()]
        was_training = model.training
        model.eval()
        idx, scores = [], []
        for start in range(0, len(mine), self.batch_size):
            batch = collate(
                [
                    dataset[int(i)]
                    for i in mine[start : start + self.batch_size]
                ]
            )
            for sample in model.test_step(batch):
                idx.append(int(sample.sample_idx))
                scores.append(sample.pred_score.float())
        model.train(was_training)
        device = next(unwrap_model(model).parameters()).device
        idx = torch.tensor(idx, dtype=torch.long, device=device)
        scores = (
            torch.stack(scores).to(device)
            if scores
            else torch.zeros(
                0, len(dataset.metainfo['classes']), device=device
            )
        )
        idx, scores = gather_rows(idx, scores)
        order = torch.argsort(idx)
        return idx[order].cpu().numpy(), scores[order].cpu().numpy()

    def after_train_epoch(self, runner) -> None:
        if not self._due(runner):
            return
        dataset = runner.train_dataloader.dataset
        if not isinstance(dataset, SinglePositiveDataset) or (
            dataset.full is None
        ):
            raise TypeError(
                'PseudoLabelDiagnosticsHook needs the full labels of the '
                'training set (a SinglePositiveDataset or a '
                'PartialLabelDataset with simulated labels), got '
                f'{dataset!r}.'
            )
        loss = self.get_loss(runner)
        idx, scores = self.predict(runner, dataset, self.subset(dataset))
        # The labels training sees: the drawn positive (or the partial
        # labels, verified negatives as -1), or every positive for
        # labels='full' (then nothing is unannotated).
        trained = (
            dataset.full if dataset.labels == 'full' else dataset.observed
        )
        result = pseudo_label_diagnostics(
            scores,
            trained.to_dense(dtype=np.int8, rows=idx, negative=-1),
            dataset.full.to_dense(rows=idx),
            loss,
            self.num_bins,
        )
        epoch = runner.epoch + 1
        result.update(epoch=epoch, num_images=len(idx))
        summary = ', '.join(
            f'{k}={v:.4f}' for k, v in result['scalars'].items()
        )
        print_log(
            f'Pseudo-label diagnostics, epoch {epoch} ({len(idx)} '
            f'training images): {summary}',
            logger='current',
        )
        if not is_main_process():
            return
        folder = osp.join(runner.work_dir, self.out_dir)
        os.makedirs(folder, exist_ok=True)
        with open(osp.join(folder, f'epoch_{epoch}.json'), 'w') as f:
            json.dump(result, f, indent=1)
        name = type(loss).__name__ if loss is not None else 'the model'
        from mmspml.visualization.diagnostics import plot_diagnostics

        image = plot_diagnostics(
            result,
            f'{name}, epoch {epoch}: unannotated entries of '
            f'{len(idx)} training images',
            osp.join(folder, f'epoch_{epoch}.png'),
        )
        runner.visualizer.add_scalars(
            {f'diagnostics/{k}': v for k, v in result['scalars'].items()},
            step=epoch,
        )
        runner.visualizer.add_image('diagnostics', image, step=epoch)

"""Predict the label sets of images with a trained mmspml model, the way
MMPretrain's :class:`~mmpretrain.apis.ImageClassificationInferencer`
predicts classes."""

import os
import warnings
from math import ceil
from typing import Callable, List, Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.model import BaseModel
from mmengine.utils import import_modules_from_strings
from mmpretrain.apis import get_model
from mmpretrain.apis.base import BaseInferencer
from mmpretrain.structures import DataSample

from mmspml.engine.runner.checkpoint import load_checkpoint_checked
from mmspml.evaluation.scoring import build_split_dataloader, score_dataloader
from mmspml.evaluation.thresholds import predicted_labels
from mmspml.evaluation.thresholds_file import class_thresholds
from mmspml.utils import find_checkpoint
from mmspml.utils.config_names import load_config
from mmspml.utils.config_utils import class_names, config_test_pipeline
from mmspml.utils.progress import progress
from mmspml.utils.upstream import guard_protected_uses
from mmspml.visualization.predictions import draw_predictions

from .inputs import (
    InputType,
    expand_inputs,
    prediction_results,
    prepare_input,
    split_test_pipeline,
)

# The keyword arguments of __call__ that go to visualize.
VISUALIZE_ARGS = ('show', 'wait_time', 'show_dir', 'resize', 'draw_score')


class SPMLInferencer(BaseInferencer):
    """Predict the scores and label sets of images with a multi-label
    model trained by mmspml, following MMPretrain's
    :class:`~mmpretrain.apis.ImageClassificationInferencer`.

    The model is built from a config and loaded from a checkpoint (a file,
    or a work dir: its best-val checkpoint, as ``tools/test.py``). Images
    go through the config's test pipeline and ``model.test_step``, exactly
    as in the Runner's test loop, so the scores are the test-time scores.
    Labels are predicted with one rule: per-class ``thresholds``, or
    ``topk``, or one ``threshold`` (0.5 when nothing is given); class ``c``
    is predicted when ``score_c >= threshold_c``.

    Inputs (:func:`~mmspml.apis.inputs.expand_inputs`): image paths,
    folders, BGR uint8 arrays as ``mmcv.imread`` gives them, or a list of
    these. Paths run the config's whole test pipeline; arrays run it
    without its image loader.

    Args:
        model (str | Config | BaseModel): A config file or config; or a
            built model with a ``_config`` attribute (as
            :func:`mmpretrain.get_model` returns).
        pretrained (str, optional): Checkpoint file or work dir. None keeps
            the initial weights (with a warning). Defaults to None.
        device (str | torch.device, optional): Defaults to None: ``'cuda'``
            when available, else ``'cpu'``.
        threshold (float, optional): One threshold for all classes.
            Defaults to None.
        topk (int, optional): Predict the ``topk`` highest-scoring classes.
            Defaults to None.
        thresholds (str | Sequence[float], optional): Per-class thresholds:
            a file written by ``tools/analysis/calibrate_thresholds.py`` or
            one value per class. Defaults to None.
        classes (Sequence[str], optional): Class names; by default those
            saved in the checkpoint (or the config's). Defaults to None.
        trust_checkpoint (bool): Load ``pretrained`` with full unpickling,
            which runs any code the file holds: only for files you trust.
            Defaults to False (``weights_only=True``, no allow-list).

    Example:
        >>> from mmspml.apis import SPMLInferencer
        >>> inferencer = SPMLInferencer(
        ...     'configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py',
        ...     'work_dirs/gr_resnet18-half_1xb64_mnist-mosaic')
        >>> inferencer('data/mnist_mosaic/images/test/00000.png')[0]
        {'img_path': 'data/mnist_mosaic/images/test/00000.png',
         'scores': {'zero': ..., 'one': ..., ...}, 'labels': [...]}
    """

    visualize_kwargs: set = set(VISUALIZE_ARGS)

    def __init__(
        self,
        model: Union[str, Config, BaseModel],
        pretrained: Optional[str] = None,
        device: Union[str, torch.device, None] = None,
        threshold: Optional[float] = None,
        topk: Optional[int] = None,
        thresholds: Union[str, Sequence[float], None] = None,
        classes: Optional[Sequence[str]] = None,
        trust_checkpoint: bool = False,
    ) -> None:
        guard_protected_uses()  # the BaseInferencer methods overridden
        if sum(x is not None for x in (threshold, topk, thresholds)) > 1:
            raise ValueError(
                'SPMLInferencer: give one of threshold, topk and thresholds'
            )
        if not isinstance(model, BaseModel):
            cfg = (
                model if isinstance(model, Config) else load_config(str(model))
            )
            if cfg.get('custom_imports'):  # as the Runner does
                import_modules_from_strings(**cfg.custom_imports)
            model = get_model(cfg, pretrained=False)
        elif not hasattr(model, '_config'):
            raise ValueError(
                'SPMLInferencer: a model object needs its '
                'config in model._config (as '
                'mmpretrain.get_model sets it)'
            )
        checkpoint = None
        self.checkpoint = None
        if pretrained:
            self.checkpoint = find_checkpoint(str(pretrained))
            checkpoint = load_checkpoint_checked(
                model, self.checkpoint, trust=trust_checkpoint
            )
        else:
            warnings.warn(
                'SPMLInferencer: no checkpoint given; the model '
                'keeps its initial weights.',
                stacklevel=2,
            )
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        super().__init__(model=model, pretrained=False, device=device)
        self.classes = class_names(
            self.model, self.config, checkpoint, classes
        )
        if topk is not None and not 1 <= topk <= len(self.classes):
            raise ValueError(
                f'topk must be between 1 and '
                f'{len(self.classes)} (the number of classes), '
                f'got {topk}'
            )
        self.threshold = threshold
        self.topk = topk
        self.thresholds = class_thresholds(
            str(thresholds)
            if isinstance(thresholds, os.PathLike)
            else thresholds,
            self.classes,
        )

    def _init_pipeline(self, cfg: Config) -> Callable:
        self.file_pipeline, pipeline, self.has_loader = split_test_pipeline(
            config_test_pipeline(cfg)
        )
        return pipeline

    def __call__(
        self,
        inputs: InputType,
        return_datasamples: bool = False,
        batch_size: int = 1,
        show_progress: bool = True,
        **kwargs,
    ) -> list:
        """Predict ``inputs``.

        Args:
            inputs (str | array | list): Image paths, folders or arrays (see
                the class docstring).
            return_datasamples (bool): Return the :obj:`DataSample` of each
                image (``pred_score``, ``pred_label``) instead of dicts.
                Defaults to False.
            batch_size (int): Images per forward pass. Defaults to 1.
            show_progress (bool): Show a progress bar. Defaults to True.
            show_dir (str, optional): Write each image with its predicted
                labels and scores drawn on it to this folder (as
                ``<name>.png``). Defaults to None.
            resize (int, optional): Short edge of the drawn images; by
                default images under 224 px are enlarged to 224.
            draw_score (bool): Draw the scores too. Defaults to True.
            show (bool): Show the drawn images in a window. Defaults to
                False.

        Returns:
            list: One dict per image, in input order: ``img_path`` (None
            for an array), ``scores`` (class name to score, every class) and
            ``labels`` (the predicted class names, highest score first).
        """
        _, _, visualize_kwargs, _ = self._dispatch_kwargs(**kwargs)
        ori_inputs = self._inputs_to_list(inputs)
        batches = self.preprocess(ori_inputs, batch_size=batch_size)
        if show_progress:
            batches = progress(
                batches, 'Inference', ceil(len(ori_inputs) / batch_size)
            )
        preds, names = [], set()
        for data in batches:
            batch = self.forward(data)
            # Drawn batch by batch and not kept: a large folder never holds
            # all its drawn images in memory.
            self._draw(
                ori_inputs[len(preds) : len(preds) + len(batch)],
                batch,
                len(preds),
                names,
                keep=False,
                **visualize_kwargs,
            )
            preds.extend(batch)
        return self.postprocess(preds, None, return_datasamples)

    def _inputs_to_list(self, inputs: InputType) -> list:
        return expand_inputs(inputs)

    def _prepare(self, input_) -> dict:
        return prepare_input(
            input_, self.pipeline, self.file_pipeline, self.has_loader
        )

    def preprocess(self, inputs: list, batch_size: int = 1):
        chunks = self._get_chunk_data(map(self._prepare, inputs), batch_size)
        yield from map(default_collate, chunks)

    @torch.no_grad()
    def forward(self, inputs: dict, **kwargs) -> List[DataSample]:
        """``model.test_step`` and the predicted labels of each image."""
        preds = self.model.test_step(inputs)
        scores = torch.stack([p.pred_score for p in preds]).float().cpu()
        labels = predicted_labels(
            scores.numpy(),
            threshold=self.threshold,
            topk=self.topk,
            thresholds=self.thresholds,
        )
        for pred, label in zip(preds, labels):
            pred.set_pred_label(torch.tensor(label, dtype=torch.long))
        return preds

    def visualize(
        self,
        ori_inputs: list,
        preds: List[DataSample],
        show: bool = False,
        wait_time: float = 0,
        show_dir: Optional[str] = None,
        resize: Optional[int] = None,
        draw_score: bool = True,
    ) -> Optional[list]:
        """Draw the predicted labels (and scores) on each image with
        MMPretrain's :class:`UniversalVisualizer` (headless: it draws with
        matplotlib's Agg canvas) and write them to ``show_dir``.

        Args:
            ori_inputs (list): The inputs (paths or BGR arrays).
            preds (List[DataSample]): Their predictions (:meth:`forward`).
            show (bool): Show each in a window. Defaults to False.
            wait_time (float): Seconds to show each. Defaults to 0.
            show_dir (str, optional): Write ``<file name>.png`` (arrays:
                ``<index>.png``) here. Defaults to None.
            resize (int, optional): Short edge of the drawn images; by
                default images under 224 px are enlarged to 224.
            draw_score (bool): Draw the scores too. Defaults to True.

        Returns:
            list | None: The drawn RGB images; None when neither ``show``
            nor ``show_dir`` is given.
        """
        options = dict(show=show, wait_time=wait_time, show_dir=show_dir)
        options.update(resize=resize, draw_score=draw_score)
        return self._draw(ori_inputs, preds, 0, set(), True, **options)

    def _draw(self, inputs, preds, start, names, keep, **kwargs):
        if self.visualizer is None and (
            kwargs.get('show') or kwargs.get('show_dir')
        ):
            from mmpretrain.visualization import UniversalVisualizer

            self.visualizer = UniversalVisualizer()
        return draw_predictions(
            self.visualizer,
            inputs,
            preds,
            self.classes,
            start,
            names,
            keep,
            **kwargs,
        )

    def postprocess(
        self,
        preds: List[DataSample],
        visualization: Optional[list],
        return_datasamples: bool = False,
    ) -> list:
        if return_datasamples:
            return preds
        return prediction_results(preds, self.classes)

    def build_dataloader(
        self, split: str = 'test', batch_size: Optional[int] = None
    ):
        """The config's ``<split>_dataloader``, built as the Runner builds
        it (:func:`~mmspml.evaluation.scoring.build_split_dataloader`).

        Args:
            split (str): ``'test'`` or ``'val'`` (or any ``<split>`` with a
                ``<split>_dataloader``). Defaults to ``'test'``.
            batch_size (int, optional): Replaces the config's batch size.

        Returns:
            DataLoader: The loader.
        """
        return build_split_dataloader(self.config, split, batch_size)

    def score_dataloader(self, dataloader, show_progress: bool = True) -> dict:
        """Scores and labels of every sample of ``dataloader``
        (:func:`~mmspml.evaluation.scoring.score_dataloader` with this
        model and its classes).

        Args:
            dataloader (DataLoader): Batches as a Runner's loader yields
                them (e.g. from :meth:`build_dataloader`).
            show_progress (bool): Show a progress bar. Defaults to True.

        Returns:
            dict: ``scores``, ``labels``, ``observed`` (1 = observed
            positive, -1 = verified negative, 0 = unknown),
            ``has_full_gt_label`` and ``img_paths``.
        """
        return score_dataloader(
            self.model, dataloader, len(self.classes), show_progress
        )

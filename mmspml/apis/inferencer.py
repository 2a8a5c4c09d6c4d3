"""Predict the label sets of images with a trained mmspml model, the way
MMPretrain's :class:`~mmpretrain.apis.ImageClassificationInferencer`
predicts classes."""
import copy
import os
import os.path as osp
import re
import warnings
from math import ceil
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmengine.runner import load_state_dict
from mmengine.utils import import_modules_from_strings
from mmpretrain.apis import get_model
from mmpretrain.apis.base import BaseInferencer
from mmpretrain.structures import DataSample
from mmpretrain.utils import track
from mmpretrain.utils.progress import global_live

from mmspml.datasets.single_positive import build_pipeline
from mmspml.datasets.transforms import image_file_problem
from mmspml.evaluation.thresholds import class_thresholds, predicted_labels
from mmspml.engine.runner.checkpoint import (check_checkpoint_layout,
                                             load_checkpoint_file)
from mmspml.engine.runner.checkpoint.layout import EXTRA_STATE_KEY
from mmspml.utils import (find_checkpoint,
                          test_dataset_config)

# What MMPretrain's folder datasets read, plus .tiff and .webp.
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')
LOADERS = ('LoadImageFromFile', 'SPMLLoadImageFromFile')
# Images whose short edge is smaller are enlarged for --show-dir, so that
# the drawn text is readable.
MIN_SHOW_SIZE = 224

InputType = Union[str, os.PathLike, np.ndarray, Sequence]


def config_test_pipeline(cfg: Config) -> list:
    """The test pipeline of ``cfg``: ``test_dataloader.dataset.pipeline``
    (or that of the dataset a wrapper holds), else ``test_pipeline``."""
    pipeline = test_dataset_config(cfg).get('pipeline')
    if pipeline is not None:
        return copy.deepcopy(list(pipeline))
    if cfg.get('test_pipeline') is not None:
        return copy.deepcopy(list(cfg.test_pipeline))
    raise ValueError(
        f'{cfg.filename}: no test pipeline found; expected '
        'test_dataloader.dataset.pipeline or test_pipeline in the config')


def progress(sequence, description: str, total: int):
    """MMPretrain's progress bar (rich) over ``sequence``; ends its line
    when the output is not a terminal (rich does it only for terminals)."""
    yield from track(sequence, description, total=total)
    if not global_live.console.is_terminal:
        global_live.console.line()


def list_images(folder: str) -> List[str]:
    """The image files (by extension, :data:`IMG_EXTENSIONS`) directly in
    ``folder``, sorted by name."""
    files = sorted(
        name for name in os.listdir(folder)
        if name.lower().endswith(IMG_EXTENSIONS)
        and osp.isfile(osp.join(folder, name)))
    if not files:
        raise ValueError(
            f'input folder {folder!r} holds no image files (looked for '
            f'{", ".join(IMG_EXTENSIONS)}; sub-folders are not searched)')
    return [osp.join(folder, name) for name in files]


def expand_inputs(inputs: InputType) -> list:
    """The images of ``inputs``: paths of files, the image files of folders
    (:func:`list_images`), arrays (an N x H x W x 3 array gives N images).

    Raises:
        FileNotFoundError: A path does not exist (named in the message).
        ValueError: A folder holds no image files, or an array has a shape
            that is not an image.
    """
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    result = []
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            path = os.fspath(item)
            if osp.isdir(path):
                result.extend(list_images(path))
            elif osp.isfile(path):
                result.append(path)
            else:
                raise FileNotFoundError(
                    f'input {path!r} not found: give image files, folders '
                    'of images or arrays')
        elif isinstance(item, np.ndarray):
            if item.ndim == 4:
                result.extend(item)
            elif item.ndim in (2, 3):
                result.append(item)
            else:
                raise ValueError('an array input must be H x W, H x W x 3 '
                                 f'or N x H x W x 3, got shape {item.shape}')
        else:
            raise TypeError('inputs must be paths, folders, arrays or a list '
                            f'of them, got {type(item).__name__}')
    if not result:
        raise ValueError('no inputs to predict')
    return result


def load_checkpoint_checked(model: torch.nn.Module, filename: str,
                            trust: bool = False) -> dict:
    """Load ``filename`` into ``model`` with safe loading
    (:func:`~mmspml.engine.runner.checkpoint.load_checkpoint_file`) and
    check that it fits: every parameter and buffer of the model must be in
    the checkpoint with the same shape. Extra entries (a loss's per-sample
    training state) are not loaded.

    Args:
        model (nn.Module): The model built from the config.
        filename (str): The checkpoint file.
        trust (bool): Full unpickling, for a file you trust (it can run
            code). Defaults to False.

    Returns:
        dict: The loaded checkpoint (``meta`` holds ``dataset_meta``).
    """
    checkpoint = load_checkpoint_file(filename, 'cpu', trust=trust)
    check_checkpoint_layout(checkpoint, filename, resume=False)
    state = checkpoint.get('state_dict', checkpoint)
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    missing, mismatched = [], []
    # A module's extra state (a loss's per-sample training state, N x C
    # tensors of ROLE, EM + APL, LL-Cp) is not needed to predict: it is
    # neither required nor loaded.
    own = {
        key: value
        for key, value in model.state_dict().items()
        if not key.endswith(EXTRA_STATE_KEY)
    }
    for key, value in own.items():
        if key not in state:
            missing.append(key)
        elif tuple(getattr(state[key], 'shape', ())) != tuple(value.shape):
            mismatched.append(f'{key}: {tuple(state[key].shape)} in the '
                              f'checkpoint, {tuple(value.shape)} in the '
                              'model')
    if missing or mismatched:
        details = (
            [f'missing: {", ".join(missing[:5])}'
             f'{" ..." if len(missing) > 5 else ""}'] if missing else []) + \
            mismatched[:5]
        raise ValueError(
            f'checkpoint {filename} does not fit the model of the config '
            f'({len(missing)} weights missing, {len(mismatched)} of another '
            f'shape; e.g. a different num_classes or backbone): '
            + '; '.join(details))
    load_state_dict(model, {k: v for k, v in state.items() if k in own},
                    strict=False)
    return checkpoint


def class_names(model: BaseModel, cfg: Config,
                checkpoint: Optional[dict] = None,
                classes: Optional[Sequence[str]] = None) -> List[str]:
    """The model's class names: ``classes`` if given, else the checkpoint's
    ``meta.dataset_meta.classes``, else the config's test dataset
    ``metainfo.classes``, else the test dataset type's ``METAINFO``, else
    ``'0'``, ``'1'``, ...; checked against ``model.head.num_classes``."""
    num_classes = getattr(getattr(model, 'head', None), 'num_classes', None)
    sources = []
    if classes is not None:
        sources.append(('the classes argument', classes))
    meta = (checkpoint or {}).get('meta') or {}
    sources.append(('the checkpoint meta',
                    (meta.get('dataset_meta') or {}).get('classes')))
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    sources.append(('the config test dataset',
                    (dataset.get('metainfo') or {}).get('classes')))
    sources.append(('the test dataset type',
                    (getattr(model, '_dataset_meta', None) or {}).get(
                        'classes')))
    for where, names in sources:
        if names is None:
            continue
        if isinstance(names, str) or not isinstance(
                names, (list, tuple)) or not all(
                    isinstance(n, (str, int)) for n in names):
            raise ValueError(
                f'{where}: the class names must be a list of strings, got '
                f'{type(names).__name__} {str(names)[:80]}')
        names = [str(n) for n in names]
        if num_classes is not None and len(names) != num_classes:
            raise ValueError(
                f'{where} names {len(names)} classes but the model head '
                f'predicts {num_classes} (model.head.num_classes)')
        return names
    if num_classes is None:
        raise ValueError('no class names found (checkpoint meta, config) '
                         'and the model head has no num_classes; give '
                         'classes=[...]')
    return [str(i) for i in range(num_classes)]


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

    Inputs: an image path, a folder (its image files, by name, not
    recursive), an H x W x 3 uint8 array in BGR order (as
    ``mmcv.imread`` and ``LoadImageFromFile`` give it; an H x W array is
    grayscale, repeated to 3 channels as ``LoadImageFromFile`` loads a
    grayscale file; an N x H x W x 3 array is N images), or a list of
    these. Paths run the config's whole test pipeline; arrays run it
    without ``LoadImageFromFile``.

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
        >>> inferencer = SPMLInferencer('configs/gr_demo.py',
        ...                             'work_dirs/gr_demo')
        >>> inferencer('data/mnist_mosaic/images/test/00000.png')[0]
        {'img_path': 'data/mnist_mosaic/images/test/00000.png',
         'scores': {'zero': ..., 'one': ..., ...}, 'labels': [...]}
    """

    visualize_kwargs: set = {
        'show', 'wait_time', 'show_dir', 'resize', 'draw_score'
    }

    def __init__(self,
                 model: Union[str, Config, BaseModel],
                 pretrained: Optional[str] = None,
                 device: Union[str, torch.device, None] = None,
                 threshold: Optional[float] = None,
                 topk: Optional[int] = None,
                 thresholds: Union[str, Sequence[float], None] = None,
                 classes: Optional[Sequence[str]] = None,
                 trust_checkpoint: bool = False) -> None:
        if sum(x is not None for x in (threshold, topk, thresholds)) > 1:
            raise ValueError('SPMLInferencer: give one of threshold, topk '
                             'and thresholds')
        if not isinstance(model, BaseModel):
            cfg = model if isinstance(model, Config) else \
                Config.fromfile(str(model))
            if cfg.get('custom_imports'):  # as the Runner does
                import_modules_from_strings(**cfg.custom_imports)
            model = get_model(cfg, pretrained=False)
        elif not hasattr(model, '_config'):
            raise ValueError('SPMLInferencer: a model object needs its '
                             'config in model._config (as '
                             'mmpretrain.get_model sets it)')
        checkpoint = None
        self.checkpoint = None
        if pretrained:
            self.checkpoint = find_checkpoint(str(pretrained))
            checkpoint = load_checkpoint_checked(model, self.checkpoint,
                                                 trust=trust_checkpoint)
        else:
            warnings.warn('SPMLInferencer: no checkpoint given; the model '
                          'keeps its initial weights.')
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        super().__init__(model=model, pretrained=False, device=device)
        self.classes = class_names(self.model, self.config, checkpoint,
                                   classes)
        if topk is not None and not 1 <= topk <= len(self.classes):
            raise ValueError(f'topk must be between 1 and '
                             f'{len(self.classes)} (the number of classes), '
                             f'got {topk}')
        self.threshold = threshold
        self.topk = topk
        self.thresholds = class_thresholds(
            str(thresholds) if isinstance(thresholds, os.PathLike)
            else thresholds, self.classes)

    def _init_pipeline(self, cfg: Config) -> Callable:
        pipeline = config_test_pipeline(cfg)
        from mmpretrain.datasets import remove_transform
        self.file_pipeline = build_pipeline(pipeline)
        self.has_loader = any(
            isinstance(t, dict) and t.get('type') in LOADERS
            for t in pipeline)
        for loader in LOADERS:
            pipeline = remove_transform(pipeline, loader)
        return build_pipeline(pipeline)

    def __call__(self,
                 inputs: InputType,
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 show_progress: bool = True,
                 **kwargs) -> list:
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
            batches = progress(batches, 'Inference',
                               ceil(len(ori_inputs) / batch_size))
        preds, names = [], set()
        for data in batches:
            batch = self.forward(data)
            # Drawn batch by batch and not kept: a large folder never holds
            # all its drawn images in memory.
            self._draw(ori_inputs[len(preds):len(preds) + len(batch)], batch,
                       len(preds), names, keep=False, **visualize_kwargs)
            preds.extend(batch)
        return self.postprocess(preds, None, return_datasamples)

    def _inputs_to_list(self, inputs: InputType) -> list:
        return expand_inputs(inputs)

    def _prepare(self, input_) -> dict:
        """One input through the test pipeline."""
        if isinstance(input_, str):
            if self.has_loader:
                return self.file_pipeline(dict(img_path=input_))
            problem = image_file_problem(input_)
            if problem is not None:
                raise ValueError(f'{input_}: {problem}')
            import mmcv
            img = mmcv.imread(input_)
            return self.pipeline(
                dict(img=img, img_path=input_, img_shape=img.shape[:2],
                     ori_shape=img.shape[:2]))
        img = np.asarray(input_)
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        return self.pipeline(
            dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))

    def preprocess(self, inputs: list, batch_size: int = 1):
        chunks = self._get_chunk_data(map(self._prepare, inputs),
                                      batch_size)
        yield from map(default_collate, chunks)

    @torch.no_grad()
    def forward(self, inputs: dict, **kwargs) -> List[DataSample]:
        """``model.test_step`` and the predicted labels of each image."""
        preds = self.model.test_step(inputs)
        scores = torch.stack([p.pred_score for p in preds]).float().cpu()
        labels = predicted_labels(
            scores.numpy(), threshold=self.threshold, topk=self.topk,
            thresholds=self.thresholds)
        for pred, label in zip(preds, labels):
            pred.set_pred_label(torch.tensor(label, dtype=torch.long))
        return preds

    def visualize(self,
                  ori_inputs: list,
                  preds: List[DataSample],
                  show: bool = False,
                  wait_time: float = 0,
                  show_dir: Optional[str] = None,
                  resize: Optional[int] = None,
                  draw_score: bool = True) -> Optional[list]:
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
        return self._draw(ori_inputs, preds, 0, set(), True, show,
                          wait_time, show_dir, resize, draw_score)

    def _draw(self, inputs: list, preds: List[DataSample], start: int,
              names: set, keep: bool, show: bool = False,
              wait_time: float = 0, show_dir: Optional[str] = None,
              resize: Optional[int] = None,
              draw_score: bool = True) -> Optional[list]:
        """:meth:`visualize` of ``inputs`` numbered from ``start``; file
        names already in ``names`` get the index appended."""
        if not show and show_dir is None:
            return None
        import mmcv
        if self.visualizer is None:
            from mmpretrain.visualization import UniversalVisualizer
            self.visualizer = UniversalVisualizer()
        if show_dir is not None:
            os.makedirs(show_dir, exist_ok=True)
        drawn = []
        for i, (input_, sample) in enumerate(zip(inputs, preds), start):
            if isinstance(input_, str):
                image = mmcv.imread(input_)
                name = Path(input_).stem
            else:
                image = np.asarray(input_)
                if image.ndim == 2:
                    image = np.repeat(image[..., None], 3, axis=2)
                name = f'{i:05d}'
            if name in names:
                name = f'{name}_{i}'
            names.add(name)
            size = resize
            if size is None and min(image.shape[:2]) < MIN_SHOW_SIZE:
                size = MIN_SHOW_SIZE
            out_file = (osp.join(show_dir, f'{name}.png')
                        if show_dir is not None else None)
            self.visualizer.visualize_cls(
                np.ascontiguousarray(image[..., ::-1]),  # BGR -> RGB
                sample,
                classes=self.classes,
                resize=size,
                draw_gt=False,
                draw_pred=True,
                draw_score=draw_score,
                show=show,
                wait_time=wait_time,
                name=name,
                out_file=out_file)
            if keep:
                drawn.append(self.visualizer.get_image())
        if show:
            self.visualizer.close()
        return drawn

    def postprocess(self,
                    preds: List[DataSample],
                    visualization: Optional[list],
                    return_datasamples: bool = False) -> list:
        if return_datasamples:
            return preds
        results = []
        for pred in preds:
            scores = pred.pred_score.float().cpu().tolist()
            results.append(
                dict(
                    img_path=pred.get('img_path'),
                    scores=dict(zip(self.classes, scores)),
                    labels=[self.classes[i] for i in pred.pred_label.tolist()
                            ]))
        return results

    def build_dataloader(self, split: str = 'test',
                         batch_size: Optional[int] = None):
        """The config's ``<split>_dataloader``, built as the Runner builds
        it (without shuffling).

        Args:
            split (str): ``'test'`` or ``'val'`` (or any ``<split>`` with a
                ``<split>_dataloader``). Defaults to ``'test'``.
            batch_size (int, optional): Replaces the config's batch size.
        """
        key = f'{split}_dataloader'
        if not self.config.get(key):
            raise ValueError(f'{self.config.filename}: the config has no '
                             f'{key} for split {split!r}')
        cfg = copy.deepcopy(self.config[key])
        if batch_size is not None:
            cfg['batch_size'] = batch_size
        if cfg.get('num_workers', 0) == 0:
            cfg['persistent_workers'] = False
        with DefaultScope.overwrite_default_scope(
                self.config.get('default_scope', 'mmpretrain')):
            return Runner.build_dataloader(cfg)

    @torch.no_grad()
    def score_dataloader(self, dataloader, show_progress: bool = True
                         ) -> dict:
        """Scores and labels of every sample of ``dataloader``, through
        ``model.test_step`` as in the Runner's test loop.

        Args:
            dataloader (DataLoader): Batches as a Runner's loader yields
                them (e.g. from :meth:`build_dataloader`).
            show_progress (bool): Show a progress bar. Defaults to True.

        Returns:
            dict: ``scores`` (N x C float64 of the float32 scores),
            ``labels`` (N x C uint8 full labels: each sample's
            ``full_gt_label`` when present, else its ``gt_label``),
            ``observed`` (N x C uint8 of ``gt_label``: the single positives
            of a :class:`SinglePositiveDataset`), ``has_full_gt_label``
            (bool) and ``img_paths``.
        """
        batches = dataloader
        if show_progress:
            batches = progress(dataloader, 'Scoring', len(dataloader))
        scores, full, observed, paths = [], [], [], []
        has_full = False
        num_classes = len(self.classes)
        for batch in batches:
            for sample in self.model.test_step(batch):
                scores.append(sample.pred_score.float().cpu().numpy())
                has_full = has_full or 'full_gt_label' in sample
                gt = sample.get('gt_label')
                fullgt = sample.get('full_gt_label', gt)
                full.append(_one_hot(fullgt, num_classes))
                observed.append(_one_hot(gt, num_classes))
                paths.append(sample.get('img_path'))
        return dict(scores=np.stack(scores).astype(np.float64),
                    labels=np.stack(full), observed=np.stack(observed),
                    has_full_gt_label=has_full, img_paths=paths)


def _one_hot(labels, num_classes: int) -> np.ndarray:
    row = np.zeros(num_classes, dtype=np.uint8)
    if labels is not None:
        row[torch.as_tensor(labels).long().cpu().numpy()] = 1
    return row

"""Catch SPML configuration mistakes before the first iteration."""

from typing import Iterable, List, Tuple

from mmengine.hooks import CheckpointHook, EarlyStoppingHook
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper
from mmengine.runner import EpochBasedTrainLoop
from mmpretrain.models.heads import MultiLabelLinearClsHead
from mmpretrain.registry import HOOKS
from torch.nn.parallel import DistributedDataParallel

from mmspml.datasets.image_files import check_image_files
from mmspml.evaluation.metric_keys import (
    check_metric_names,
    config_metrics,
    registered_type,
)
from mmspml.models.heads import SPMLLinearClsHead

from .base import SPMLLossHookBase, get_module
from .early_stopping_hook import MetricDropEarlyStoppingHook
from .optuna_pruning_hook import OptunaPruningHook
from .test_best_checkpoint_hook import TestBestCheckpointHook

# The hooks that read a validation metric by name, and can be built from
# their config alone (OptunaPruningHook needs a live trial).
_MONITOR_HOOKS = (
    CheckpointHook,
    EarlyStoppingHook,
    MetricDropEarlyStoppingHook,
)


def monitored_metrics(hook) -> List[Tuple[str, str]]:
    """The validation metrics ``hook`` reads by name, each with the config
    key that names it: a ``CheckpointHook``'s ``save_best`` (but
    ``'auto'``), an early stop's ``monitor``, the Optuna pruning hook's
    ``--metric``.

    Args:
        hook (Hook): A registered or built hook.

    Returns:
        list[tuple[str, str]]: ``(config key, metric name)`` pairs; empty
        for any other hook.
    """
    if isinstance(hook, CheckpointHook):
        return [
            ('default_hooks.checkpoint.save_best', name)
            for name in hook.save_best or []
            if name != 'auto'
        ]
    if isinstance(hook, (EarlyStoppingHook, MetricDropEarlyStoppingHook)):
        return [(f'{type(hook).__name__}.monitor', hook.monitor)]
    if isinstance(hook, OptunaPruningHook):
        return [('--metric', hook.monitor)]
    return []


def check_config_metrics(cfg, names: Iterable[Tuple[str, str]] = ()) -> None:
    """Check, from a config alone, that the metrics its hooks read by name
    (:func:`monitored_metrics` of its ``default_hooks`` and
    ``custom_hooks``) and ``names`` are ones its ``val_evaluator`` reports;
    only those hooks and the metrics are built, no model or data.

    Args:
        cfg (Config): The config.
        names (Iterable[tuple[str, str]]): More ``(config key, metric
            name)`` pairs to check, e.g. ``[('--metric', 'spml/mAP')]``.
            Defaults to ().

    Raises:
        ConfigError: See :func:`~mmspml.evaluation.metric_keys.
            check_metric_names`.
    """
    metrics = config_metrics(cfg.get('val_evaluator'))
    if metrics is None:
        return
    hooks = list((cfg.get('default_hooks') or {}).values())
    hooks += list(cfg.get('custom_hooks') or [])
    names = list(names)
    for hook in hooks:
        if issubclass(registered_type(HOOKS, hook), _MONITOR_HOOKS):
            names += monitored_metrics(HOOKS.build(hook))
    check_metric_names(names, metrics)


@HOOKS.register_module()
class SPMLConfigCheckHook(SPMLLossHookBase):
    """Check, before training starts, what would otherwise fail later or
    train the wrong thing:

    - the head's ``num_classes`` equals the number of classes of the
      training and validation sets;
    - a loss that needs sample indices (``requires_index``) sits in an
      :class:`SPMLLinearClsHead`;
    - a loss with ``supports_amp = False`` is not trained under mmengine's
      ``AmpOptimWrapper`` (``--amp``);
    - with ``linear_init > 0`` under DDP, ``find_unused_parameters`` is set
      (the frozen backbone has no gradients);
    - every validation metric a hook reads by name
      (``default_hooks.checkpoint.save_best``, an early stop's
      ``monitor``, ``tools/tune.py --metric``) is one the val evaluator
      reports, when its metrics say their keys
      (:class:`~mmspml.evaluation.SPMLAveragePrecision`); ``'auto'`` is
      always fine;
    - every image file of the training and validation sets, and of the
      test set when a :class:`TestBestCheckpointHook` tests it after
      training, exists, is a non-empty file and may be read (metadata
      only, nothing is decoded: about 1 s per 100,000 images); one error
      counts and lists the bad ones of every dataset
      (:func:`~mmspml.datasets.image_files.check_image_files`). A test
      run checks the test set's image files in ``before_test``;
    - and it warns when training is not epoch-based: the SPML losses'
      schedules and warm-ups follow epochs, which then never advance.

    Args:
        loss (str): Dotted path of the loss module in the model; its parent
            module is the head. Defaults to ``'head.loss_module'``.
    """

    priority = 'VERY_HIGH'
    # Set once the test set's image files were checked (before training).
    _test_images_checked = False

    def before_train(self, runner) -> None:
        head_path = self.loss.rpartition('.')[0]
        head = (
            get_module(runner, head_path, type(self).__name__)
            if head_path
            else None
        )
        if isinstance(head, MultiLabelLinearClsHead):
            self._check_num_classes(runner, head.num_classes)
        if runner.val_loop is not None:
            check_metric_names(
                [pair for h in runner.hooks for pair in monitored_metrics(h)],
                runner.val_loop.evaluator.metrics,
            )
        self._check_images(runner)
        loss = self.get_loss(runner)
        if loss is None:
            return
        name = type(loss).__name__
        if loss.requires_index and not isinstance(head, SPMLLinearClsHead):
            raise TypeError(
                f"{name} keeps per-sample state and needs each sample's "
                f'index, which only SPMLLinearClsHead passes; the head is '
                f'{type(head).__name__}: set model.head.type='
                "'SPMLLinearClsHead'."
            )
        if not loss.supports_amp and isinstance(
            runner.optim_wrapper, AmpOptimWrapper
        ):
            raise ValueError(
                f'{name} does not support AmpOptimWrapper (--amp on a GPU): '
                'its loss scaler would scale the gradients the loss learns '
                'from. Train in fp32, or in bf16 with optim_wrapper.type='
                "'AutocastOptimWrapper' (no scaler)."
            )
        if not isinstance(runner.train_loop, EpochBasedTrainLoop):
            print_log(
                f'{name} follows epochs (schedules, warm-ups, pseudo-label '
                f'rounds) but the train loop is '
                f'{type(runner.train_loop).__name__}: its epoch stays at 1. '
                'Use train_cfg=dict(by_epoch=True, ...).',
                logger='current',
                level=30,
            )
        if (
            loss.linear_init > 0
            and isinstance(runner.model, DistributedDataParallel)
            and not runner.model.find_unused_parameters
        ):
            raise ValueError(
                'linear_init freezes the backbone after DDP was built; DDP '
                'then needs find_unused_parameters=True (set '
                'find_unused_parameters = True in the config).'
            )

    @staticmethod
    def _check_num_classes(runner, num_classes: int) -> None:
        loaders = [('train_dataloader', runner.train_dataloader)]
        if runner.val_loop is not None:
            loaders.append(('val_dataloader', runner.val_loop.dataloader))
        for key, loader in loaders:
            classes = (loader.dataset.metainfo or {}).get('classes')
            if classes is not None and len(classes) != num_classes:
                raise ValueError(
                    f'model.head.num_classes is {num_classes} but the '
                    f'{key} dataset has {len(classes)} classes; set '
                    f'model.head.num_classes={len(classes)} (configs take it '
                    "from the dataset base's num_classes)."
                )

    def before_test(self, runner) -> None:
        if not self._test_images_checked:
            check_image_files(
                [('test_dataloader', runner.test_dataloader.dataset)],
                before='testing',
            )
            self._test_images_checked = True

    def _check_images(self, runner) -> None:
        """The image files of the training and validation sets, and of the
        test set when a TestBestCheckpointHook tests it after training, in
        one error (:func:`check_image_files`)."""
        datasets = [('train_dataloader', runner.train_dataloader.dataset)]
        if runner.val_loop is not None:
            datasets.append(
                ('val_dataloader', runner.val_loop.dataloader.dataset)
            )
        if (
            any(isinstance(h, TestBestCheckpointHook) for h in runner.hooks)
            and runner.test_loop is not None
        ):
            datasets.append(
                ('test_dataloader', runner.test_loop.dataloader.dataset)
            )
            self._test_images_checked = True
        check_image_files(datasets)

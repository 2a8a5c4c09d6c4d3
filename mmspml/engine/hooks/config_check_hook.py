"""Catch SPML configuration mistakes before the first iteration."""

from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper
from mmengine.runner import EpochBasedTrainLoop
from mmpretrain.models.heads import MultiLabelLinearClsHead
from mmpretrain.registry import HOOKS
from torch.nn.parallel import DistributedDataParallel

from mmspml.models.heads import SPMLLinearClsHead

from .base import SPMLLossHookBase, get_module


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
    - and it warns when training is not epoch-based: the SPML losses'
      schedules and warm-ups follow epochs, which then never advance.

    Args:
        loss (str): Dotted path of the loss module in the model; its parent
            module is the head. Defaults to ``'head.loss_module'``.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        head_path = self.loss.rpartition('.')[0]
        head = (
            get_module(runner, head_path, type(self).__name__)
            if head_path
            else None
        )
        if isinstance(head, MultiLabelLinearClsHead):
            self._check_num_classes(runner, head.num_classes)
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

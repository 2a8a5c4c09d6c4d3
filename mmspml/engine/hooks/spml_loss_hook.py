"""Drive the epoch-dependent part of an SPML loss from the training loop."""

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS


def get_submodule(model, path: str):
    """``model.head.loss_module`` for ``path='head.loss_module'``, looking
    through DDP-style wrappers; a clear error when it does not exist."""
    if is_model_wrapper(model):
        model = model.module
    module = model
    for name in path.split('.'):
        if not hasattr(module, name):
            raise AttributeError(
                f'{type(model).__name__} has no {path!r} ({name!r} is '
                f'missing on {type(module).__name__}); set the hook\'s path '
                'to the module it should drive.')
        module = getattr(module, name)
    return module


@HOOKS.register_module()
class SPMLLossHook(Hook):
    """Set the loss's epoch before every training epoch and freeze the
    backbone during the ``linear_init`` warm-up.

    Before each training epoch (also the first one after a resume) it calls
    ``loss.set_epoch(epoch, max_epochs)`` with the 1-based epoch, if the loss
    has that method. When the loss has ``linear_init = n > 0``, the module at
    ``frozen_module`` gets ``requires_grad=False`` for epochs ``e <= n`` and is
    trained again from epoch ``n + 1`` (BatchNorm stays in train mode, as in
    the reference code; SPEC 2.2).

    Args:
        loss (str): Dotted path of the loss module in the model. Defaults to
            ``'head.loss_module'``.
        frozen_module (str): Dotted path of the module frozen during the
            warm-up. Defaults to ``'backbone'``.
    """
    priority = 'NORMAL'

    def __init__(self,
                 loss: str = 'head.loss_module',
                 frozen_module: str = 'backbone'):
        self.loss = loss
        self.frozen_module = frozen_module

    def before_train(self, runner) -> None:
        loss = get_submodule(runner.model, self.loss)
        if getattr(loss, 'linear_init', 0) > 0 and is_model_wrapper(
                runner.model) and not getattr(runner.model,
                                              'find_unused_parameters', True):
            raise ValueError(
                'linear_init freezes the backbone after DDP was built; DDP '
                'then needs find_unused_parameters=True (set '
                'find_unused_parameters = True in the config).')
        self._apply(runner, runner.epoch + 1)

    def before_train_epoch(self, runner) -> None:
        self._apply(runner, runner.epoch + 1)

    def _apply(self, runner, epoch: int) -> None:
        loss = get_submodule(runner.model, self.loss)
        if hasattr(loss, 'set_epoch'):
            loss.set_epoch(epoch, runner.max_epochs)
        warmup = getattr(loss, 'linear_init', 0)
        if warmup > 0:
            frozen = epoch <= warmup
            module = get_submodule(runner.model, self.frozen_module)
            for param in module.parameters():
                param.requires_grad_(not frozen)
            if frozen:
                print_log(f'linear_init: epoch {epoch} of {warmup}, '
                          f'{self.frozen_module} frozen', logger='current')

    def after_train_epoch(self, runner) -> None:
        loss = get_submodule(runner.model, self.loss)
        if hasattr(loss, 'extra_repr'):
            print_log(f'{type(loss).__name__} this epoch: {loss.extra_repr()}',
                      logger='current')

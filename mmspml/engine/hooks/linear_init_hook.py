"""Freeze the backbone during GR's ``linear_init`` warm-up epochs."""

from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

from .base import SPMLLossHookBase, get_module


@HOOKS.register_module()
class LinearInitHook(SPMLLossHookBase):
    """For epochs ``e <= loss.linear_init`` the module at ``frozen_module``
    gets ``requires_grad=False``; from epoch ``linear_init + 1`` on it trains
    again. BatchNorm stays in train mode, as in the GR reference code
    (``docs/gr_loss.md``). Nothing happens when ``linear_init`` is 0.

    Under DDP the frozen parameters have no gradient, so the config needs
    ``find_unused_parameters = True`` (``SPMLConfigCheckHook`` says so).

    Args:
        loss (str): Dotted path of the loss module in the model. Defaults to
            ``'head.loss_module'``.
        frozen_module (str): Dotted path of the module frozen during the
            warm-up. Defaults to ``'backbone'``.
    """

    default_key = 'spml_linear_init'

    @classmethod
    def needed_by(cls, loss) -> bool:
        return loss.linear_init > 0

    def __init__(
        self, loss: str = 'head.loss_module', frozen_module: str = 'backbone'
    ):
        super().__init__(loss)
        self.frozen_module = frozen_module

    def before_train(self, runner) -> None:
        self._apply(runner)

    def before_train_epoch(self, runner) -> None:
        self._apply(runner)

    def _apply(self, runner) -> None:
        loss = self.get_loss(runner)
        if loss is None or loss.linear_init <= 0:
            return
        epoch = runner.epoch + 1
        frozen = epoch <= loss.linear_init
        module = get_module(runner, self.frozen_module, type(self).__name__)
        for param in module.parameters():
            param.requires_grad_(not frozen)
        if frozen:
            print_log(
                f'linear_init: epoch {epoch} of {loss.linear_init}, '
                f'{self.frozen_module} frozen',
                logger='current',
            )

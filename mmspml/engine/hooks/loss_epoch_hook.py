"""Tell an SPML loss which epoch is about to start."""

from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

from .base import SPMLLossHookBase


@HOOKS.register_module()
class LossEpochHook(SPMLLossHookBase):
    """Call ``loss.set_epoch(epoch, max_epochs)`` with the 1-based epoch
    before every training epoch, including the first one after a resume,
    and log what the loss looks like at the end of each epoch.

    GR's schedules, SPLC's warm-up, the large-loss fractions and APL's
    pseudo-labelling epochs all read the epoch from the loss.

    Args:
        loss (str): Dotted path of the loss module in the model. Defaults to
            ``'head.loss_module'``.
    """

    # Log the epoch's summary after hooks at NORMAL priority have updated
    # the loss (TrainSetPredictionHook), before the checkpoint is saved.
    priority = 'BELOW_NORMAL'
    default_key = 'spml_loss_epoch'

    @classmethod
    def needed_by(cls, loss) -> bool:
        return loss.needs_epoch

    def before_train(self, runner) -> None:
        self._set_epoch(runner)

    def before_train_epoch(self, runner) -> None:
        self._set_epoch(runner)

    def after_train_epoch(self, runner) -> None:
        loss = self.get_loss(runner)
        if loss is not None:
            print_log(
                f'{type(loss).__name__} this epoch: {loss.extra_repr()}',
                logger='current',
            )

    def _set_epoch(self, runner) -> None:
        loss = self.get_loss(runner)
        if loss is not None:
            loss.set_epoch(runner.epoch + 1, runner.max_epochs)

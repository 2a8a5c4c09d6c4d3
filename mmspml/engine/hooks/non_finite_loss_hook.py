"""Stop training at a non-finite loss, naming the iteration."""

import math

from mmpretrain.registry import HOOKS

from .base import SPMLLossHookBase


@HOOKS.register_module()
class NonFiniteLossHook(SPMLLossHookBase):
    """Raise ``FloatingPointError`` as soon as the training loss is NaN or
    inf, with the epoch, the iteration, the value and what to do.

    It reads the loss MMEngine has already copied to the host for its log
    (``train/loss`` in the message hub), so it adds no device sync; the
    losses themselves never read a value on the host and can be compiled
    into one graph. Runs right after MMEngine's ``RuntimeInfoHook``, before
    any per-sample loss state is updated from the bad step.

    Args:
        loss (str): Dotted path of the loss module, whose state is reported.
            Defaults to ``'head.loss_module'``.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(
        self, runner, batch_idx, data_batch=None, outputs=None
    ) -> None:
        buffer = runner.message_hub.log_scalars.get('train/loss')
        if buffer is None:
            return
        value = buffer.current()
        if math.isfinite(value):
            return
        loss = self.get_loss(runner)
        state = (
            f' ({type(loss).__name__}: {loss.state_summary()})'
            if loss is not None
            else ''
        )
        raise FloatingPointError(
            f'The training loss is {value} at epoch {runner.epoch + 1}, '
            f'iteration {runner.iter + 1}{state}. The model has diverged or '
            'a batch holds bad values: lower the learning rate, clip '
            'gradients (optim_wrapper.clip_grad=dict(max_norm=...)) or check '
            'the data, then --resume continues from the last checkpoint.'
        )

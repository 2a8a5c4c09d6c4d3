"""Warn when training starts to diverge, before the loss is NaN."""

import collections
import math

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from mmspml.utils import unwrap_model


def parameter_norm(model: torch.nn.Module) -> float:
    """The L2 norm of all trainable parameters together.

    Args:
        model (torch.nn.Module): The (unwrapped) model.

    Returns:
        float: The norm; 0 when nothing is trainable.
    """
    params = [p.detach() for p in model.parameters() if p.requires_grad]
    if not params:
        return 0.0
    return float(torch.nn.utils.get_total_norm(params, norm_type=2.0))


@HOOKS.register_module()
class DivergenceWarningHook(Hook):
    """Log a warning, naming the learning rate, when the training loss or
    the weights' norm grows by ``factor`` within a few iterations.

    A learning rate that is orders of magnitude too large (``lr=1e12``)
    often trains on with finite but useless losses for many iterations
    before anything is NaN; this says so at once. Training is not stopped
    (:class:`NonFiniteLossHook` stops at a NaN / inf loss).

    - The loss: the value MMEngine already logged (``train/loss``, no device
      sync) against the smallest of the previous ``window`` iterations.
    - The weights: the L2 norm of the trainable parameters after each of
      the first ``window`` iterations, then every ``norm_interval`` (one
      small device sync), against the oldest of the last few norms (at the
      start: the initial weights).

    Each warns once per run.

    Args:
        factor (float): Growth that counts as divergence. Defaults to 100.
        window (int): Iterations to compare over. Defaults to 20.
        norm_interval (int): Iterations between two weight norms; 0 turns
            the weight check off. Defaults to 5.
    """

    priority = 'LOW'

    def __init__(
        self, factor: float = 100.0, window: int = 20, norm_interval: int = 5
    ) -> None:
        if factor <= 1 or window < 1 or norm_interval < 0:
            raise ValueError(
                'DivergenceWarningHook: factor must be > 1, '
                'window >= 1 and norm_interval >= 0, got '
                f'{factor}, {window}, {norm_interval}'
            )
        self.factor = factor
        self.window = window
        self.norm_interval = norm_interval
        self._losses = collections.deque(maxlen=window)
        self._norms = collections.deque(
            maxlen=max(1, window // max(norm_interval, 1))
        )
        self._warned = set()

    def before_train(self, runner) -> None:
        if self.norm_interval:
            self._norms.append(parameter_norm(unwrap_model(runner.model)))

    def after_train_iter(
        self, runner, batch_idx, data_batch=None, outputs=None
    ) -> None:
        buffer = runner.message_hub.log_scalars.get('train/loss')
        if buffer is not None:
            loss = buffer.current()
            if math.isfinite(loss) and self._losses:
                smallest = min(self._losses)
                if smallest > 0 and loss > self.factor * smallest:
                    self._warn(
                        runner,
                        'loss',
                        f'the training loss grew '
                        f'from {smallest:.4g} to {loss:.4g}',
                    )
            if math.isfinite(loss):
                self._losses.append(loss)
        step = runner.iter + 1
        if self.norm_interval and (
            step <= self.window or step % self.norm_interval == 0
        ):
            norm = parameter_norm(unwrap_model(runner.model))
            before = self._norms[0] if self._norms else None
            if before and math.isfinite(norm) and norm > self.factor * before:
                self._warn(
                    runner,
                    'weights',
                    f"the weights' norm grew from {before:.4g} to {norm:.4g}",
                )
            self._norms.append(norm)

    def _warn(self, runner, kind: str, what: str) -> None:
        if kind in self._warned:
            return
        self._warned.add(kind)
        try:
            lrs = runner.optim_wrapper.get_lr()
            lr = ', '.join(f'{k}={sorted(set(v))}' for k, v in lrs.items())
        except Exception:  # an optim wrapper without get_lr
            lr = 'unknown'
        runner.logger.warning(
            f'Training may be diverging: {what} (x{self.factor:g} or more) '
            f'within {self.window} iterations, at epoch {runner.epoch + 1}, '
            f'iteration {runner.iter + 1}. The learning rate is {lr}: is it '
            'orders of magnitude too large (optim_wrapper.optimizer.lr)? '
            'Lower it or clip gradients (optim_wrapper.clip_grad).'
        )

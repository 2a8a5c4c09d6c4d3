"""The SPML protocol's early stop: when val mAP drops too far below its
best."""

from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class MetricDropEarlyStoppingHook(Hook):
    """Stop training when ``monitor`` falls more than ``max_drop`` below the
    best value seen so far (the SPML recipe stops at a 2-point mAP drop).

    The best value survives a resume: it is also read from the
    ``best_score`` that ``CheckpointHook(save_best=...)`` keeps.

    Args:
        monitor (str): Validation metric to watch. Defaults to
            ``'spml/mAP'``.
        max_drop (float): Largest tolerated drop below the best. Defaults
            to 2.0.
    """

    priority = 'LOW'

    def __init__(self, monitor: str = 'spml/mAP', max_drop: float = 2.0):
        self.monitor = monitor
        self.max_drop = max_drop
        self.best: Optional[float] = None

    def after_val_epoch(self, runner, metrics=None) -> None:
        if not metrics or self.monitor not in metrics:
            raise KeyError(
                f'{type(self).__name__}: validation reported no '
                f'{self.monitor!r} (got {sorted(metrics or {})}); set monitor '
                'to one of them.'
            )
        value = float(metrics[self.monitor])
        saved_best = runner.message_hub.get_info('best_score')
        candidates = [
            v for v in (self.best, saved_best, value) if v is not None
        ]
        self.best = max(candidates)
        if self.best - value > self.max_drop:
            print_log(
                f'Early stop: {self.monitor} {value:.2f} is more than '
                f'{self.max_drop} below the best {self.best:.2f}.',
                logger='current',
            )
            runner.train_loop.stop_training = True

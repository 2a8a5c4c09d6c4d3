"""Hooks that implement the SPML evaluation protocol (SPEC section 5):
stop when val mAP drops too far below its best, and report the test
metrics of the best-val checkpoint at the end of training."""
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
                'to one of them.')
        value = float(metrics[self.monitor])
        saved_best = runner.message_hub.get_info('best_score')
        candidates = [v for v in (self.best, saved_best, value)
                      if v is not None]
        self.best = max(candidates)
        if self.best - value > self.max_drop:
            print_log(
                f'Early stop: {self.monitor} {value:.2f} is more than '
                f'{self.max_drop} below the best {self.best:.2f}.',
                logger='current')
            runner.train_loop.stop_training = True


@HOOKS.register_module()
class TestBestCheckpointHook(Hook):
    """After training, load the best-val checkpoint and run the test set.

    The test metrics are logged and kept in the message hub as
    ``test_of_best_ckpt`` (with the checkpoint in ``best_ckpt``).
    Needs ``CheckpointHook(save_best=...)`` and the test settings
    (``test_dataloader``, ``test_evaluator``, ``test_cfg``).
    """
    priority = 'LOWEST'

    def after_train(self, runner) -> None:
        best_ckpt = runner.message_hub.get_info('best_ckpt')
        if best_ckpt is None:
            raise RuntimeError(
                f'{type(self).__name__}: no best checkpoint was saved; set '
                "default_hooks.checkpoint.save_best (e.g. 'spml/mAP') and a "
                'validation set.')
        print_log(f'Testing the best checkpoint {best_ckpt}', logger='current')
        runner.load_checkpoint(best_ckpt)
        metrics = runner.test_loop.run()
        runner.message_hub.update_info('test_of_best_ckpt', dict(metrics))

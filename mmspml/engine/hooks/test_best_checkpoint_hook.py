"""The SPML protocol's report: the test metrics of the best-val
checkpoint."""

import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class TestBestCheckpointHook(Hook):
    """After training, load the best-val checkpoint and run the test set.

    The test metrics are logged and kept in the message hub as
    ``test_of_best_ckpt`` (with the checkpoint in ``best_ckpt``).
    Needs ``CheckpointHook(save_best=...)`` and the test settings
    (``test_dataloader``, ``test_evaluator``, ``test_cfg``). Training
    without validation (``--no-validate``) has no best checkpoint, and a
    config without a test set has nothing to test it on: the hook then says
    so and tests nothing.
    """

    priority = 'LOWEST'

    def after_train(self, runner) -> None:
        if runner.val_loop is None:
            print_log(
                f'{type(self).__name__}: training ran without validation, '
                'so there is no best-val checkpoint to test; test a '
                'checkpoint with tools/test.py CONFIG CHECKPOINT.',
                logger='current',
                level=logging.WARNING,
            )
            return
        if runner.test_loop is None:
            print_log(
                f'{type(self).__name__}: the config has no test set, so the '
                'best-val checkpoint is not tested; add test_dataloader and '
                'test_evaluator to the config to test it.',
                logger='current',
                level=logging.WARNING,
            )
            return
        best_ckpt = runner.message_hub.get_info('best_ckpt')
        if best_ckpt is None:
            raise RuntimeError(
                f'{type(self).__name__}: no best checkpoint was saved; set '
                "default_hooks.checkpoint.save_best (e.g. 'spml/mAP') and a "
                'validation set.'
            )
        print_log(f'Testing the best checkpoint {best_ckpt}', logger='current')
        runner.load_checkpoint(best_ckpt)
        metrics = runner.test_loop.run()
        runner.message_hub.update_info('test_of_best_ckpt', dict(metrics))

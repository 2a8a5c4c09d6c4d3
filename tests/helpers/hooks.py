"""Hooks the tests add to configs through custom_imports."""
import hashlib
import os.path as osp

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from mmspml.engine.hooks.base import unwrap_model


@HOOKS.register_module()
class StopAfterEpochHook(Hook):
    """End training gracefully after ``epoch`` (1-based) was checkpointed."""
    priority = 'LOWEST'  # after the CheckpointHook has saved the epoch

    def __init__(self, epoch: int):
        self.epoch = epoch

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 >= self.epoch:  # runner.epoch counts from 0
            runner.train_loop.stop_training = True


@HOOKS.register_module()
class CrashAtIterHook(Hook):
    """Kill the job in the middle of an epoch, as a pre-empted job dies."""

    def __init__(self, iteration: int):
        self.iteration = iteration

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter >= self.iteration:
            raise SystemExit(f'simulated crash at iteration {runner.iter}')


@HOOKS.register_module()
class RecordDrawHook(Hook):
    """Write this rank's single-positive draw digest to the work dir."""

    def before_train(self, runner) -> None:
        dataset = runner.train_dataloader.dataset
        digest = hashlib.sha256(dataset.observed_labels.tobytes()).hexdigest()
        with open(osp.join(runner.work_dir, f'draw_rank{get_rank()}.txt'),
                  'w') as f:
            f.write(digest)


@HOOKS.register_module()
class RecordLossStateHook(Hook):
    """Write digests of this rank's loss state when training starts (after
    the LossSampleStateHook set it up) and when it ends."""
    priority = 'LOW'

    def before_train(self, runner) -> None:
        self._write(runner, 'initial')

    def after_train(self, runner) -> None:
        self._write(runner, 'final')

    @staticmethod
    def _write(runner, when):
        state = unwrap_model(runner.model).head.loss_module.state
        digest = hashlib.sha256()
        for key in sorted(state):
            digest.update(key.encode())
            digest.update(state[key].cpu().numpy().tobytes())
        path = osp.join(runner.work_dir, f'state_{when}_rank{get_rank()}.txt')
        with open(path, 'w') as f:
            f.write(digest.hexdigest())

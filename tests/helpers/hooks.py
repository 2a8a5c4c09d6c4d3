"""Hooks the tests add to configs through custom_imports."""

import hashlib
import os
import os.path as osp
import re
import signal

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from mmspml.utils import unwrap_model


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
        with open(
            osp.join(runner.work_dir, f'draw_rank{get_rank()}.txt'), 'w'
        ) as f:
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


@HOOKS.register_module()
class KillDuringSaveHook(Hook):
    """SIGKILL this process in the middle of writing the first checkpoint
    whose file name matches ``pattern``: half of its bytes are on disk,
    flushed, when the kill lands, as when a job is pre-empted mid-write."""

    def __init__(self, pattern: str):
        self.pattern = pattern

    def before_train(self, runner) -> None:
        from mmengine.fileio.backends import LocalBackend

        put, pattern = LocalBackend.put, re.compile(self.pattern)

        def put_then_die(backend, obj, filepath):
            if not pattern.search(osp.basename(str(filepath))):
                return put(backend, obj, filepath)
            with open(filepath, 'wb') as f:
                f.write(obj[: len(obj) // 2])
                f.flush()
                os.fsync(f.fileno())
            os.kill(os.getpid(), signal.SIGKILL)

        LocalBackend.put = put_then_die


@HOOKS.register_module()
class PoisonWeightsHook(Hook):
    """Set the head's weights to NaN before iteration ``iteration``
    (0-based), as a diverged model would have them."""

    def __init__(self, iteration: int):
        self.iteration = iteration

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter == self.iteration:
            with torch.no_grad():
                unwrap_model(runner.model).head.fc.weight.fill_(float('nan'))


@HOOKS.register_module()
class DieOnRankHook(Hook):
    """``os._exit`` rank ``rank`` at iteration ``iteration``, as a process
    killed by the machine: no clean-up, no message to the other ranks."""

    def __init__(self, rank: int, iteration: int):
        self.rank, self.iteration = rank, iteration

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if get_rank() == self.rank and runner.iter == self.iteration:
            os._exit(3)


@HOOKS.register_module()
class CrashOnceHook(Hook):
    """Crash at iteration ``iteration`` unless ``marker`` exists; creates
    it, so a restarted job runs through."""

    def __init__(self, iteration: int, marker: str):
        self.iteration, self.marker = iteration, marker

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter >= self.iteration and not osp.exists(self.marker):
            open(self.marker, 'w').close()
            raise SystemExit(f'simulated crash at iteration {runner.iter}')

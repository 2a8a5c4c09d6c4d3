"""A hook that ends training after a given epoch, to simulate a job that was
interrupted after its checkpoint was written."""
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class StopAfterEpochHook(Hook):
    priority = 'LOWEST'  # after the CheckpointHook has saved the epoch

    def __init__(self, epoch: int):
        self.epoch = epoch

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 >= self.epoch:  # runner.epoch counts from 0
            runner.train_loop.stop_training = True

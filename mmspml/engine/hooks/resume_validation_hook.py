"""Validate the resumed epoch when its validation is not in the
checkpoint."""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class ResumeValidationHook(Hook):
    """After ``--resume``, run the validation of the resumed epoch again
    when the checkpoint does not record that it finished.

    MMEngine saves an epoch's checkpoint before validating it and, after a
    resume, goes on with the next epoch: a job killed during validation (or
    while saving the best checkpoint) would never validate that epoch, and
    the protocol could keep a worse "best" epoch. Validation is
    deterministic, so running it again gives the metrics the lost run would
    have logged. The epoch of the last finished validation is kept in the
    message hub (and so in the checkpoints saved after it) as
    ``val_epoch``.
    """
    # after_val_epoch before the CheckpointHook's, which may save again.
    priority = 'ABOVE_NORMAL'

    def __init__(self):
        self._training = False
        self._pending = False

    def before_train(self, runner) -> None:
        self._training = True
        loop, epoch = runner.train_loop, runner.epoch
        if epoch == 0 or runner.val_loop is None:
            return  # a fresh run, or no validation
        due = epoch >= loop.val_begin and (
            epoch % loop.val_interval == 0 or epoch == runner.max_epochs)
        self._pending = due and runner.message_hub.get_info(
            'val_epoch', 0) < epoch

    # Validation needs every hook's before_train (the CheckpointHook's
    # paths): run it before the next epoch, or at the end when the resumed
    # epoch was the last.
    def before_train_epoch(self, runner) -> None:
        self._validate_if_pending(runner)

    def after_train(self, runner) -> None:
        self._validate_if_pending(runner)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._training:
            runner.message_hub.update_info('val_epoch', runner.epoch)

    def _validate_if_pending(self, runner) -> None:
        if self._pending:
            self._pending = False
            print_log(
                f'Validating resumed epoch {runner.epoch}: its checkpoint '
                'was saved before its validation finished.',
                logger='current')
            runner.val_loop.run()

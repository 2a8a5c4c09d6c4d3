"""Validate the resumed epoch again after ``--resume``."""

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class ResumeValidationHook(Hook):
    """After an epoch-based ``--resume``, run the validation of the resumed
    epoch again before training goes on.

    MMEngine saves an epoch's checkpoint before validating that epoch and,
    after a resume, continues with the next one: a job killed during
    validation, or while saving the best checkpoint, would never validate
    that epoch, and the protocol could keep a worse "best" epoch or miss an
    early stop. Validation is deterministic, so running it again gives what
    the lost run logged; when it had finished, the best checkpoint and the
    early stop come out as before. Iteration-based training is left alone.
    """

    # before_train after every other hook's (the CheckpointHook's paths).
    priority = 'LOWEST'

    def before_train(self, runner) -> None:
        epoch, loop = runner.epoch, runner.train_loop
        if (
            epoch == 0
            or runner.val_loop is None
            or not hasattr(loop, 'val_interval')
        ):
            return  # a fresh run, no validation, or iteration-based
        due = epoch >= loop.val_begin and (
            epoch % loop.val_interval == 0 or epoch == runner.max_epochs
        )
        if due:
            print_log(
                f'Validating resumed epoch {epoch} again: its checkpoint is '
                'written before its validation.',
                logger='current',
            )
            runner.val_loop.run()

"""Checkpoints that survive a kill: old files go only after the new one is
in place."""

import contextlib

from mmengine.hooks import CheckpointHook
from mmpretrain.registry import HOOKS


class _DeferredRemoval:
    """A file backend whose ``remove``/``rmtree`` are queued, not done."""

    def __init__(self, backend):
        self._backend = backend
        self.pending = []

    def remove(self, path):
        self.pending.append(('remove', path))

    def rmtree(self, path):
        self.pending.append(('rmtree', path))

    def __getattr__(self, name):
        return getattr(self._backend, name)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` that never deletes a
    checkpoint before its successor is complete.

    MMEngine's hook removes the oldest kept checkpoint (and the previous
    best one) *before* writing the new file; a job killed during the write
    is then left with no usable checkpoint. Here the removals wait until the
    new checkpoint and ``last_checkpoint`` are written. With
    :class:`~mmspml.engine.SPMLRunner`, which writes every checkpoint to a
    temporary file and renames it into place, a kill at any moment leaves
    the previous checkpoint usable and ``--resume`` continues from it
    (``docs/checkpoints.md``). Arguments are those of ``CheckpointHook``.
    """

    # Every public entry point of CheckpointHook that may save (and so
    # remove) a checkpoint runs with removals deferred; no private method
    # of MMEngine's hook is overridden.
    def after_train_iter(
        self, runner, batch_idx, data_batch=None, outputs=None
    ) -> None:
        with self._removals_after_save():
            super().after_train_iter(runner, batch_idx, data_batch, outputs)

    def after_train_epoch(self, runner) -> None:
        with self._removals_after_save():
            super().after_train_epoch(runner)

    def after_val_epoch(self, runner, metrics) -> None:
        with self._removals_after_save():
            super().after_val_epoch(runner, metrics)

    def after_train(self, runner) -> None:
        with self._removals_after_save():
            super().after_train(runner)

    @contextlib.contextmanager
    def _removals_after_save(self):
        if isinstance(self.file_backend, _DeferredRemoval):
            yield  # nested: the outermost call removes
            return
        deferred = _DeferredRemoval(self.file_backend)
        self.file_backend = deferred
        try:
            yield
        finally:
            self.file_backend = deferred._backend
        # Never remove a file this save wrote (the same name saved again).
        keep = {
            self.last_ckpt,
            getattr(self, 'best_ckpt_path', None),
            *getattr(self, 'best_ckpt_path_dict', {}).values(),
        }
        for action, path in deferred.pending:
            if path not in keep:
                getattr(self.file_backend, action)(path)

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

    def _save_checkpoint_with_step(self, runner, step, meta):
        with self._removals_after_save():
            super()._save_checkpoint_with_step(runner, step, meta)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        with self._removals_after_save():
            super()._save_best_checkpoint(runner, metrics)

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
        keep = {self.last_ckpt, getattr(self, 'best_ckpt_path', None),
                *getattr(self, 'best_ckpt_path_dict', {}).values()}
        for action, path in deferred.pending:
            if path not in keep:
                getattr(self.file_backend, action)(path)

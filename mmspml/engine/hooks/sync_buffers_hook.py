"""Average the model's buffers across ranks, except the SPML loss state."""
from mmengine.dist import all_reduce_params
from mmengine.hooks import SyncBuffersHook
from mmpretrain.registry import HOOKS

from mmspml.models.losses import SPMLLoss


def buffers_outside_spml_losses(model):
    """The model's buffers (BatchNorm statistics, ...) without those of any
    :class:`SPMLLoss` (per-sample state)."""
    skip = {
        id(buf)
        for module in model.modules() if isinstance(module, SPMLLoss)
        for buf in module.buffers()
    }
    return [buf for buf in model.buffers() if id(buf) not in skip]


@HOOKS.register_module()
class SPMLSyncBuffersHook(SyncBuffersHook):
    """:class:`mmengine.hooks.SyncBuffersHook` that leaves the SPML losses'
    per-sample state alone.

    That state is already identical on every rank (each change is gathered
    from all ranks), and averaging identical float32 values is exact only
    for a power-of-two number of ranks: on 3 ranks ``(x + x + x) / 3``
    differs from ``x`` for about one value in seven.
    """

    def before_val_epoch(self, runner) -> None:
        if self.distributed:
            if not self.called_in_train:
                all_reduce_params(
                    buffers_outside_spml_losses(runner.model), op='mean')
            self.called_in_train = False

    def after_train_epoch(self, runner) -> None:
        if self.distributed:
            all_reduce_params(
                buffers_outside_spml_losses(runner.model), op='mean')
            self.called_in_train = True

"""Set up and update the per-sample state of an SPML loss."""

from mmpretrain.registry import HOOKS

from mmspml.datasets import SinglePositiveDataset
from mmspml.utils import unwrap_model

from .base import SPMLLossHookBase


@HOOKS.register_module()
class LossSampleStateHook(SPMLLossHookBase):
    """Per-sample loss state (ROLE's label estimates, APL's pseudo-labels,
    LL-Cp's relabellings): ``loss.init_sample_state`` with the training
    set's observed labels before training, and ``loss.step_state()`` after
    every training iteration.

    A resume has loaded the state from the checkpoint by then; the loss
    keeps it after checking that it fits the training set. Losses without
    state ignore both calls.

    Args:
        loss (str): Dotted path of the loss module in the model. Defaults to
            ``'head.loss_module'``.
    """

    default_key = 'spml_sample_state'

    @classmethod
    def needed_by(cls, loss) -> bool:
        return loss.requires_index

    def before_train(self, runner) -> None:
        loss = self.get_loss(runner)
        if loss is None or not loss.requires_index:
            return
        dataset = runner.train_dataloader.dataset
        if not isinstance(dataset, SinglePositiveDataset):
            raise TypeError(
                f'{type(loss).__name__} keeps per-sample state and needs a '
                'SinglePositiveDataset as the training set (it gives each '
                f'sample its index), got {type(dataset).__name__}.'
            )
        loss.init_sample_state(dataset.observed)
        loss.to(next(unwrap_model(runner.model).parameters()).device)

    def after_train_iter(
        self, runner, batch_idx, data_batch=None, outputs=None
    ) -> None:
        loss = self.get_loss(runner)
        if loss is not None:
            loss.step_state()

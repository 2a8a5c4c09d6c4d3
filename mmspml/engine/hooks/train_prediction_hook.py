"""Give an SPML loss the model's predictions on the whole training set."""

import torch
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS

from mmspml.models.losses import SPMLLoss
from mmspml.utils.dist_utils import gather_rows

from .base import SPMLLossHookBase


@torch.no_grad()
def predict_training_set(runner):
    """Eval-mode scores of every training sample (this rank's share).

    The model is put in eval mode for one pass over the training
    dataloader (its pipeline, so train augmentations too) and back in
    train mode after it.

    Args:
        runner (Runner): The runner; its ``model.test_step`` scores each
            batch of its ``train_dataloader``.

    Returns:
        tuple[Tensor, Tensor]: ``sample_idx`` (M,) and scores (M, C).
    """
    model = runner.model
    model.eval()
    indices, scores = [], []
    for data_batch in runner.train_dataloader:
        for sample in model.test_step(data_batch):
            indices.append(sample.sample_idx)
            scores.append(sample.pred_score)
    model.train()
    return torch.tensor(indices, device=scores[0].device), torch.stack(scores)


@HOOKS.register_module()
class TrainSetPredictionHook(SPMLLossHookBase):
    """After an epoch where ``loss.wants_train_predictions()`` (EM + APL's
    pseudo-labelling epochs), predict the whole training set in eval mode,
    gather every rank's rows and pass them to
    ``loss.update_from_predictions(sample_idx, scores)``.

    Args:
        loss (str): Dotted path of the loss module in the model. Defaults to
            ``'head.loss_module'``.
    """

    default_key = 'spml_train_predictions'

    @classmethod
    def needed_by(cls, loss) -> bool:
        # A loss that takes predictions overrides the contract's no-op.
        return (
            type(loss).update_from_predictions
            is not SPMLLoss.update_from_predictions
        )

    def after_train_epoch(self, runner) -> None:
        loss = self.get_loss(runner)
        if loss is None or not loss.wants_train_predictions():
            return
        print_log(
            f'{type(self).__name__}: predicting the training set for '
            f'{type(loss).__name__}',
            logger='current',
        )
        idx, scores = predict_training_set(runner)
        loss.update_from_predictions(*gather_rows(idx, scores))

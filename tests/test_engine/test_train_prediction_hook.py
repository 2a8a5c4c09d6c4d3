"""TrainSetPredictionHook: the eval-mode pass over the training set runs
only when the loss asks for it, and hands every row to the loss."""

from types import SimpleNamespace

import torch
import torch.nn as nn

from mmspml.engine import TrainSetPredictionHook
from mmspml.models.losses import SPMLLoss


class AskingLoss(SPMLLoss):
    def __init__(self, ask):
        super().__init__()
        self.ask, self.received = ask, None

    def wants_train_predictions(self):
        return self.ask

    def update_from_predictions(self, sample_idx, scores):
        self.received = (sample_idx, scores)


class ScoringModel(nn.Module):
    """test_step scores sample i as [i, -i]."""

    def __init__(self, loss):
        super().__init__()
        self.head = nn.Module()
        self.head.loss_module = loss

    def test_step(self, batch):
        assert not self.training
        return [
            SimpleNamespace(
                sample_idx=i, pred_score=torch.tensor([i, -i]).float()
            )
            for i in batch
        ]


def test_predictions_reach_the_loss_only_when_asked():
    batches = [[0, 1, 2], [3, 4]]
    for ask in (False, True):
        loss = AskingLoss(ask)
        model = ScoringModel(loss)
        TrainSetPredictionHook().after_train_epoch(
            SimpleNamespace(model=model, train_dataloader=batches)
        )
        assert model.training  # back in train mode
        if not ask:
            assert loss.received is None
            continue
        idx, scores = loss.received
        assert idx.tolist() == [0, 1, 2, 3, 4]
        assert scores[:, 0].tolist() == [0, 1, 2, 3, 4]

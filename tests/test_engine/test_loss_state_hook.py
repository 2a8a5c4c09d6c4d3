"""LossSampleStateHook: per-sample state is set up from the training set's
observed labels and stepped after every iteration."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mmspml.engine import LossSampleStateHook
from mmspml.models.losses import GRLoss, LLCpLoss
from tests.helpers.fake_runner import make_runner


class FakeSinglePositive:
    """Only what the hook reads, but not a SinglePositiveDataset."""

    observed = np.eye(4, 3, dtype=np.uint8)


def test_state_is_set_up_from_the_training_set_and_stepped():
    from mmspml.datasets import SinglePositiveDataset, SparseLabels

    dataset = SinglePositiveDataset.__new__(SinglePositiveDataset)
    dataset.observed = SparseLabels.from_dense(np.eye(5, 3, dtype=np.uint8))
    loss = LLCpLoss(delta_rel=0.1)
    runner = make_runner(
        loss, train_dataloader=SimpleNamespace(dataset=dataset)
    )
    hook = LossSampleStateHook()
    hook.before_train(runner)
    assert loss.state['flipped'].shape == (5, 3)
    loss._pending = (torch.tensor([2]), torch.tensor([1]))
    hook.after_train_iter(runner, 0)
    flipped = loss.state['flipped']
    assert flipped[2, 1] == 1 and flipped.sum() == 1


def test_stateful_loss_needs_a_single_positive_dataset():
    runner = make_runner(
        LLCpLoss(),
        train_dataloader=SimpleNamespace(dataset=FakeSinglePositive()),
    )
    with pytest.raises(TypeError, match='SinglePositiveDataset'):
        LossSampleStateHook().before_train(runner)


def test_stateless_loss_needs_nothing():
    loss = GRLoss()
    runner = make_runner(
        loss, train_dataloader=SimpleNamespace(dataset=FakeSinglePositive())
    )
    hook = LossSampleStateHook()
    hook.before_train(runner)  # no SinglePositiveDataset needed
    hook.after_train_iter(runner, 0)
    assert list(loss.buffers()) == []

"""SPMLLossHook: epochs reach the loss, linear_init freezes the backbone."""
from types import SimpleNamespace

import pytest
import torch.nn as nn

from mmspml.engine import SPMLLossHook
from mmspml.models.losses import GRLoss


def make_runner(loss, epoch, max_epochs=8):
    model = nn.Module()
    model.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    model.head = nn.Module()
    model.head.fc = nn.Linear(4, 2)
    model.head.loss_module = loss
    return SimpleNamespace(model=model, epoch=epoch, max_epochs=max_epochs)


def test_hook_sets_the_one_based_epoch_before_each_epoch():
    loss = GRLoss()
    hook = SPMLLossHook()
    for done in range(8):
        runner = make_runner(loss, done)
        hook.before_train_epoch(runner)
        expected = GRLoss()
        expected.set_epoch(done + 1, 8)
        assert (loss.epoch, loss.w, loss.mu) == (done + 1, expected.w,
                                                 expected.mu)


def test_resume_sets_the_epoch_before_training():
    loss = GRLoss()
    SPMLLossHook().before_train(make_runner(loss, epoch=5))
    assert loss.epoch == 6


def test_linear_init_freezes_backbone_then_releases_it():
    loss = GRLoss(linear_init=2)
    runner = make_runner(loss, 0)
    hook = SPMLLossHook()
    states = []
    for done in range(4):
        runner.epoch = done
        hook.before_train_epoch(runner)
        backbone = runner.model.backbone
        states.append([p.requires_grad for p in backbone.parameters()])
        assert all(p.requires_grad for p in runner.model.head.parameters())
    assert [any(s) for s in states] == [False, False, True, True]
    assert runner.model.backbone.training  # BatchNorm stays in train mode


def test_wrong_path_is_explained():
    with pytest.raises(AttributeError, match="'head.criterion'"):
        SPMLLossHook(loss='head.criterion').before_train_epoch(
            make_runner(GRLoss(), 0))

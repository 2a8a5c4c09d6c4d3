"""LinearInitHook: GR's linear_init freezes the backbone, then releases
it."""

import pytest

from mmspml.engine import LinearInitHook
from mmspml.models.losses import GRLoss
from tests.helpers.fake_runner import make_runner


def test_linear_init_freezes_backbone_then_releases_it():
    runner = make_runner(GRLoss(linear_init=2))
    hook = LinearInitHook()
    states = []
    for done in range(4):
        runner.epoch = done
        hook.before_train_epoch(runner)
        states.append(
            [p.requires_grad for p in runner.model.backbone.parameters()]
        )
        assert all(p.requires_grad for p in runner.model.head.parameters())
    assert [any(s) for s in states] == [False, False, True, True]
    assert runner.model.backbone.training  # BatchNorm stays in train mode


def test_without_linear_init_nothing_is_frozen():
    runner = make_runner(GRLoss())
    LinearInitHook().before_train(runner)
    assert all(p.requires_grad for p in runner.model.parameters())


def test_wrong_path_is_explained():
    with pytest.raises(AttributeError, match="'head.criterion'"):
        LinearInitHook(loss='head.criterion').before_train_epoch(
            make_runner(GRLoss())
        )

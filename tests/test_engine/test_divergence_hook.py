"""DivergenceWarningHook warns, naming the learning rate, when the loss or
the weights' norm grows a hundredfold within a few iterations, once per
kind, and stays quiet while training is normal."""

from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub

from mmspml.engine import DivergenceWarningHook


class Logger:
    def __init__(self):
        self.warnings = []

    def warning(self, message):
        self.warnings.append(message)


def fake_runner(name):
    model = torch.nn.Linear(4, 2)
    optim = SimpleNamespace(get_lr=lambda: {'lr': [0.01, 0.01]})
    return SimpleNamespace(
        model=model,
        epoch=0,
        iter=0,
        message_hub=MessageHub.get_instance(name),
        optim_wrapper=optim,
        logger=Logger(),
    )


def step(hook, runner, loss):
    runner.message_hub.update_scalar('train/loss', loss)
    hook.after_train_iter(runner, runner.iter)
    runner.iter += 1


def test_normal_training_gives_no_warning():
    runner = fake_runner('divergence_normal')
    hook = DivergenceWarningHook()
    hook.before_train(runner)
    for i in range(60):
        with torch.no_grad():
            runner.model.weight.mul_(1.01)  # slow growth, 1.8x in all
        step(hook, runner, 1.0 / (1 + i))
    assert runner.logger.warnings == []


def test_exploding_weights_are_named_with_the_learning_rate():
    runner = fake_runner('divergence_weights')
    hook = DivergenceWarningHook()
    hook.before_train(runner)
    step(hook, runner, 0.7)
    with torch.no_grad():
        for p in runner.model.parameters():
            p.mul_(1e6)  # what lr=1e12 does to Adam's first step
    step(hook, runner, 0.7)
    step(hook, runner, 0.7)
    assert len(runner.logger.warnings) == 1
    message = runner.logger.warnings[0]
    assert "the weights' norm grew from" in message
    assert 'at epoch 1, iteration 2' in message
    assert 'The learning rate is lr=[0.01]' in message


def test_an_exploding_loss_is_named_once():
    runner = fake_runner('divergence_loss')
    hook = DivergenceWarningHook(norm_interval=0)
    hook.before_train(runner)
    for loss in (0.5, 0.4, 0.3, 45.0, 50.0, 1e4):
        step(hook, runner, loss)
    assert len(runner.logger.warnings) == 1
    assert 'the training loss grew from 0.3 to 45' in runner.logger.warnings[0]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='factor must be > 1'):
        DivergenceWarningHook(factor=1)


def test_the_demo_configs_use_it():
    from mmengine.config import Config

    from tests.helpers.paths import config_file

    cfg = Config.fromfile(config_file('gr', 'demo'))
    assert cfg.default_hooks.spml_divergence.type == 'DivergenceWarningHook'

"""LossEpochHook: the 1-based epoch reaches the loss before every epoch and
after a resume; other losses are left alone."""
import torch.nn as nn

from mmspml.engine import LossEpochHook
from mmspml.models.losses import GRLoss
from tests.helpers.fake_runner import make_runner


def test_hook_sets_the_one_based_epoch_before_each_epoch():
    loss = GRLoss()
    hook = LossEpochHook()
    for done in range(8):
        hook.before_train_epoch(make_runner(loss, done))
        expected = GRLoss()
        expected.set_epoch(done + 1, 8)
        assert (loss.epoch, loss.w, loss.mu) == (done + 1, expected.w,
                                                 expected.mu)


def test_resume_sets_the_epoch_before_training():
    loss = GRLoss()
    LossEpochHook().before_train(make_runner(loss, epoch=5))
    assert loss.epoch == 6


def test_a_loss_that_is_not_an_spml_loss_is_left_alone(monkeypatch):
    logged = []
    monkeypatch.setattr('mmspml.engine.hooks.base.print_log',
                        lambda msg, **kwargs: logged.append(msg))
    runner = make_runner(nn.BCEWithLogitsLoss())
    hook = LossEpochHook()
    hook.before_train_epoch(runner)
    hook.before_train_epoch(runner)
    assert not hasattr(runner.model.head.loss_module, 'epoch')
    assert len(logged) == 1 and 'not an SPMLLoss' in logged[0]

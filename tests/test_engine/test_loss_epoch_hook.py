"""LossEpochHook: the 1-based epoch reaches the loss before every epoch and
after a resume; other losses are left alone."""

import pytest
import torch.nn as nn

from mmspml.engine import LossEpochHook
from mmspml.models.losses import GRLoss
from tests.helpers.fake_runner import make_runner


def reference_schedule(e, T, n=0):
    """GR's 'reference' schedule of the default beta = [w0, wT, b0, bT] =
    [0, 2, -2, -2] and alpha = [mu0, sigma0, muT, sigmaT] = [0.5, 2, 0.8,
    0.5] at the 1-based epoch ``e`` of ``T`` after ``n`` warm-up epochs,
    written out here (beta lags alpha by one epoch): (w, b, mu, sigma)."""
    w0, wT, b0, bT = 0.0, 2.0, -2.0, -2.0
    mu0, sigma0, muT, sigmaT = 0.5, 2.0, 0.8, 0.5
    fb = max(e - n - 1, 0) / (T - n)
    fa = max(e - n, 0) / (T - n)
    return (
        w0 + (wT - w0) * fb,
        b0 + (bT - b0) * fb,
        mu0 + (muT - mu0) * fa,
        sigma0 + (sigmaT - sigma0) * fa,
    )


def test_hook_sets_the_one_based_epoch_before_each_epoch():
    loss = GRLoss()
    hook = LossEpochHook()
    seen = []
    for done in range(8):
        hook.before_train_epoch(make_runner(loss, done))
        assert loss.epoch == done + 1
        seen.append((loss.w, loss.b, loss.mu, loss.sigma))
        assert seen[-1] == pytest.approx(reference_schedule(done + 1, 8))
    # The worked values: w starts at w0 and ends at 1.75 (never wT); mu
    # and sigma are one eighth of the way in the first epoch, at their end
    # values in the last.
    assert seen[0] == pytest.approx((0.0, -2.0, 0.5375, 1.8125))
    assert seen[-1] == pytest.approx((1.75, -2.0, 0.8, 0.5))


def test_resume_sets_the_epoch_before_training():
    loss = GRLoss()
    LossEpochHook().before_train(make_runner(loss, epoch=5))
    assert loss.epoch == 6
    # The schedule of epoch 6 of 8, not the start values of a fresh loss.
    assert (loss.w, loss.b, loss.mu, loss.sigma) == pytest.approx(
        reference_schedule(6, 8)
    )
    assert (loss.w, loss.b, loss.mu, loss.sigma) == pytest.approx(
        (1.25, -2.0, 0.725, 0.875)
    )


def test_a_loss_that_is_not_an_spml_loss_is_left_alone(monkeypatch):
    logged = []
    monkeypatch.setattr(
        'mmspml.engine.hooks.base.print_log',
        lambda msg, **kwargs: logged.append(msg),
    )
    runner = make_runner(nn.BCEWithLogitsLoss())
    hook = LossEpochHook()
    hook.before_train_epoch(runner)
    hook.before_train_epoch(runner)
    assert not hasattr(runner.model.head.loss_module, 'epoch')
    assert len(logged) == 1 and 'not an SPMLLoss' in logged[0]

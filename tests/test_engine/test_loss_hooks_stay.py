"""A user's own ``custom_hooks`` cannot turn the SPML loss hooks off, and a
run that lost them on purpose (or with a hook that does nothing) stops with
an error that says what to put back; real MMEngine runners on tiny data."""

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import RUNNERS
from mmpretrain.registry import HOOKS

from mmspml.engine import LossEpochHook
from mmspml.models.losses.gr_loss import reweight, soft_pseudo_label
from mmspml.utils import unwrap_model
from tests.helpers.runner_utils import write_tiny_config

PROBS = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64)


class KVRecorder(Hook):
    """Record GR's k(p) and v(p) at a few p, once each epoch has started
    (after every hook that sets the epoch)."""

    priority = 'LOWEST'

    def __init__(self):
        self.rows = []

    def before_train_epoch(self, runner):
        loss = unwrap_model(runner.model).head.loss_module
        self.rows.append(
            (
                loss.epoch,
                soft_pseudo_label(PROBS, loss.w, loss.b).tolist(),
                reweight(PROBS, loss.mu, loss.sigma).tolist(),
            )
        )


def expected_kv(epoch, max_epochs):
    """GR's reference schedule for the default beta and alpha, written out
    here: beta lags alpha by one epoch."""
    frac_beta = (epoch - 1) / max_epochs
    frac_alpha = epoch / max_epochs
    w, b = 0 + 2 * frac_beta, -2.0
    mu, sigma = 0.5 + 0.3 * frac_alpha, 2 + (0.5 - 2) * frac_alpha
    k = torch.sigmoid(w * PROBS + b)
    v = torch.exp(-((PROBS - mu) ** 2) / (2 * sigma**2))
    return k.tolist(), v.tolist()


def build(tmp_path, name, extra=''):
    config = write_tiny_config(tmp_path, num_train=48, num_test=16)
    path = tmp_path / f'{name}.py'
    path.write_text(
        f"_base_ = ['{config}']\ntrain_cfg = dict(max_epochs=2)\n"
        'train_dataloader = dict(batch_size=24)\n' + extra
    )
    cfg = Config.fromfile(str(path))
    cfg.work_dir = str(tmp_path / name)
    return RUNNERS.build(cfg)  # as tools/train.py: the config's SPMLRunner


def train_recording(tmp_path, name, extra=''):
    runner = build(tmp_path, name, extra)
    recorder = KVRecorder()
    runner.register_hook(recorder)  # public Runner API: not a custom hook
    runner.train()
    return runner, recorder.rows


@pytest.mark.slow
def test_a_users_custom_hooks_keep_grs_schedule(tmp_path, capsys):
    _, default = train_recording(tmp_path, 'default')
    runner, user = train_recording(
        tmp_path, 'ema', "custom_hooks = [dict(type='EMAHook')]\n"
    )
    assert any(type(h).__name__ == 'EMAHook' for h in runner.hooks)
    with capsys.disabled():
        print('\nepoch | config  | k(0.1, 0.5, 0.9)   | v(0.1, 0.5, 0.9)')
        for rows, name in ((default, 'default'), (user, 'EMAHook')):
            for epoch, k, v in rows:
                print(
                    f'{epoch:5d} | {name:7s} | '
                    + ', '.join(f'{x:.4f}' for x in k)
                    + ' | '
                    + ', '.join(f'{x:.4f}' for x in v)
                )
    assert [r[0] for r in default] == [r[0] for r in user] == [1, 2]
    assert user == default  # exactly, not within a tolerance
    for epoch, k, v in user:
        want_k, want_v = expected_kv(epoch, 2)
        assert k == pytest.approx(want_k, abs=1e-12)
        assert v == pytest.approx(want_v, abs=1e-12)
    assert user[0][1] != user[1][1] and user[0][2] != user[1][2]  # they move


@HOOKS.register_module(force=True)
class ForgetfulEpochHook(LossEpochHook):
    """A LossEpochHook that sets the epoch once, then never again."""

    def before_train_epoch(self, runner):
        pass


@pytest.mark.slow
def test_a_dropped_or_stuck_epoch_hook_stops_training(tmp_path):
    runner = build(
        tmp_path, 'dropped', 'default_hooks = dict(spml_loss_epoch=None)\n'
    )
    assert not any(isinstance(h, LossEpochHook) for h in runner.hooks)
    with pytest.raises(RuntimeError) as err:
        runner.train()
    message = str(err.value)
    assert "GRLoss at 'head.loss_module' needs a LossEpochHook" in message
    assert 'default_hooks = dict(spml_loss_epoch=dict(' in message

    runner = build(
        tmp_path,
        'stuck',
        "default_hooks = dict(spml_loss_epoch=dict(type='ForgetfulEpochHook'"
        '))\n',
    )
    with pytest.raises(
        RuntimeError,
        match='epoch 2 starts and its epoch '
        'is still 1: nothing calls its set_epoch',
    ):
        runner.train()
    assert runner.epoch == 1  # the first epoch ran; the second never did

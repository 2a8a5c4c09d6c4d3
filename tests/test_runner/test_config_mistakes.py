"""Configuration mistakes a real SPMLRunner catches before the first
iteration (a metric the val evaluator does not report), and configs it
now runs as meant (no test set; a short epoch shows its progress)."""

import glob

import pytest
from mmengine.config import Config
from mmengine.hooks import Hook, LoggerHook
from mmengine.registry import RUNNERS

from mmspml.utils import ConfigError
from tests.helpers.runner_utils import write_tiny_config

pytestmark = pytest.mark.slow


class FirstEpochReached(Exception):
    """Raised where the first epoch would start: every check has passed."""


class StopAtFirstEpoch(Hook):
    """Stop a run right where its first training epoch would begin."""

    priority = 'LOWEST'

    def before_train_epoch(self, runner):
        raise FirstEpochReached


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('config_mistakes')
    return tmp, write_tiny_config(tmp, num_train=48, num_test=16)


def build(tiny, name, extra):
    tmp, config = tiny
    path = tmp / f'{name}.py'
    path.write_text(
        f"_base_ = ['{config}']\ntrain_cfg = dict(max_epochs=1)\n"
        'train_dataloader = dict(batch_size=24)\ncustom_hooks = []\n' + extra
    )
    cfg = Config.fromfile(str(path))
    cfg.work_dir = str(tmp / name)
    return RUNNERS.build(cfg)  # as tools/train.py: the SPMLRunner


OBSERVED_VAL = (
    "val_dataloader = dict(dataset=dict(type='PartialLabelDataset', "
    'known_frac=0.5))\n'
    "val_evaluator = dict(type='SPMLAveragePrecision', mode='observed')\n"
)


def test_save_best_of_a_metric_not_reported_stops_before_training(tiny):
    # The runtime base's save_best='spml/mAP' with a val set that has only
    # observed labels: this failed with KeyError after a whole epoch.
    runner = build(tiny, 'observed', OBSERVED_VAL)
    with pytest.raises(ConfigError) as err:
        runner.train()
    assert str(err.value).startswith(
        "default_hooks.checkpoint.save_best='spml/mAP' is not a metric the "
        "val evaluator reports: SPMLAveragePrecision(mode='observed') "
        'reports spml/mAP_observed, '
    )
    assert runner.iter == 0
    assert not glob.glob(f'{runner.work_dir}/*.pth')
    # 'auto' (the first key reported) and a reported key pass the check.
    for i, save_best in enumerate(('auto', 'spml/mAP_observed')):
        runner = build(
            tiny,
            f'observed_{i}',
            OBSERVED_VAL
            + f"default_hooks = dict(checkpoint=dict(save_best='{save_best}'"
            '))\n',
        )
        runner.register_hook(StopAtFirstEpoch())
        with pytest.raises(FirstEpochReached):
            runner.train()


def test_a_short_epoch_lowers_the_log_interval_once(tiny, monkeypatch):
    # 38 training images in batches of 4: 10 iterations an epoch, which an
    # interval of 20 would log only at the epoch's end.
    runner = build(
        tiny,
        'short_epoch',
        'train_dataloader = dict(batch_size=4)\n'
        'default_hooks = dict(logger=dict(interval=20))\n',
    )
    logged = []
    monkeypatch.setattr(
        runner.logger, 'info', lambda msg, *a, **k: logged.append(msg)
    )
    runner.register_hook(StopAtFirstEpoch())
    with pytest.raises(FirstEpochReached):
        runner.train()
    assert len(runner.train_dataloader) == 10
    (hook,) = [h for h in runner.hooks if isinstance(h, LoggerHook)]
    assert hook.interval == 2  # 10 // 4: 5 lines an epoch
    lowered = [m for m in logged if 'default_hooks.logger.interval' in m]
    assert lowered == [
        'Logging every 2 iterations instead of 20 '
        '(default_hooks.logger.interval): an epoch has only 10 iterations.'
    ]


def test_a_log_interval_that_shows_progress_is_kept(tiny):
    runner = build(
        tiny,
        'long_enough',
        'train_dataloader = dict(batch_size=4)\n'
        'default_hooks = dict(logger=dict(interval=3))\n',
    )
    runner.register_hook(StopAtFirstEpoch())
    with pytest.raises(FirstEpochReached):
        runner.train()
    (hook,) = [h for h in runner.hooks if isinstance(h, LoggerHook)]
    assert hook.interval == 3  # 10 // 3 = 3 lines an epoch


def test_a_config_without_a_test_set_trains(tiny, monkeypatch):
    # The schedule base's test_cfg = dict() made MMEngine refuse the config
    # ("test_dataloader, test_cfg, and test_evaluator should be either all
    # None or not None").
    from mmspml.engine.hooks import test_best_checkpoint_hook as module

    said = []
    monkeypatch.setattr(
        module, 'print_log', lambda msg, **kwargs: said.append(msg)
    )
    runner = build(
        tiny,
        'no_test',
        'test_dataloader = None\ntest_evaluator = None\n'
        "custom_hooks = [dict(type='TestBestCheckpointHook')]\n",
    )
    assert runner.test_loop is None
    runner.train()
    assert runner.epoch == 1
    assert runner.message_hub.get_info('best_ckpt') is not None
    assert runner.message_hub.get_info('test_of_best_ckpt') is None
    assert len(said) == 1 and 'the config has no test set' in said[0]

"""SPMLConfigCheckHook: configuration mistakes stop training before the
first iteration, with the key to fix (and, for a metric name, the names
the val evaluator reports)."""

import re
from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmengine.config import Config
from mmengine.hooks import CheckpointHook, EarlyStoppingHook
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from mmpretrain.evaluation import AveragePrecision
from mmpretrain.models.heads import MultiLabelLinearClsHead
from torch.nn.parallel import DistributedDataParallel

import mmspml  # noqa: F401
from mmspml.engine import (
    MetricDropEarlyStoppingHook,
    OptunaPruningHook,
    SPMLConfigCheckHook,
)
from mmspml.engine.hooks.config_check_hook import check_config_metrics
from mmspml.evaluation import SPMLAveragePrecision
from mmspml.models.heads import SPMLLinearClsHead
from mmspml.utils import ConfigError


def runner_with(
    head, train_classes=3, val_classes=3, amp=False, hooks=(), metrics=()
):
    model = nn.Module()
    model.backbone = nn.Linear(2, 4)
    model.head = head

    def loader(num):
        metainfo = dict(classes=[f'c{i}' for i in range(num)])
        return SimpleNamespace(dataset=SimpleNamespace(metainfo=metainfo))

    optim_wrapper = (AmpOptimWrapper if amp else OptimWrapper).__new__(
        AmpOptimWrapper if amp else OptimWrapper
    )
    return SimpleNamespace(
        model=model,
        epoch=0,
        max_epochs=8,
        train_loop=EpochBasedTrainLoop.__new__(EpochBasedTrainLoop),
        train_dataloader=loader(train_classes),
        val_loop=SimpleNamespace(
            dataloader=loader(val_classes),
            evaluator=SimpleNamespace(metrics=list(metrics)),
        ),
        optim_wrapper=optim_wrapper,
        hooks=list(hooks),
    )


def head(loss, cls=SPMLLinearClsHead, num_classes=3):
    return cls(num_classes=num_classes, in_channels=4, loss=loss)


def test_a_consistent_config_passes_without_a_warning(monkeypatch):
    logged = []
    monkeypatch.setattr(
        'mmspml.engine.hooks.config_check_hook.print_log',
        lambda msg, **kwargs: logged.append(msg),
    )
    SPMLConfigCheckHook().before_train(runner_with(head(dict(type='GRLoss'))))
    SPMLConfigCheckHook().before_train(
        runner_with(head(dict(type='ROLELoss', expected_num_pos=1.0)))
    )
    assert logged == []


@pytest.mark.parametrize(
    'train,val,key', [(5, 3, 'train_dataloader'), (3, 4, 'val_dataloader')]
)
def test_head_and_dataset_class_counts_must_agree(train, val, key):
    runner = runner_with(head(dict(type='GRLoss')), train, val)
    with pytest.raises(ValueError, match=f'num_classes is 3 .*{key}'):
        SPMLConfigCheckHook().before_train(runner)


def test_stateful_loss_needs_the_spml_head():
    runner = runner_with(
        head(dict(type='LLCpLoss'), cls=MultiLabelLinearClsHead)
    )
    with pytest.raises(TypeError, match="head.type='SPMLLinearClsHead'"):
        SPMLConfigCheckHook().before_train(runner)


def test_role_refuses_mixed_precision():
    runner = runner_with(
        head(dict(type='ROLELoss', expected_num_pos=1.0)), amp=True
    )
    with pytest.raises(
        ValueError,
        match="does not support AmpOptimWrapper.*'AutocastOptimWrapper'",
    ):
        SPMLConfigCheckHook().before_train(runner)
    SPMLConfigCheckHook().before_train(
        runner_with(head(dict(type='GRLoss')), amp=True)
    )


class UnsyncedDDP(DistributedDataParallel):
    """A DDP wrapper without a process group: what the hook reads of it."""

    def __init__(self, module, find_unused_parameters):
        nn.Module.__init__(self)
        self.module = module
        self.find_unused_parameters = find_unused_parameters


@pytest.mark.parametrize('find_unused', [False, True])
def test_linear_init_under_ddp_needs_find_unused_parameters(find_unused):
    runner = runner_with(head(dict(type='GRLoss', linear_init=1)))
    runner.model = UnsyncedDDP(runner.model, find_unused)
    if find_unused:
        SPMLConfigCheckHook().before_train(runner)
    else:
        with pytest.raises(ValueError, match='find_unused_parameters'):
            SPMLConfigCheckHook().before_train(runner)


def test_iteration_based_training_is_warned_about(monkeypatch):
    logged = []
    monkeypatch.setattr(
        'mmspml.engine.hooks.config_check_hook.print_log',
        lambda msg, **kwargs: logged.append(msg),
    )
    runner = runner_with(head(dict(type='GRLoss')))
    SPMLConfigCheckHook().before_train(runner)
    assert logged == []
    runner.train_loop = IterBasedTrainLoop.__new__(IterBasedTrainLoop)
    SPMLConfigCheckHook().before_train(runner)
    assert len(logged) == 1 and 'epoch stays at 1' in logged[0]


def observed_ap(**kwargs):
    return SPMLAveragePrecision(mode='observed', **kwargs)


def test_save_best_must_be_a_metric_the_val_evaluator_reports():
    runner = runner_with(
        head(dict(type='GRLoss')),
        hooks=[CheckpointHook(save_best='spml/mAP')],
        metrics=[observed_ap()],
    )
    with pytest.raises(ConfigError) as err:
        SPMLConfigCheckHook().before_train(runner)
    message = str(err.value)
    assert message.startswith(
        "default_hooks.checkpoint.save_best='spml/mAP' is not a metric the "
        "val evaluator reports: SPMLAveragePrecision(mode='observed') "
        'reports spml/mAP_observed'
    )
    assert '\n' not in message
    for key in observed_ap().reported_keys():
        assert key in message


@pytest.mark.parametrize('save_best', ['auto', 'spml/mAP_observed'])
def test_auto_and_reported_save_best_pass(save_best):
    runner = runner_with(
        head(dict(type='GRLoss')),
        hooks=[CheckpointHook(save_best=save_best)],
        metrics=[observed_ap()],
    )
    SPMLConfigCheckHook().before_train(runner)


@pytest.mark.parametrize(
    'hook,key',
    [
        (MetricDropEarlyStoppingHook(), 'MetricDropEarlyStoppingHook.monitor'),
        (EarlyStoppingHook(monitor='spml/mAP'), 'EarlyStoppingHook.monitor'),
        (OptunaPruningHook(trial=SimpleNamespace()), '--metric'),
    ],
)
def test_a_monitor_must_be_a_metric_the_val_evaluator_reports(hook, key):
    runner = runner_with(
        head(dict(type='GRLoss')), hooks=[hook], metrics=[observed_ap()]
    )
    with pytest.raises(ConfigError, match=f"^{re.escape(key)}='spml/mAP' "):
        SPMLConfigCheckHook().before_train(runner)
    runner.val_loop.evaluator.metrics = [SPMLAveragePrecision(mode='both')]
    SPMLConfigCheckHook().before_train(runner)


def test_every_wrong_name_is_listed_in_one_line():
    runner = runner_with(
        head(dict(type='GRLoss')),
        hooks=[
            CheckpointHook(save_best='spml/mAP'),
            MetricDropEarlyStoppingHook(monitor='spml/map_observed'),
        ],
        metrics=[observed_ap()],
    )
    with pytest.raises(
        ConfigError,
        match=r"save_best='spml/mAP', MetricDropEarlyStoppingHook\.monitor="
        r"'spml/map_observed' are not metrics .* set each to one",
    ):
        SPMLConfigCheckHook().before_train(runner)


def test_classwise_keys_follow_the_val_set_classes():
    metric = SPMLAveragePrecision(classwise=True)
    metric.dataset_meta = dict(classes=['cat', 'dog', 'cow'])
    runner = runner_with(
        head(dict(type='GRLoss')),
        hooks=[CheckpointHook(save_best='spml/AP/dog', rule='greater')],
        metrics=[metric],
    )
    SPMLConfigCheckHook().before_train(runner)
    runner.hooks = [CheckpointHook(save_best='spml/AP/cat', rule='greater')]
    SPMLConfigCheckHook().before_train(runner)
    runner.hooks = [CheckpointHook(save_best='spml/AP/horse', rule='greater')]
    with pytest.raises(ConfigError, match='spml/AP/<class>'):
        SPMLConfigCheckHook().before_train(runner)


def test_a_metric_with_unknown_keys_is_not_checked():
    runner = runner_with(
        head(dict(type='GRLoss')),
        hooks=[CheckpointHook(save_best='multi-label/mAP')],
        metrics=[observed_ap(), AveragePrecision()],
    )
    SPMLConfigCheckHook().before_train(runner)  # no error


def test_without_validation_nothing_is_checked():
    runner = runner_with(
        head(dict(type='GRLoss')),
        hooks=[CheckpointHook(save_best='spml/mAP_x')],
    )
    runner.val_loop = None
    SPMLConfigCheckHook().before_train(runner)


def test_the_config_alone_is_checked_before_a_runner_exists():
    cfg = Config(
        dict(
            val_evaluator=dict(type='SPMLAveragePrecision', mode='observed'),
            default_hooks=dict(
                logger=dict(type='LoggerHook'),
                checkpoint=dict(
                    type='AtomicCheckpointHook', save_best='spml/mAP'
                ),
                spml_config_check=None,
            ),
            custom_hooks=[
                dict(type='MetricDropEarlyStoppingHook', monitor='spml/mAP')
            ],
        )
    )
    with pytest.raises(ConfigError) as err:
        check_config_metrics(cfg, [('--metric', 'spml/mAP')])
    assert str(err.value).startswith(
        "--metric='spml/mAP', default_hooks.checkpoint.save_best="
        "'spml/mAP', MetricDropEarlyStoppingHook.monitor='spml/mAP' are "
        'not metrics'
    )
    cfg.val_evaluator = [dict(type='AveragePrecision')]
    check_config_metrics(cfg, [('--metric', 'spml/mAP')])  # not known


def runner_reading_images(tmp_path, multilabel_dataset, hooks):
    """A runner whose train / val sets are the single-positive split of one
    written annotation file and whose test set is another."""
    from mmspml.datasets import SinglePositiveDataset
    from mmspml.engine import TestBestCheckpointHook
    from tests.helpers.data import random_labels, write_multilabel_dataset

    source = multilabel_dataset(random_labels(10, 3))
    (tmp_path / 'test').mkdir()
    write_multilabel_dataset(str(tmp_path / 'test'), random_labels(4, 3))
    test = SimpleNamespace(
        dataset=SinglePositiveDataset(
            dict(source, data_root=str(tmp_path / 'test'))
        )
    )
    runner = runner_with(head(dict(type='GRLoss')))
    runner.train_dataloader.dataset = SinglePositiveDataset(
        source, split='train'
    )
    runner.val_loop.dataloader.dataset = SinglePositiveDataset(
        source, split='val'
    )
    runner.test_loop = SimpleNamespace(dataloader=test)
    runner.test_dataloader = test
    runner.hooks = [TestBestCheckpointHook()] if hooks else []
    return runner


@pytest.mark.parametrize('tests_after_training', [True, False])
def test_missing_images_are_listed_before_the_first_epoch(
    tmp_path, multilabel_dataset, tests_after_training
):
    import os

    runner = runner_reading_images(
        tmp_path, multilabel_dataset, tests_after_training
    )
    os.remove(tmp_path / 'test' / 'img_0002.png')
    hook = SPMLConfigCheckHook()
    if tests_after_training:  # the test set is checked before training
        with pytest.raises(FileNotFoundError) as info:
            hook.before_train(runner)
        assert 'found before training' in str(info.value)
    else:  # and otherwise before testing
        hook.before_train(runner)
        with pytest.raises(FileNotFoundError) as info:
            hook.before_test(runner)
        assert 'found before testing' in str(info.value)
    message = str(info.value)
    assert message.startswith('1 image file cannot be read')
    ann = tmp_path / 'test' / 'ann.json'
    where = f"SinglePositiveDataset(SPMLMultiLabelDataset('{ann}'))"
    assert f'test_dataloader {where}: 1 of 4 images' in message
    assert f'{tmp_path / "test" / "img_0002.png"}: missing' in message
    os.remove(tmp_path / 'img_0007.png')
    with pytest.raises(FileNotFoundError, match='train_dataloader|val_da'):
        SPMLConfigCheckHook().before_train(runner)

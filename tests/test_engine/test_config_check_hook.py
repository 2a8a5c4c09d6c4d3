"""SPMLConfigCheckHook: configuration mistakes stop training before the
first iteration, with the key to fix."""

from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from mmpretrain.models.heads import MultiLabelLinearClsHead
from torch.nn.parallel import DistributedDataParallel

import mmspml  # noqa: F401
from mmspml.engine import SPMLConfigCheckHook
from mmspml.models.heads import SPMLLinearClsHead


def runner_with(head, train_classes=3, val_classes=3, amp=False):
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
        val_loop=SimpleNamespace(dataloader=loader(val_classes)),
        optim_wrapper=optim_wrapper,
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

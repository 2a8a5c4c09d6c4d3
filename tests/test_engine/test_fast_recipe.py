"""The fast recipe: bf16 autocast on any device (AutocastOptimWrapper),
channels-last, fused Adam, a larger batch with its learning rate."""

import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmpretrain.registry import OPTIM_WRAPPERS

import mmspml  # noqa: F401
from mmspml.models.losses import GRLoss
from mmspml.utils import use_channels_last
from tests.helpers.data import tiny_classifier as make_tiny_classifier
from tests.helpers.paths import config_file, fast_config_file
from tests.helpers.runner_utils import python, write_tiny_config


def tiny_classifier():
    return make_tiny_classifier(5, dict(type='GRLoss'))


@pytest.mark.parametrize('dataset', ['demo', 'voc', 'coco', 'nus', 'cub'])
def test_fast_config_changes_only_the_engine_batch_and_lr(dataset):
    paper = Config.fromfile(config_file('gr', dataset))
    fast = Config.fromfile(fast_config_file(dataset))
    assert fast.model == paper.model
    assert fast.train_dataloader.dataset == paper.train_dataloader.dataset
    assert fast.val_dataloader == paper.val_dataloader
    assert fast.train_cfg == paper.train_cfg
    assert fast.channels_last is True and not paper.get('channels_last')
    assert fast.optim_wrapper.type == 'AutocastOptimWrapper'
    assert fast.optim_wrapper.optimizer.fused is True
    # The learning rate scales with the square root of the batch (Adam).
    ratio = (
        fast.train_dataloader.batch_size / paper.train_dataloader.batch_size
    )
    assert ratio > 1
    assert fast.optim_wrapper.optimizer.lr == pytest.approx(
        paper.optim_wrapper.optimizer.lr * ratio**0.5, rel=0.02
    )  # rounded
    assert (
        fast.auto_scale_lr.base_batch_size == fast.train_dataloader.batch_size
    )


def test_autocast_wrapper_casts_the_forward_not_the_loss():
    model = tiny_classifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='AutocastOptimWrapper', optimizer=optimizer)
    )
    assert not hasattr(wrapper, 'loss_scaler')
    images = torch.rand(2, 3, 32, 32)
    with wrapper.optim_context(model):
        feats = model.extract_feat(images)
        logits = model.head(feats)
    assert feats[-1].dtype == torch.bfloat16
    assert logits.dtype == torch.bfloat16
    target = torch.zeros(2, 5)
    target[:, 1] = 1
    loss = GRLoss()(logits, target)
    assert loss.dtype == torch.float32
    assert loss.item() == pytest.approx(
        GRLoss()(logits.detach().float(), target).item(), rel=1e-6
    )
    before = model.head.fc.weight.detach().clone()
    wrapper.update_params(loss)
    assert not torch.equal(before, model.head.fc.weight)
    assert model.head.fc.weight.dtype == torch.float32


def test_autocast_wrapper_refuses_float16():
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1)
    with pytest.raises(ValueError, match='float16 needs loss scaling'):
        OPTIM_WRAPPERS.build(
            dict(
                type='AutocastOptimWrapper',
                dtype='float16',
                optimizer=optimizer,
            )
        )


def test_channels_last_converts_weights_and_images_not_results():
    torch.manual_seed(0)
    model = tiny_classifier().eval()
    images = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        expected = model(images, mode='tensor')
    seen = []
    use_channels_last(model)
    model.backbone.conv1.register_forward_pre_hook(
        lambda module, args: seen.append(args[0])
    )
    with torch.no_grad():
        result = model(images, mode='tensor')
    assert model.backbone.conv1.weight.is_contiguous(
        memory_format=torch.channels_last
    )
    assert seen[0].is_contiguous(memory_format=torch.channels_last)
    assert not seen[0].is_contiguous()
    torch.testing.assert_close(result, expected, rtol=1e-4, atol=1e-5)


def test_channels_last_names_a_missing_module():
    with pytest.raises(AttributeError, match="no submodule 'trunk'"):
        use_channels_last(tiny_classifier(), module='trunk')


@pytest.mark.slow
def test_fast_demo_config_trains_on_cpu(tmp_path):
    """A real Runner on the fast demo config: bf16 forward, NHWC weights,
    fused Adam, and a model that learns."""
    path = write_tiny_config(tmp_path, method='gr')
    text = path.read_text().replace(
        config_file('gr', 'demo'), fast_config_file('demo')
    )
    path.write_text(text)
    cfg = Config.fromfile(str(path))
    cfg.work_dir = str(tmp_path / 'work')
    runner = RUNNERS.build(cfg)
    dtypes = {True: set(), False: set()}  # by module.training
    runner.model.backbone.register_forward_hook(
        lambda module, args, out: dtypes[module.training].add(out[-1].dtype)
    )
    runner.train()
    assert type(runner.optim_wrapper).__name__ == 'AutocastOptimWrapper'
    assert runner.optim_wrapper.optimizer.defaults['fused'] is True
    assert runner.model.backbone.conv1.weight.is_contiguous(
        memory_format=torch.channels_last
    )
    # Training forwards in bf16; validation stays float32.
    assert dtypes == {True: {torch.bfloat16}, False: {torch.float32}}
    metrics = runner.test()
    assert 10 < metrics['spml/mAP'] <= 100


@pytest.mark.slow
def test_amp_flag_trains_with_bf16_autocast_on_a_cpu(tmp_path):
    """``tools/train.py --amp`` on a machine without a GPU trains in bf16
    autocast instead of failing in MMEngine's AmpOptimWrapper."""
    path = write_tiny_config(tmp_path, method='gr')
    output = python(
        'tools/train.py',
        str(path),
        '--amp',
        '--work-dir',
        str(tmp_path / 'work'),
        '--cfg-options',
        'train_cfg.max_epochs=1',
        env=dict(CUDA_VISIBLE_DEVICES=''),
    )
    assert 'bfloat16 autocast' in output
    assert 'AmpOptimWrapper`` is only available' not in output
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')


def test_role_steps_its_estimates_under_bf16_autocast():
    """ROLE refuses AmpOptimWrapper (a scaler would scale the gradients its
    estimates learn from) but trains under bf16 autocast, which has none."""
    import numpy as np

    from mmspml.datasets import SparseLabels
    from mmspml.models.losses import ROLELoss

    loss = ROLELoss(expected_num_pos=2.0)
    loss.init_sample_state(SparseLabels.from_single(np.arange(8) % 5, 5))
    before = loss.state['estimates'].clone()
    fc = torch.nn.Linear(4, 5)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        logits = fc(torch.randn(8, 4))
    assert logits.dtype == torch.bfloat16
    target = torch.zeros(8, 5)
    target[torch.arange(8), torch.arange(8) % 5] = 1
    value = loss(logits, target, sample_idx=torch.arange(8))
    value.backward()
    loss.step_state()
    assert value.dtype == torch.float32 and torch.isfinite(value)
    assert torch.isfinite(fc.weight.grad).all()
    assert not torch.equal(before, loss.state['estimates'])
    assert torch.isfinite(loss.state['estimates']).all()

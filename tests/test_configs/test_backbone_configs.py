"""Every GR config on COCO with another MMPretrain backbone than ResNet-50
(configs/gr/gr_<backbone>_1xb8_coco2014-448px.py) builds, trains one step
on CPU, and keeps the weights it loads.

Nothing is downloaded: the checkpoint URL is only checked, then replaced by
no checkpoint (training step) or by a local stand-in (weight loading).
"""

import glob
import math
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmspml  # noqa: F401  (registers SPMLLinearClsHead, GRLoss, ...)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    path
    for path in glob.glob(
        osp.join(REPO, 'configs', 'gr', 'gr_*_1xb8_coco2014-448px.py')
    )
    if not osp.basename(path).startswith('gr_resnet50_')
)
# Smallest training input: Swin's 7 x 7 windows need 7 x 7 tokens in its
# last stage (stride 32), so 224 px (it asserts otherwise); 64 px elsewhere
# (ViT resizes its 448 px position embeddings to any input).
INPUT_SIZE = {'SwinTransformer': 224}


def load(path):
    """The config, loaded from another working directory."""
    cwd = os.getcwd()
    try:
        os.chdir(osp.dirname(REPO))
        return Config.fromfile(path)
    finally:
        os.chdir(cwd)


def build(cfg):
    """The model as the Runner builds it: the config's top-level
    ``data_preprocessor`` (ImageNet normalisation) unless the model sets
    its own."""
    model_cfg = cfg.model
    model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(model_cfg)


# Every backbone the GR configs on COCO offer besides ResNet-50.
BACKBONES = (
    'convnext-tiny',
    'efficientnet-b0',
    'mobilenet-v3-large',
    'regnetx-1.6gf',
    'swin-tiny',
    'vit-base-p16',
)


def test_the_backbone_configs_are_exactly_the_six_expected():
    assert [osp.relpath(path, REPO) for path in CONFIGS] == [
        f'configs/gr/gr_{backbone}_1xb8_coco2014-448px.py'
        for backbone in BACKBONES
    ]


# The two tests below: about 20 s for the six configs on 2 idle CPU cores
# (ViT-B and Swin-T the most), 45 s on busy ones.
@pytest.mark.slow
@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_backbone_config_trains_one_step(path):
    cfg = load(path)
    head = cfg.model.head
    assert head.type == 'SPMLLinearClsHead'
    assert head.num_classes == 80
    assert head.loss.type == 'GRLoss'
    init = cfg.model.backbone.init_cfg
    assert init.type == 'Pretrained'
    assert init.checkpoint.startswith(
        'https://download.openmmlab.com/mmclassification/'
    )
    assert init.prefix == 'backbone'
    # No Mixup / CutMix from mmpretrain's ImageNet model bases.
    assert not (cfg.model.get('train_cfg') or {}).get('augments')

    cfg.model.backbone.init_cfg = None
    model = build(cfg)
    assert model.data_preprocessor.batch_augments is None
    # ImageNet statistics in the channel order of the checkpoint: RGB, or
    # BGR kept as read for RegNet's (pycls) checkpoint.
    bgr = cfg.model.backbone.type == 'RegNet'
    mean = [123.675, 116.28, 103.53]
    assert model.data_preprocessor.mean.flatten().tolist() == pytest.approx(
        mean[::-1] if bgr else mean
    )
    assert model.data_preprocessor.to_rgb is not bgr
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    groups = optim_wrapper.optimizer.param_groups
    assert [g['lr'] for g in groups] == pytest.approx([1e-5, 1e-4])
    head_params = list(model.head.parameters())
    assert len(groups[1]['params']) == len(head_params) == 2
    assert all(p is q for p, q in zip(groups[1]['params'], head_params))

    size = INPUT_SIZE.get(cfg.model.backbone.type, 64)
    torch.manual_seed(0)
    data = dict(
        inputs=[
            torch.randint(0, 256, (3, size, size), dtype=torch.uint8)
            for _ in range(2)
        ],
        data_samples=[
            DataSample().set_gt_label([3]),
            DataSample().set_gt_label([41]),
        ],
    )
    before = [p.detach().clone() for p in head_params]
    model.train()
    log_vars = model.train_step(data, optim_wrapper)
    assert math.isfinite(float(log_vars['loss']))
    assert all(not torch.equal(b, p) for b, p in zip(before, head_params))


@pytest.mark.slow
@pytest.mark.parametrize(
    'path',
    CONFIGS
    + [osp.join(REPO, 'configs', 'gr', 'gr_resnet50_1xb8_coco2014-448px.py')],
    ids=osp.basename,
)
def test_backbone_config_keeps_loaded_weights(path, tmp_path):
    """init_weights with the config's init_cfg type leaves every backbone
    parameter as loaded (ResNet / RegNet zero-init their residual BNs,
    MobileNetV3's ConvModules, Swin's relative position tables and ViT's
    position embedding and FFNs re-initialise after a load that is not
    ``type='Pretrained'``)."""
    cfg = load(path)
    init = cfg.model.backbone.init_cfg
    cfg.model.backbone.init_cfg = None
    model = build(cfg)
    with torch.no_grad():
        for param in model.backbone.parameters():
            param.add_(0.5)  # unlike any constant or random init
    state = {k: v.clone() for k, v in model.backbone.state_dict().items()}
    ckpt = tmp_path / 'backbone.pth'
    prefix = f'{init.prefix}.' if init.get('prefix') else ''
    torch.save({'state_dict': {prefix + k: v for k, v in state.items()}}, ckpt)
    # The config's init_cfg, on the built model (one build, not two:
    # BaseModule only stores it), now pointing at the local stand-in.
    model.backbone.init_cfg = dict(init, checkpoint=str(ckpt))
    try:
        with DefaultScope.overwrite_default_scope('mmpretrain'):
            model.init_weights()
    finally:
        ckpt.unlink()  # ViT-B's is 350 MB
    changed = [
        name
        for name, param in model.backbone.named_parameters()
        if not torch.equal(param, state[name])
    ]
    assert not changed

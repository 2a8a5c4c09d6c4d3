"""Every benchmark config builds a real Runner and trains on a tiny copy of
its dataset, with the ResNet-50 swapped for a tiny ResNet (no download)."""

import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import RUNNERS

import mmspml  # noqa: F401
from mmspml.models.utils import pretrained_hint
from tests.helpers import benchmark_fixtures as fx
from tests.helpers.paths import DATASETS, METHODS, config_file


def make_voc(root):
    fx.random_voc(root, 20, images=True)


def make_coco(root):
    fx.random_coco(root, 20, images=True)


def make_cub(root):
    fx.random_cub(root, 40, images=True)


def make_nus(root):
    rng = np.random.RandomState(0)
    for split, num in (('train', 20), ('val', 8)):
        images = [f'dir{i % 3}/{split}_{i}.jpg' for i in range(num)]
        labels = (rng.rand(num, 81) < 0.05).astype(np.uint8)
        labels[np.arange(num), rng.randint(0, 81, num)] = 1
        fx.write_formatted(root, split, images, labels)
        for k, path in enumerate(images):
            fx._image(osp.join(root, 'Flickr', path), k)


TINY = {
    'model.backbone.depth': 18,
    'model.backbone.stem_channels': 8,
    'model.backbone.base_channels': 8,
    'model.backbone.init_cfg': None,
    'model.head.in_channels': 64,
    'train_cfg.max_epochs': 2,
    'default_hooks.logger.interval': 1,
}


@pytest.mark.slow
@pytest.mark.parametrize('method', ['gr', 'an', 'full'])
@pytest.mark.parametrize(
    'name,make,classes',
    [
        ('voc', make_voc, 20),
        ('coco', make_coco, 80),
        ('cub', make_cub, 312),
        ('nus', make_nus, 81),
    ],
)
def test_benchmark_config_trains_validates_and_tests(
    tmp_path, method, name, make, classes
):
    make(str(tmp_path / 'data'))
    cfg = Config.fromfile(config_file(method, name))
    options = dict(TINY, work_dir=str(tmp_path / 'work'))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options[f'{loader}.num_workers'] = 0
        options[f'{loader}.persistent_workers'] = False
        inner = '.dataset' if loader != 'test_dataloader' else ''
        options[f'{loader}.dataset{inner}.data_root'] = str(tmp_path / 'data')
    cfg.merge_from_dict(options)
    assert cfg.model.head.num_classes == classes
    assert (
        cfg.model.head.loss.type
        == dict(gr='GRLoss', an='AssumeNegativeLoss', full='FullLabelBCELoss')[
            method
        ]
    )
    assert cfg.optim_wrapper.optimizer.lr == 1e-5
    runner = RUNNERS.build(cfg)  # the configs' SPMLRunner
    runner.train()
    groups = runner.optim_wrapper.optimizer.param_groups
    assert [g['lr'] for g in groups] == pytest.approx([1e-5, 1e-4])
    assert len(groups[1]['params']) == 2  # the head's weight and bias
    assert runner.epoch == 2
    # The TestBestCheckpointHook tested the best-val checkpoint: testing it
    # again from the file gives the same metrics.
    test = runner.message_hub.get_info('test_of_best_ckpt')
    best = runner.message_hub.get_info('best_ckpt')
    assert osp.basename(best).startswith('best_spml_mAP_epoch_')
    runner.load_checkpoint(best)
    assert runner.test() == test
    if method == 'gr':
        assert runner.model.head.loss_module.epoch == 2


def flat(cfg, prefix=''):
    """Every leaf of a config as ``{'a.b.c': value}`` (list items by
    index), so two configs can be compared key by key."""
    items = {}
    node = cfg.to_dict() if hasattr(cfg, 'to_dict') else cfg
    pairs = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in pairs:
        name = f'{prefix}{key}'
        if isinstance(value, (dict, list, tuple)) and value:
            items.update(flat(value, name + '.'))
        else:
            items[name] = value
    return items


def config_difference(a, b):
    """The keys whose values differ between two configs."""
    a, b = flat(a), flat(b)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


@pytest.mark.parametrize('name', DATASETS)
def test_baseline_configs_change_one_thing(name):
    """Each baseline's config differs from GR's of the same dataset in the
    loss only (and, for full labels, the training labels): the same data,
    split, seed, model, schedule, hooks and everything else."""
    gr = Config.fromfile(config_file('gr', name))
    assert gr.model.head.loss == dict(type='GRLoss')
    assert (
        gr.train_dataloader.dataset.get('labels', 'single_positive') != 'full'
    )
    for method in METHODS:
        if method == 'gr':
            continue
        cfg = Config.fromfile(config_file(method, name))
        changed = config_difference(gr, cfg)
        loss_keys = [k for k in changed if k.startswith('model.head.loss.')]
        assert 'model.head.loss.type' in loss_keys, method
        rest = [k for k in changed if k not in loss_keys]
        if method == 'full':
            assert rest == ['train_dataloader.dataset.labels'], rest
            assert cfg.train_dataloader.dataset.labels == 'full'
        else:
            assert rest == [], (method, rest)


def test_missing_pretrained_weights_explain_the_fix(tmp_path):
    from mmpretrain.registry import MODELS

    cfg = Config.fromfile(config_file('gr', 'voc'))
    cfg.model.backbone.init_cfg.checkpoint = str(tmp_path / 'resnet50.pth')
    model = MODELS.build(cfg.model)
    with pytest.raises(
        RuntimeError,
        match='resnet50.pth.*model.backbone.init_cfg.checkpoint'
        '.*hub/checkpoints',
    ):
        with pretrained_hint(model):  # as SPMLRunner initialises weights
            model.init_weights()


# The loss each method folder's configs train with (docs/baselines.md).
LOSS_OF_METHOD = dict(
    full='FullLabelBCELoss',
    an='AssumeNegativeLoss',
    anls='AssumeNegativeLSLoss',
    wan='WeakAssumeNegativeLoss',
    epr='EPRLoss',
    role='ROLELoss',
    em='EntropyMaximizationLoss',
    emapl='EMAPLLoss',
    hill='HillLoss',
    splc='SPLCLoss',
    llr='LLRLoss',
    llct='LLCtLoss',
    llcp='LLCpLoss',
    gr='GRLoss',
)


@pytest.mark.parametrize('dataset', DATASETS)
def test_every_method_has_a_config_one_loss_away_from_gr(dataset):
    from mmpretrain.registry import MODELS

    gr = Config.fromfile(config_file('gr', dataset))
    losses = set()
    built = {}
    for method in METHODS:
        cfg = Config.fromfile(config_file(method, dataset))
        loss = MODELS.build(cfg.model.head.loss)
        losses.add(type(loss).__name__)
        built[method] = type(loss).__name__
        assert cfg.model.backbone == gr.model.backbone
        assert cfg.optim_wrapper == gr.optim_wrapper
        assert cfg.test_dataloader == gr.test_dataloader
        if method != 'full':
            assert cfg.train_dataloader == gr.train_dataloader
    assert len(losses) == len(METHODS)
    assert built == LOSS_OF_METHOD

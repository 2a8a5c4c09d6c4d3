"""Normalisation belongs to the data: the model bases carry no
``data_preprocessor``, every dataset base sets the top-level one, and every
config normalises, once the Runner has given the model that top-level
``data_preprocessor``, exactly as before the MNIST values left the
ResNet-18-half model base (a photo config copied from the demo's model must
not inherit MNIST's statistics)."""

import copy
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpretrain.apis import get_model
from mmpretrain.registry import MODELS, RUNNERS

import mmspml  # noqa: F401  (registers mmspml's modules)
from tests.helpers.paths import REPO, config_file

# (mean, std, to_rgb) of the effective ClsDataPreprocessor, as every config
# had it before the move (loaded and recorded from the previous configs).
MNIST = ([33.3] * 3, [78.6] * 3, True)
IMAGENET_RGB = ([123.675, 116.28, 103.53], [58.395, 57.12, 57.375], True)
# RegNet's pycls checkpoint expects BGR images; its config says so itself.
IMAGENET_BGR = ([103.53, 116.28, 123.675], [57.375, 57.12, 58.395], False)
PHOTO_DATASETS = (
    'coco2014',
    'voc2012',
    'nuswide',
    'cub',
    'own-photos',
    'own_photos',
)

METHOD_CONFIGS = sorted(
    osp.relpath(path, REPO)
    for path in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if '_base_' not in path
)
MODEL_BASES = sorted(
    osp.relpath(path, REPO)
    for path in glob.glob(osp.join(REPO, 'configs', '_base_', 'models', '*'))
)
DATASET_BASES = sorted(
    osp.relpath(path, REPO)
    for path in glob.glob(
        osp.join(REPO, 'configs', '_base_', 'datasets', '*.py')
    )
)


def load(path):
    return Config.fromfile(osp.join(REPO, path))


def expected_normalisation(path):
    """What the config ``path`` normalised with before the move."""
    name = osp.basename(path)
    if 'mnist' in name:
        return MNIST
    if 'regnetx' in name:
        return IMAGENET_BGR
    if not any(dataset in name for dataset in PHOTO_DATASETS):
        pytest.fail(
            f'{path}: a dataset this test does not know; add the '
            'normalisation its config had to expected_normalisation()'
        )
    return IMAGENET_RGB


def effective_preprocessor(cfg):
    """The model's data preprocessor as the Runner builds it: the model's
    own ``data_preprocessor``, else the config's top-level one (MMEngine's
    ``Runner.__init__``), of type ClsDataPreprocessor unless it names
    another (MMPretrain's ``ImageClassifier``)."""
    model = copy.deepcopy(cfg.model)
    model.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
    preprocessor = dict(model['data_preprocessor'] or {})
    preprocessor.setdefault('type', 'ClsDataPreprocessor')
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        return MODELS.build(preprocessor)


def normalisation(preprocessor):
    """(mean, std, to_rgb); mean and std None when it does not normalise."""
    mean = getattr(preprocessor, 'mean', None)
    std = getattr(preprocessor, 'std', None)
    return (
        None if mean is None else mean.flatten().tolist(),
        None if std is None else std.flatten().tolist(),
        bool(preprocessor.to_rgb),
    )


def assert_normalisation(actual, expected, where):
    mean, std, to_rgb = actual
    assert mean is not None and std is not None, f'{where}: no normalisation'
    assert mean == pytest.approx(expected[0]), where
    assert std == pytest.approx(expected[1]), where
    assert to_rgb is expected[2], where


@pytest.mark.parametrize('path', METHOD_CONFIGS)
def test_every_config_normalises_as_before(path):
    preprocessor = effective_preprocessor(load(path))
    assert type(preprocessor).__name__ == 'ClsDataPreprocessor', path
    assert_normalisation(
        normalisation(preprocessor), expected_normalisation(path), path
    )


def test_the_configs_cover_the_demo_and_the_photo_datasets():
    assert len(METHOD_CONFIGS) > 80
    mnist = [p for p in METHOD_CONFIGS if 'mnist-mosaic' in p]
    assert len(mnist) >= 20 and len(METHOD_CONFIGS) - len(mnist) >= 60


@pytest.mark.parametrize('path', MODEL_BASES)
def test_model_bases_carry_no_normalisation(path):
    cfg = load(path)
    assert 'data_preprocessor' not in cfg.model, path
    assert cfg.get('data_preprocessor') is None, path


@pytest.mark.parametrize('path', DATASET_BASES)
def test_dataset_bases_set_the_top_level_normalisation(path):
    cfg = load(path)
    assert 'model' not in cfg, path
    top = cfg.get('data_preprocessor')
    assert top is not None, f'{path}: no top-level data_preprocessor'
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        preprocessor = MODELS.build(copy.deepcopy(top))
    expected = (
        IMAGENET_RGB  # shared by the four photo dataset bases
        if osp.basename(path) == 'spml_448.py'
        else expected_normalisation(path)
    )
    assert_normalisation(normalisation(preprocessor), expected, path)


def test_the_demo_model_gets_mnist_normalisation_from_the_runner(tmp_path):
    # Upstream's merge itself, not this test's copy of it: MMEngine's
    # Runner (SPMLRunner is built through RUNNERS, as tools/train.py
    # builds it) and mmpretrain.get_model (SPMLInferencer, export_onnx)
    # give the dataset base's data_preprocessor to the demo's model.
    cfg = Config.fromfile(config_file('gr', 'demo'))
    assert 'data_preprocessor' not in cfg.model
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_epochs = 1
    runner = RUNNERS.build(cfg)
    assert_normalisation(
        normalisation(runner.model.data_preprocessor), MNIST, 'Runner'
    )
    model = get_model(Config.fromfile(config_file('gr', 'demo')))
    assert_normalisation(
        normalisation(model.data_preprocessor), MNIST, 'get_model'
    )

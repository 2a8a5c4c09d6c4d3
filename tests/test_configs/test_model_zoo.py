"""The configs as MMPretrain's model zoo: model-index.yml, read by the
model-index library that ``mim search`` uses, lists every config exactly
once, with a collection (paper, README) per method folder; config names
follow ``<algo>_<backbone>_<gpus>xb<batch>_<dataset>``; old names resolve."""

import glob
import os.path as osp
import warnings

import pytest
from modelindex import load

from mmspml.utils.config_names import (
    RENAMED_CONFIGS,
    parse_config_name,
    resolve_renamed_config,
)
from tests.helpers.paths import METHODS, REPO


@pytest.fixture(scope='module')
def index():
    return load(osp.join(REPO, 'model-index.yml'))


def test_model_index_lists_every_config_once(index):
    on_disk = sorted(
        osp.relpath(path, REPO)
        for path in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
        if '_base_' not in path
    )
    listed = sorted(model.config for model in index.models)
    assert listed == on_disk
    assert sorted(m.name for m in index.models) == sorted(
        osp.splitext(osp.basename(p))[0] for p in on_disk
    )


def test_every_method_folder_is_a_collection_with_paper_and_readme(index):
    folders = {c.readme.split('/')[1]: c for c in index.collections}
    assert sorted(folders) == sorted(METHODS)
    for folder, collection in folders.items():
        assert osp.isfile(osp.join(REPO, collection.readme)), folder
        assert collection.paper['URL'].startswith('https://arxiv.org/abs/')
        for model in index.models:
            if model.config.startswith(f'configs/{folder}/'):
                assert model.in_collection == collection.name
    readme = open(osp.join(REPO, 'configs', 'gr', 'README.md')).read()
    assert 'gr_resnet18-half_1xb64_mnist-mosaic.py' in readme


def test_demo_results_in_the_metafiles_are_the_readme_table(index):
    """A result in a metafile is one this repository measured: a demo row
    of the README's tables (every method on single positives, GR on
    partial labels), and of the method folder's README."""
    readme = open(osp.join(REPO, 'README.md')).read()
    results = [m for m in index.models if m.results]
    # + GR at 10% and 50% known, tuned, and with a learnable k
    assert len(results) == len(METHODS) + 4
    for model in results:
        (result,) = model.results
        assert '_mnist-mosaic' in model.config
        value = f'{result.metrics["mAP"]:.2f} ±'
        row = [
            line
            for line in readme.splitlines()
            if f'`{model.config[len("configs/") :]}`' in line
        ]
        assert row and value in row[0], (model.name, value)
        folder = open(osp.join(REPO, osp.dirname(model.config), 'README.md'))
        assert value in folder.read(), (model.name, value)


def test_config_names_follow_openmmlab(index):
    for model in index.models:
        parts = parse_config_name(model.config)
        assert parts['backbone'] and parts['gpus'] == '1', model.config
        assert model.config.split('/')[1] == parts['algo'], model.config
        # Every part, split here by hand: four '_'-separated fields, the
        # third <gpus>xb<batch>[-<variant>].
        algo, backbone, run, dataset = model.name.split('_')
        gpus, batch = run.split('xb')
        batch, _, variant = batch.partition('-')
        assert parts == dict(
            algo=algo,
            backbone=backbone,
            gpus=gpus,
            batch=batch,
            variant=variant,
            dataset=dataset,
        ), model.config
    fast = parse_config_name('configs/gr/gr_resnet50_1xb32-bf16_voc2012-448px')
    assert fast == dict(
        algo='gr',
        backbone='resnet50',
        gpus='1',
        batch='32',
        variant='bf16',
        dataset='voc2012-448px',
    )


def test_old_config_names_resolve_with_a_warning_until_0_3():
    assert len(RENAMED_CONFIGS) == 81
    for old, new in RENAMED_CONFIGS.items():
        assert not osp.exists(osp.join(REPO, old)), old
        assert osp.isfile(osp.join(REPO, new)), new
    with pytest.warns(FutureWarning, match='gr_coco.py was renamed'):
        path = resolve_renamed_config(osp.join(REPO, 'configs/gr_coco.py'))
    assert path == osp.join(
        REPO, 'configs/gr/gr_resnet50_1xb8_coco2014-448px.py'
    )
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert resolve_renamed_config('nope.py') == 'nope.py'


def test_a_tool_given_an_old_name_runs_the_renamed_config(tmp_path):
    from tests.helpers.runner_utils import python

    out = python(
        'tools/analysis/plot_gr_curves.py',
        'configs/gr_coco.py',
        '--out',
        str(tmp_path / 'curves.png'),
        '--dump',
        str(tmp_path / 'curves.json'),
    )
    assert 'configs/gr_coco.py was renamed in mmspml 0.2 to' in out
    assert 'gr_resnet50_1xb8_coco2014-448px.py' in out
    assert (tmp_path / 'curves.json').stat().st_size > 0

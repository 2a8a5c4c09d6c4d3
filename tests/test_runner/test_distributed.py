"""Two gloo processes on CPU: the DDP run validates exactly like a single
process, every rank draws the same single positives, and tools/dist_*.sh
and mim launch it."""

import glob
import json
import os.path as osp
import sys

import pytest

from mmspml.datasets import SinglePositiveDataset
from tests.helpers.runner_utils import (
    evaluate_checkpoint,
    run,
    val_history,
    write_tiny_config,
)

pytestmark = pytest.mark.slow  # real Runners in subprocesses

DIST = """
_base_ = ['./tiny.py']
custom_imports = dict(imports=['mmspml', 'tests.helpers.hooks'])
custom_hooks = _base_.custom_hooks + [dict(type='RecordDrawHook')]
train_cfg = dict(max_epochs=1)
# Evaluate the val split (33 images: odd, so DDP pads a duplicate) as "test".
test_dataloader = dict(dataset=dict(
    _delete_=True, type='SinglePositiveDataset',
    dataset={{_base_.train_dataloader.dataset.dataset}}, split='val'))
"""


@pytest.fixture(scope='module')
def dist_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('dist')
    write_tiny_config(tmp, num_train=165)
    config = tmp / 'dist.py'
    config.write_text(DIST)
    work_dir = tmp / 'work'
    log = run(
        'bash',
        'tools/dist_train.sh',
        str(config),
        '2',
        '--work-dir',
        str(work_dir),
        env=dict(PYTHON=sys.executable, PORT='29517'),
    )
    return tmp, config, work_dir, log


def test_ddp_validation_equals_single_process_evaluation(dist_run):
    tmp, config, work_dir, log = dist_run
    assert '2 processes (pytorch, gloo)' in log  # SPMLRunner's first line
    dist_map = val_history(work_dir)[1]['spml/mAP']
    single = evaluate_checkpoint(config, work_dir / 'epoch_1.pth', tmp)
    assert single['spml/mAP'] == pytest.approx(dist_map, abs=1e-9)


def test_ddp_diagnostics_cover_every_row_once(dist_run, tmp_path):
    """The diagnostics hook gathers both ranks' rows: the main process's
    histogram equals a single-process pass of the same checkpoint."""
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.registry import RUNNERS

    from mmspml.engine.hooks import pseudo_label_diagnostics

    _, config, work_dir, _ = dist_run
    logged = json.loads(
        (work_dir / 'diagnostics' / 'epoch_1.json').read_text()
    )
    cfg = Config.fromfile(str(config))
    cfg.work_dir = str(tmp_path)
    cfg.custom_imports = dict(imports=['mmspml'])
    cfg.custom_hooks = []
    runner = RUNNERS.build(cfg)
    runner.load_checkpoint(str(work_dir / 'epoch_1.pth'))
    dataset = runner.train_dataloader.dataset
    model = runner.model.eval()
    with torch.no_grad():
        scores = np.stack(
            [
                model.test_step(
                    runner.train_dataloader.collate_fn([dataset[i]])
                )[0].pred_score.numpy()
                for i in range(len(dataset))
            ]
        )
    loss = model.head.loss_module
    loss.set_epoch(1, 1)
    expected = pseudo_label_diagnostics(
        scores, dataset.observed_labels, dataset.full_labels, loss
    )
    assert logged['num_images'] == len(dataset) == 132
    # Batches differ between the runs: allow a p on a bin edge to move.
    moved = np.abs(np.subtract(logged['negatives'], expected['negatives']))
    assert moved.sum() <= 2
    assert sum(logged['hidden_positives']) == sum(expected['hidden_positives'])
    for name, value in expected['scalars'].items():
        assert logged['scalars'][name] == pytest.approx(value, rel=1e-4)


def test_every_rank_draws_the_single_process_positives(dist_run):
    tmp, config, work_dir, _ = dist_run
    digests = {
        open(path).read()
        for path in glob.glob(str(work_dir / 'draw_rank*.txt'))
    }
    assert len(glob.glob(str(work_dir / 'draw_rank*.txt'))) == 2
    import hashlib

    dataset = SinglePositiveDataset(
        dict(
            type='MNISTMosaicDataset',
            data_root=str(tmp / 'mnist_mosaic'),
            split='train',
        ),
        split='train',
    )
    assert digests == {
        hashlib.sha256(dataset.observed_labels.tobytes()).hexdigest()
    }


def test_dist_test_and_mim_test_gather_each_sample_once(dist_run):
    tmp, config, work_dir, _ = dist_run
    ckpt = str(work_dir / 'epoch_1.pth')
    single = evaluate_checkpoint(config, ckpt, tmp)
    out = str(tmp / 'dist_test.json')
    run(
        'bash',
        'tools/dist_test.sh',
        str(config),
        ckpt,
        '2',
        '--work-dir',
        str(tmp / 'dist_test'),
        '--out',
        out,
        env=dict(PYTHON=sys.executable, PORT='29518'),
    )
    with open(out) as f:
        assert json.load(f) == single
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    out = str(tmp / 'mim_test.json')
    run(
        mim,
        'test',
        'mmspml',
        str(config),
        '--checkpoint',
        ckpt,
        '--gpus',
        '2',
        '--launcher',
        'pytorch',
        '--port',
        '29519',
        '--work-dir',
        str(tmp / 'mim_test'),
        '--out',
        out,
    )
    with open(out) as f:
        assert json.load(f) == single


def test_mim_train_runs_two_gloo_processes(dist_run):
    tmp, config, _, _ = dist_run
    work_dir = tmp / 'mim_train'
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    run(
        mim,
        'train',
        'mmspml',
        str(config),
        '--gpus',
        '2',
        '--launcher',
        'pytorch',
        '--port',
        '29520',
        '--work-dir',
        str(work_dir),
    )
    assert (work_dir / 'epoch_1.pth').is_file()
    assert len(glob.glob(str(work_dir / 'draw_rank*.txt'))) == 2


STATEFUL = """
_base_ = ['./tiny.py']
custom_imports = dict(imports=['mmspml', 'tests.helpers.hooks'])
custom_hooks = _base_.custom_hooks + [dict(type='RecordLossStateHook')]
train_cfg = dict(max_epochs=2)
"""


@pytest.mark.parametrize('method', ['role', 'emapl', 'llcp'])
def test_stateful_loss_state_is_identical_on_every_rank(tmp_path, method):
    write_tiny_config(tmp_path, method=method)
    config = tmp_path / 'stateful.py'
    config.write_text(STATEFUL)
    work_dir = tmp_path / 'work'
    run(
        'bash',
        'tools/dist_train.sh',
        str(config),
        '2',
        '--work-dir',
        str(work_dir),
        env=dict(PYTHON=sys.executable, PORT='29521'),
    )
    final, initial = [
        [
            open(path).read()
            for path in sorted(
                glob.glob(str(work_dir / f'state_{when}_rank*.txt'))
            )
        ]
        for when in ('final', 'initial')
    ]
    assert len(final) == 2 and final[0] == final[1]
    # The state really changed during training (not trivially equal).
    assert len(initial) == 2 and initial[0] != final[0]

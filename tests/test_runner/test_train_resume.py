"""A real MMEngine Runner, driven through tools/train.py and tools/test.py:
train, validate, checkpoint, interrupt, resume -- and get exactly the result
of the uninterrupted run."""

import glob
import os.path as osp
import re

import pytest

from tests.helpers.runner_utils import (
    assert_same_weights,
    evaluate_checkpoint,
    python,
    val_history,
    write_tiny_config,
)

pytestmark = pytest.mark.slow  # real Runners in subprocesses

LOSSES = dict(gr='GRLoss', role='ROLELoss', emapl='EMAPLLoss', llcp='LLCpLoss')

INTERRUPTED = """
_base_ = ['./tiny.py']
custom_imports = dict(imports=['mmspml', 'tests.helpers.hooks'])
custom_hooks = _base_.custom_hooks + [{hook}]
"""


@pytest.fixture(scope='module', params=['gr', 'role', 'emapl', 'llcp'])
def tiny(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f'runner_{request.param}')
    config = write_tiny_config(tmp, method=request.param)
    full_dir = tmp / 'full'
    python('tools/train.py', str(config), '--work-dir', str(full_dir))
    return tmp, config, full_dir, request.param


@pytest.mark.parametrize(
    'how,hook',
    [
        ('stopped after epoch 1', "dict(type='StopAfterEpochHook', epoch=1)"),
        ('crashed mid epoch 2', "dict(type='CrashAtIterHook', iteration=7)"),
    ],
)
def test_interrupted_and_resumed_run_equals_uninterrupted_run(tiny, how, hook):
    """Weights, loss state (ROLE estimates, APL pseudo-labels, LL-Cp
    relabellings) and metrics all equal the uninterrupted run's."""
    tmp, config, full_dir, method = tiny
    interrupted = tmp / f'interrupted_{how.split()[0]}.py'
    interrupted.write_text(INTERRUPTED.format(hook=hook))
    work_dir = tmp / how.replace(' ', '_')
    log = python(
        'tools/train.py',
        str(interrupted),
        '--work-dir',
        str(work_dir),
        ok=how.startswith('stopped'),
    )
    assert 'Epoch(val) [1]' in log and 'Epoch(val) [2]' not in log
    assert not osp.exists(osp.join(work_dir, 'epoch_3.pth'))

    log = python(
        'tools/train.py', str(config), '--work-dir', str(work_dir), '--resume'
    )
    assert 'resumed epoch: 1' in log
    # The loss saw epoch 3 (its schedule and state restored, not restarted).
    assert re.search(rf'{LOSSES[method]} this epoch: .*\bepoch=3\b', log)

    assert_same_weights(full_dir / 'epoch_3.pth', work_dir / 'epoch_3.pth')
    full_val, resumed_val = val_history(full_dir), val_history(work_dir)
    assert resumed_val[3]['spml/mAP'] == full_val[3]['spml/mAP']

    # The best checkpoints agree, and test the same on the test set.
    metrics = []
    for run_dir in (full_dir, work_dir):
        best = glob.glob(osp.join(run_dir, 'best_spml_mAP_epoch_*.pth'))
        assert len(best) == 1
        metrics.append(
            (
                osp.basename(best[0]),
                evaluate_checkpoint(config, best[0], run_dir),
            )
        )
    assert metrics[0] == metrics[1]
    assert 0 < metrics[0][1]['spml/mAP'] <= 100


def test_cfg_options_reach_the_loss(tmp_path):
    config = write_tiny_config(tmp_path)
    log = python(
        'tools/train.py',
        str(config),
        '--work-dir',
        str(tmp_path / 'opts'),
        '--cfg-options',
        'train_cfg.max_epochs=1',
        'model.head.loss.q_pos=0.25',
        'model.head.loss.schedule=exact',
    )
    assert 'q_pos=0.25' in log and "schedule='exact'" in log

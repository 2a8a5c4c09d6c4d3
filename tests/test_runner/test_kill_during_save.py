"""A training process SIGKILLed while it writes a checkpoint leaves every
checkpoint file complete, and --resume continues to exactly the result of
the uninterrupted run."""

import glob
import os
import os.path as osp
import signal
import subprocess
import sys

import pytest
import torch

from tests.helpers.paths import REPO
from tests.helpers.runner_utils import (
    assert_same_weights,
    python,
    val_history,
    write_tiny_config,
)

pytestmark = pytest.mark.slow  # real Runners in subprocesses

KILLED = """
_base_ = ['./tiny.py']
custom_imports = dict(imports=['mmspml', 'tests.helpers.hooks'])
custom_hooks = _base_.custom_hooks + [
    dict(type='KillDuringSaveHook', pattern={pattern!r})]
"""


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('kill')
    config = write_tiny_config(tmp, method='role')  # weights and loss state
    full_dir = tmp / 'full'
    python('tools/train.py', str(config), '--work-dir', str(full_dir))
    return tmp, config, full_dir


@pytest.mark.parametrize(
    'what,pattern',
    [
        ('the epoch 2 checkpoint', r'^\.epoch_2\.pth\.tmp$'),
        (
            'the epoch 3 best checkpoint',
            r'^\.best_spml_mAP_epoch_3\.pth\.tmp$',
        ),
    ],
)
def test_killed_while_writing_a_checkpoint_then_resumed(tiny, what, pattern):
    tmp, config, full_dir = tiny
    killed = tmp / f'killed_{pattern[3:7]}.py'
    killed.write_text(KILLED.format(pattern=pattern))
    work_dir = tmp / f'work_{pattern[3:7]}'
    proc = subprocess.run(
        [
            sys.executable,
            'tools/train.py',
            str(killed),
            '--work-dir',
            str(work_dir),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=REPO),
        timeout=900,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout[-3000:]
    # The half-written bytes are in a temporary file; every checkpoint
    # file is complete and loads safely, and last_checkpoint names one;
    # the previous best checkpoint was not removed before its successor.
    assert glob.glob(str(work_dir / '.*.pth.tmp'))
    assert glob.glob(str(work_dir / 'best_spml_mAP_epoch_*.pth'))
    for path in glob.glob(str(work_dir / '*.pth')):
        torch.load(path, map_location='cpu', weights_only=True)
    with open(work_dir / 'last_checkpoint') as f:
        assert osp.isfile(f.read().strip())

    log = python(
        'tools/train.py', str(config), '--work-dir', str(work_dir), '--resume'
    )
    assert 'resumed epoch:' in log
    assert_same_weights(full_dir / 'epoch_3.pth', work_dir / 'epoch_3.pth')
    assert not glob.glob(str(work_dir / '.*.pth.tmp'))

    # The protocol's outcome is the uninterrupted run's: the same best
    # epoch, and the same val mAP for the epoch whose write was killed.
    def bests(run_dir):
        return sorted(
            osp.basename(p)
            for p in glob.glob(str(run_dir / 'best_spml_mAP_epoch_*.pth'))
        )

    assert bests(work_dir) == bests(full_dir)
    resumed, full = val_history(work_dir), val_history(full_dir)
    assert resumed[3]['spml/mAP'] == full[3]['spml/mAP']

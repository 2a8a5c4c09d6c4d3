"""A real MMEngine Runner, driven through tools/train.py and tools/test.py:
train, validate, checkpoint, interrupt, resume -- and get exactly the result
of the uninterrupted run."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmspml.datasets import make_mnist_mosaics

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

TINY = '''
_base_ = ['{repo}/configs/gr_demo.py']
data_root = '{data}'
train_dataloader = dict(
    batch_size=32, dataset=dict(dataset=dict(data_root=data_root)))
val_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
test_dataloader = dict(dataset=dict(data_root=data_root))
model = dict(
    backbone=dict(stem_channels=8, base_channels=8),
    head=dict(in_channels=64))
train_cfg = dict(max_epochs=3)
default_hooks = dict(logger=dict(interval=1))
'''

INTERRUPTED = '''
_base_ = ['./tiny.py']
custom_imports = dict(imports=['mmspml', 'tests.helpers.stop_hook'])
custom_hooks = [dict(type='SPMLLossHook'),
                dict(type='StopAfterEpochHook', epoch=1)]
'''


def run(*args):
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def state_dict(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.fixture(scope='module')
def configs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('runner')
    data = tmp / 'mnist_mosaic'
    make_mnist_mosaics(str(data), num_train=160, num_test=40)
    (tmp / 'tiny.py').write_text(TINY.format(repo=REPO, data=data))
    (tmp / 'interrupted.py').write_text(INTERRUPTED)
    return tmp


def test_interrupted_and_resumed_run_equals_uninterrupted_run(configs):
    tmp = configs
    full_dir, resumed_dir = str(tmp / 'full'), str(tmp / 'resumed')
    run('tools/train.py', str(tmp / 'tiny.py'), '--work-dir', full_dir)

    log = run('tools/train.py', str(tmp / 'interrupted.py'), '--work-dir',
              resumed_dir)
    assert 'Epoch(val) [1]' in log and 'Epoch(val) [2]' not in log
    assert not osp.exists(osp.join(resumed_dir, 'epoch_3.pth'))

    log = run('tools/train.py', str(tmp / 'tiny.py'), '--work-dir',
              resumed_dir, '--resume')
    assert 'resumed epoch: 1' in log
    assert 'GRLoss this epoch' in log and 'epoch=3' in log

    full = state_dict(osp.join(full_dir, 'epoch_3.pth'))
    resumed = state_dict(osp.join(resumed_dir, 'epoch_3.pth'))
    assert full.keys() == resumed.keys()
    for key in full:
        assert torch.equal(full[key], resumed[key]), key

    # The best checkpoints agree too, and test the same on the test set.
    metrics = []
    for work_dir in (full_dir, resumed_dir):
        best = glob.glob(osp.join(work_dir, 'best_spml_mAP_epoch_*.pth'))
        assert len(best) == 1
        out = osp.join(work_dir, 'test.json')
        run('tools/test.py', str(tmp / 'tiny.py'), best[0], '--work-dir',
            work_dir, '--out', out)
        with open(out) as f:
            metrics.append(json.load(f))
        metrics[-1]['ckpt'] = osp.basename(best[0])
    assert metrics[0] == metrics[1]
    assert 0 < metrics[0]['spml/mAP'] <= 100


def test_cfg_options_reach_the_loss(configs):
    work_dir = str(configs / 'opts')
    log = run('tools/train.py', str(configs / 'tiny.py'), '--work-dir',
              work_dir, '--cfg-options', 'train_cfg.max_epochs=1',
              'model.head.loss.q_pos=0.25', 'model.head.loss.schedule=exact')
    assert "q_pos=0.25" in log and "schedule='exact'" in log

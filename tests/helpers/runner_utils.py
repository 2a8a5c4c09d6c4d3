"""Run tools/*.py in subprocesses on a tiny demo config."""

import json
import os
import os.path as osp
import subprocess
import sys

import torch

from mmspml.datasets import make_mnist_mosaics
from tests.helpers.paths import REPO, config_file

TINY = """
_base_ = ['{config}']
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
"""

# EM + APL must assign pseudo-labels within the 3 tiny epochs.
METHOD_OPTIONS = dict(
    emapl='model = dict(head=dict(loss=dict(warmup_epoch=1)))'
)


def write_tiny_config(tmp, num_train=160, num_test=40, method='gr'):
    """A 3-epoch demo config of ``method`` on a small mosaic set; returns its
    path."""
    data = tmp / 'mnist_mosaic'
    make_mnist_mosaics(str(data), num_train=num_train, num_test=num_test)
    path = tmp / 'tiny.py'
    path.write_text(
        TINY.format(config=config_file(method, 'demo'), data=data)
        + METHOD_OPTIONS.get(method, '')
        + '\n'
    )
    return path


def run(*args, ok=True, env=None):
    """Run a command from the repository root; return its output."""
    env = dict(os.environ, PYTHONPATH=REPO, **(env or {}))
    proc = subprocess.run(
        list(args),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = proc.stdout + proc.stderr
    if ok:
        assert proc.returncode == 0, output[-4000:]
    else:
        assert proc.returncode != 0, output[-4000:]
    return output


def python(*args, **kwargs):
    return run(sys.executable, *args, **kwargs)


def state_dict(path):
    # Safe loading: what mmspml writes needs no full unpickling.
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return checkpoint['state_dict']


def assert_same_weights(path_a, path_b):
    """Bit-identical parameters, buffers and loss state (NaN where APL has
    no pseudo-label counts as equal)."""
    a, b = state_dict(path_a), state_dict(path_b)
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(
            a[key], b[key], rtol=0, atol=0, equal_nan=True, msg=key
        )


def evaluate_checkpoint(config, checkpoint, work_dir, *extra):
    """Single-process tools/test.py metrics of ``checkpoint``."""
    out = osp.join(work_dir, f'test_{osp.basename(checkpoint)}.json')
    python(
        'tools/test.py',
        str(config),
        str(checkpoint),
        '--work-dir',
        str(work_dir),
        '--out',
        out,
        *extra,
    )
    with open(out) as f:
        return json.load(f)


def val_history(work_dir):
    """The val metrics logged per epoch (vis_data/scalars.json)."""
    history = {}
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files and root.endswith('vis_data'):
            with open(osp.join(root, 'scalars.json')) as f:
                for line in f:
                    record = json.loads(line)
                    if 'spml/mAP' in record:
                        history[record['step']] = record
    return history

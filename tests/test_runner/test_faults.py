"""Faults stop a job with a message, never a hang, and lose nothing: a
non-finite loss, a rank that dies under DDP, a sweep of runs interrupted
halfway."""

import json
import sys
import time

import pytest

from tests.helpers.runner_utils import python, run, write_tiny_config

pytestmark = pytest.mark.slow  # real Runners in subprocesses

HOOKED = """
_base_ = ['./tiny.py']
custom_imports = dict(imports=['mmspml', 'tests.helpers.hooks'])
custom_hooks = _base_.custom_hooks + [{hook}]
"""


def hooked_config(tmp, name, hook, method='gr'):
    write_tiny_config(tmp, method=method)
    path = tmp / f'{name}.py'
    path.write_text(HOOKED.format(hook=hook))
    return path


def test_non_finite_loss_stops_training_naming_the_iteration(tmp_path):
    config = hooked_config(
        tmp_path, 'poisoned', "dict(type='PoisonWeightsHook', iteration=5)"
    )
    log = python(
        'tools/train.py',
        str(config),
        '--work-dir',
        str(tmp_path / 'work'),
        ok=False,
    )
    assert (
        'FloatingPointError: The training loss is nan at epoch 2, '
        'iteration 6 (GRLoss: epoch=2' in log
    )
    assert 'lower the learning rate, clip gradients' in log
    assert 'Epoch(train) [2]' not in log.split('FloatingPointError')[-1]


def test_a_dead_rank_ends_the_other_rank_instead_of_hanging(tmp_path):
    config = hooked_config(
        tmp_path, 'dies', "dict(type='DieOnRankHook', rank=1, iteration=2)"
    )
    start = time.monotonic()
    log = run(
        'bash',
        'tools/dist_train.sh',
        str(config),
        '2',
        '--work-dir',
        str(tmp_path / 'work'),
        ok=False,
        env=dict(PYTHON=sys.executable, PORT='29523'),
    )
    elapsed = time.monotonic() - start
    print(
        f'2 gloo ranks, rank 1 died at iteration 2: the job ended after '
        f'{elapsed:.1f} s'
    )
    # torchrun sees the dead worker and stops the other one.
    assert 'exitcode  : 3' in log or 'exit code 3' in log.lower(), log[-3000:]
    assert elapsed < 120, f'the surviving rank took {elapsed:.0f} s to end'


def test_an_interrupted_sweep_skips_finished_runs_and_resumes(tmp_path):
    first = write_tiny_config(tmp_path, method='an')  # tiny.py: AN
    (tmp_path / 'an_tiny.py').write_text(first.read_text())
    marker = tmp_path / 'crashed_once'
    crashing = hooked_config(
        tmp_path,
        'gr_crashing',
        f"dict(type='CrashOnceHook', iteration=6, marker='{marker}')",
    )
    work_dir = tmp_path / 'sweep'
    args = (
        'tools/run_configs.py',
        str(tmp_path / 'an_tiny.py'),
        str(crashing),
        '--work-dir',
        str(work_dir),
    )
    log = python(*args, ok=False)
    assert 'run 2 of 2' in log and 'simulated crash' in log
    assert (work_dir / 'an_tiny/seed0/result.json').is_file()
    assert not list(work_dir.glob('results.*'))  # nothing half written

    log = python(*args)
    assert 'run 1 of 2' in log and 'finished before, skipped' in log
    assert 'resuming an interrupted run' in log
    with open(work_dir / 'results.json') as f:
        results = json.load(f)
    assert sorted(results) == ['an_tiny', 'gr_crashing']
    table = (work_dir / 'results.md').read_text()
    assert '| an_tiny |' in table and '| gr_crashing |' in table
    # Finished runs of another config version are refused, not reused.
    log = python(*args, '--cfg-options', 'train_cfg.max_epochs=2', ok=False)
    assert 'was written for another version of' in log


def test_a_head_for_another_class_count_stops_before_training(tmp_path):
    config = write_tiny_config(tmp_path)
    log = python(
        'tools/train.py',
        str(config),
        '--work-dir',
        str(tmp_path / 'work'),
        '--cfg-options',
        'model.head.num_classes=7',
        ok=False,
    )
    assert (
        'model.head.num_classes is 7 but the train_dataloader dataset '
        'has 10 classes' in log
    )
    assert 'Epoch(train)' not in log

"""A config mistake stops tools/train.py, test.py and tune.py with one line
naming the key to fix, no traceback, before any training."""

import os

import pytest

from tests.helpers.paths import config_file
from tests.helpers.runner_utils import python, write_tiny_config

pytestmark = pytest.mark.slow

ONE_THREAD = dict(OMP_NUM_THREADS='1')
OBSERVED_VAL = (
    "val_dataloader = dict(dataset=dict(type='PartialLabelDataset', "
    'known_frac=0.5))\n'
    "val_evaluator = dict(type='SPMLAveragePrecision', mode='observed')\n"
)


def write(tmp_path, name, base, extra):
    path = tmp_path / f'{name}.py'
    path.write_text(f"_base_ = ['{base}']\ncustom_hooks = []\n{extra}")
    return str(path)


def test_train_stops_before_the_first_iteration(tmp_path):
    config = write(
        tmp_path, 'observed', write_tiny_config(tmp_path, 48, 16), OBSERVED_VAL
    )
    work_dir = tmp_path / 'work'
    out = python(
        'tools/train.py',
        config,
        '--work-dir',
        str(work_dir),
        ok=False,
        env=ONE_THREAD,
    )
    assert 'Traceback' not in out and 'Epoch(train)' not in out
    assert (
        out.strip()
        .splitlines()[-1]
        .startswith(
            'tools/train.py: error: default_hooks.checkpoint.save_best='
            "'spml/mAP' is not a metric the val evaluator reports: "
            "SPMLAveragePrecision(mode='observed') reports spml/mAP_observed, "
        )
    )
    assert not [f for f in os.listdir(work_dir) if f.endswith('.pth')]


def test_test_without_a_test_set_says_what_to_add(tmp_path):
    config = write(
        tmp_path,
        'no_test',
        config_file('gr', 'demo'),
        'test_dataloader = None\ntest_evaluator = None\n',
    )
    out = python(
        'tools/test.py',
        config,
        str(tmp_path / 'no_such.pth'),
        '--work-dir',
        str(tmp_path / 'work'),
        ok=False,
    )
    assert out.strip() == (
        f'tools/test.py: error: {config} has no test_dataloader and no '
        'test_evaluator: add test_dataloader and test_evaluator to it (e.g. '
        'test_dataloader = val_dataloader and test_evaluator = '
        'val_evaluator to test on the val split).'
    )


def test_tune_checks_the_metric_before_any_trial(tmp_path):
    pytest.importorskip(
        'optuna', reason='pip install -r requirements/tune.txt'
    )
    observed = (
        "val_evaluator = dict(type='SPMLAveragePrecision', mode='observed')"
    )
    config = write(tmp_path, 'observed', config_file('gr', 'demo'), observed)
    work_dir = tmp_path / 'tune'
    out = python(
        'tools/tune.py',
        config,
        '--n-trials',
        '1',
        '--work-dir',
        str(work_dir),
        ok=False,
    )
    assert out.strip().startswith(
        "tools/tune.py: error: --metric='spml/mAP', "
        "default_hooks.checkpoint.save_best='spml/mAP' are not metrics the "
        "val evaluator reports: SPMLAveragePrecision(mode='observed') "
        'reports spml/mAP_observed, '
    )
    assert len(out.strip().splitlines()) == 1
    assert not work_dir.exists()  # no study, no failed trial, no retry

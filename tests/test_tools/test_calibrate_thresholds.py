"""tools/analysis/calibrate_thresholds.py on canned scores (no model): a
split with verified negatives and no full labels is calibrated over its
observed entries and says so, with the positives and negatives each class
rests on; full labels and single positives are handled as before."""

import importlib.util
import json
import os.path as osp
import sys

import numpy as np
import pytest

from mmspml.evaluation import (
    search_f1_thresholds,
    search_observed_f1_thresholds,
)
from tests.helpers.paths import REPO, config_file

CLASSES = ['cat', 'dog', 'car']


def tool():
    spec = importlib.util.spec_from_file_location(
        'calibrate_thresholds',
        osp.join(REPO, 'tools', 'analysis', 'calibrate_thresholds.py'),
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def split(seed, kind):
    """What ``score_dataloader`` returns for a split of 60 images:
    ``'partial'`` (observed 1 / -1 / 0, no full labels), ``'single'`` (one
    observed positive, full labels in ``full_gt_label``) or ``'full'`` (a
    test split: ``gt_label`` is the full labels)."""
    rng = np.random.RandomState(seed)
    full = (rng.rand(60, 3) < 0.4).astype(np.uint8)
    full[np.arange(60), rng.randint(0, 3, 60)] = 1
    scores = np.round(np.clip(0.6 * rng.rand(60, 3) + 0.4 * full, 0, 1), 3)
    if kind == 'partial':
        seen = rng.rand(60, 3) < 0.5
        observed = np.where(seen, 2 * full.astype(np.int8) - 1, 0)
        labels = (observed == 1).astype(np.uint8)
    elif kind == 'single':
        observed = np.zeros((60, 3), dtype=np.int8)
        observed[np.arange(60), full.argmax(axis=1)] = 1
        labels = full
    else:
        observed, labels = full.astype(np.int8), full
    return dict(
        scores=scores,
        labels=labels,
        observed=observed.astype(np.int8),
        has_full_gt_label=kind == 'single',
        img_paths=[f'{i}.png' for i in range(60)],
    )


class CannedInferencer:
    """SPMLInferencer's interface, with the splits' scores given."""

    splits = {}

    def __init__(self, cfg, checkpoint, **kwargs):
        self.classes = CLASSES
        self.checkpoint = checkpoint

    def build_dataloader(self, split, batch_size=None):
        return split

    def score_dataloader(self, loader):
        return self.splits[loader]


def calibrate(monkeypatch, capsys, tmp_path, splits, *options):
    module = tool()
    CannedInferencer.splits = splits
    monkeypatch.setattr(module, 'SPMLInferencer', CannedInferencer)
    out = str(tmp_path / 'thr.json')
    argv = [
        'calibrate_thresholds.py',
        config_file('gr', 'demo'),
        'model.pth',
        '--split',
        'val',
        '--out',
        out,
        *options,
    ]
    monkeypatch.setattr(sys, 'argv', argv)
    module.main()
    with open(out) as f:
        return capsys.readouterr().out, json.load(f)


def test_verified_negatives_calibrate_over_observed_entries(
    monkeypatch, capsys, tmp_path
):
    val = split(0, 'partial')
    log, record = calibrate(
        monkeypatch, capsys, tmp_path, dict(val=val), '--min-positives', '3'
    )
    negatives = int((val['observed'] == -1).sum())
    assert f'no full labels but {negatives} verified negatives' in log
    assert 'ESTIMATED over its observed entries only' in log
    assert 'Precision cannot be known' not in log
    found = search_observed_f1_thresholds(
        val['scores'], val['observed'], min_positives=3
    )
    np.testing.assert_array_equal(record['thresholds'], found['thresholds'])
    assert record['labels'] == 'observed entries'
    assert record['num_positives'] == (val['observed'] == 1).sum(0).tolist()
    assert record['num_negatives'] == (val['observed'] == -1).sum(0).tolist()
    # Each class's line shows the positives and negatives it rests on.
    for name, pos, neg in zip(
        CLASSES, record['num_positives'], record['num_negatives']
    ):
        assert any(
            line.split()[:3] == [name, str(pos), str(neg)]
            for line in log.splitlines()
        )
    table = record['metrics']['val']['calibrated']
    assert table['classes'] == 3 and 0 < table['OF1'] <= 100
    assert 'ESTIMATED over the observed entries only' in log


def test_expected_count_with_verified_negatives_estimates_precision(
    monkeypatch, capsys, tmp_path
):
    val = split(1, 'partial')
    log, record = calibrate(
        monkeypatch,
        capsys,
        tmp_path,
        dict(val=val),
        '--mode',
        'expected-count',
        '--expected-positives',
        '1.2',
    )
    assert 'Precision cannot be known' not in log
    observed = val['observed']
    pred = (val['scores'] >= record['global_threshold']) & (observed != 0)
    precision = (pred & (observed == 1)).sum() / pred.sum()
    assert f'precision {100 * precision:.2f}%' in log
    assert (
        f'{int((observed == 1).sum())} observed positives, '
        f'{int((observed == -1).sum())} verified negatives' in log
    )


def test_single_positives_keep_the_message_that_precision_is_unknown(
    monkeypatch, capsys, tmp_path
):
    log, _ = calibrate(
        monkeypatch,
        capsys,
        tmp_path,
        dict(val=split(2, 'single')),
        '--mode',
        'expected-count',
        '--expected-positives',
        '1.2',
    )
    assert (
        'observed (gt_label) positives. Precision cannot be known without '
        'negatives.' in log
    )
    assert 'ESTIMATED' not in log


@pytest.mark.parametrize('kind', ['single', 'full'])
def test_full_labels_calibrate_on_full_labels(
    kind, monkeypatch, capsys, tmp_path
):
    val, test = split(3, kind), split(4, 'partial')
    log, record = calibrate(
        monkeypatch,
        capsys,
        tmp_path,
        dict(val=val, test=test),
        '--eval-split',
        'test',
    )
    found = search_f1_thresholds(val['scores'], val['labels'])
    np.testing.assert_array_equal(record['thresholds'], found['thresholds'])
    assert 'labels' not in record and 'num_negatives' not in record
    assert 'class   #pos  threshold      F1  chosen by' in log
    assert 'Metrics on the val split, IN-SAMPLE' in log
    # The held-out split has only partial labels: estimated, and said so.
    assert 'test split (against its observed entries; held out)' in log
    assert record['metrics']['test']['calibrated']['classes'] == 3

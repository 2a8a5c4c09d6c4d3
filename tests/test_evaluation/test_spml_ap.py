"""SPMLAveragePrecision against scikit-learn."""

import numpy as np
import pytest
import torch
from sklearn.metrics import (
    average_precision_score,
    precision_score,
    recall_score,
)

from mmspml.evaluation import SPMLAveragePrecision, average_precision
from mmspml.evaluation.metrics.ap_functions import ap_table


def random_scores(n=200, c=15, seed=0, decimals=1):
    rng = np.random.RandomState(seed)
    targets = (rng.rand(n, c) < 0.25).astype(int)
    # Rounded scores create many ties, which sklearn groups by threshold.
    scores = np.round(rng.rand(n, c) * 0.6 + 0.4 * targets, decimals)
    return scores, targets


@pytest.mark.parametrize('decimals', [1, 2, 6])
def test_per_class_ap_equals_sklearn_with_ties(decimals):
    scores, targets = random_scores(seed=decimals, decimals=decimals)
    ours = average_precision(scores, targets)
    for c in range(targets.shape[1]):
        assert ours[c] == pytest.approx(
            average_precision_score(targets[:, c], scores[:, c]), abs=1e-6
        )


def test_empty_classes_count_zero_or_are_skipped():
    scores, targets = random_scores(seed=4)
    targets[:, [2, 5]] = 0
    sk = [
        average_precision_score(targets[:, c], scores[:, c])
        for c in range(15)
        if c not in (2, 5)
    ]
    zero = SPMLAveragePrecision.calculate(scores, targets)['mAP']
    skip = SPMLAveragePrecision.calculate(scores, targets, empty_class='skip')[
        'mAP'
    ]
    assert zero == pytest.approx(100 * sum(sk) / 15, abs=1e-6)
    assert skip == pytest.approx(100 * np.mean(sk), abs=1e-6)


def test_f1_scores_match_sklearn():
    scores, targets = random_scores(seed=5)
    m = SPMLAveragePrecision.calculate(scores, targets, thr=0.5)
    pred = (scores >= 0.5).astype(int)
    cp = precision_score(targets, pred, average='macro', zero_division=0)
    cr = recall_score(targets, pred, average='macro', zero_division=0)
    op = precision_score(targets, pred, average='micro', zero_division=0)
    o_r = recall_score(targets, pred, average='micro', zero_division=0)
    assert m['CP'] == pytest.approx(100 * cp)
    assert m['CR'] == pytest.approx(100 * cr)
    assert m['CF1'] == pytest.approx(100 * 2 * cp * cr / (cp + cr))
    assert m['OP'] == pytest.approx(100 * op)
    assert m['OF1'] == pytest.approx(100 * 2 * op * o_r / (op + o_r))


def test_metric_scores_full_labels_not_observed_ones():
    scores, targets = random_scores(n=30, c=4, seed=6)
    targets[np.arange(30), np.arange(30) % 4] = 1
    metric = SPMLAveragePrecision(print_table=False)
    metric.dataset_meta = dict(classes=['a', 'b', 'c', 'd'])
    samples = []
    for s, t in zip(scores, targets):
        first = np.flatnonzero(t)[:1]
        samples.append(
            dict(
                pred_score=torch.tensor(s),
                gt_label=torch.tensor(first),  # the observed single positive
                gt_score=torch.zeros(4),
                full_gt_label=torch.tensor(np.flatnonzero(t)),
            )
        )
    metric.process({}, samples)
    result = metric.evaluate(len(samples))
    expected = np.mean(
        [
            average_precision_score(targets[:, c], scores[:, c])
            for c in range(4)
        ]
    )
    assert result['spml/mAP'] == pytest.approx(100 * expected, abs=1e-6)


def test_metric_falls_back_to_gt_label():
    metric = SPMLAveragePrecision(prefix='test')
    metric.dataset_meta = dict(classes=['cat', 'dog'])
    metric.process(
        {},
        [
            dict(
                pred_score=torch.tensor([0.9, 0.2]), gt_label=torch.tensor([0])
            ),
            dict(
                pred_score=torch.tensor([0.1, 0.8]), gt_label=torch.tensor([1])
            ),
        ],
    )
    assert metric.evaluate(2)['test/mAP'] == pytest.approx(100.0)


def test_class_count_mismatch_is_explained():
    metric = SPMLAveragePrecision()
    with pytest.raises(ValueError, match='number of classes'):
        metric.process(
            {}, [dict(pred_score=torch.rand(3), gt_label=torch.tensor([5]))]
        )


def test_ap_table_lists_every_class():
    table = ap_table(
        np.array([0.5, np.nan]), np.array([[1, 0], [0, 0]]), ['cat', 'dog']
    )
    assert 'cat     50.00       1' in table
    assert 'dog       n/a       0' in table


def test_classwise_returns_each_class_ap_by_name():
    scores, targets = random_scores(n=80, c=4, seed=9)
    targets[:, 3] = 0  # a class without positives
    metric = SPMLAveragePrecision(classwise=True, print_table=False)
    metric.dataset_meta = dict(classes=['cat', 'dog', 'cow', 'emu'])
    results = [
        dict(pred_score=torch.tensor(s), target=torch.tensor(t))
        for s, t in zip(scores, targets)
    ]
    metrics = metric.compute_metrics(results)
    for c, name in enumerate(['cat', 'dog', 'cow']):
        assert metrics[f'AP/{name}'] == pytest.approx(
            100 * average_precision_score(targets[:, c], scores[:, c])
        )
    assert np.isnan(metrics['AP/emu'])
    assert 'AP/cat' not in SPMLAveragePrecision(
        print_table=False
    ).compute_metrics(results)

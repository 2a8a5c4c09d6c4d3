"""mAP over the observed entries only (mode='observed'): equal to sklearn's
average_precision_score class by class on the images where the class is
observed, only classes with an observed positive and a verified negative
counted; undefined (an error, not 0) without verified negatives; the full
mode refuses partial labels without full ones."""

import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample
from sklearn.metrics import average_precision_score

from mmspml.evaluation import SPMLAveragePrecision
from mmspml.evaluation.metrics import observed_average_precision


def partial(seed, n=60, c=7):
    rng = np.random.RandomState(seed)
    full = (rng.rand(n, c) < 0.3).astype(int)
    scores = np.round(np.clip(full * 0.3 + rng.rand(n, c) * 0.7, 0, 1), 2)
    known = rng.rand(n, c) < 0.4
    observed = np.where(known, np.where(full == 1, 1, -1), 0)
    observed[:, -1] = np.where(observed[:, -1] == -1, 0, observed[:, -1])
    return scores, observed


@pytest.mark.parametrize('seed', range(5))
def test_observed_ap_equals_sklearn_on_the_observed_entries(seed):
    scores, observed = partial(seed)
    ap, valid = observed_average_precision(scores, observed)
    expected = []
    for c in range(observed.shape[1]):
        rows = observed[:, c] != 0
        y = observed[rows, c] == 1
        if y.any() and (~y).any():
            expected.append(average_precision_score(y, scores[rows, c]))
            assert valid[c]
            assert ap[c] == pytest.approx(expected[-1], rel=1e-12)
        else:
            assert not valid[c] and np.isnan(ap[c])
    # The last class has no verified negative: it does not count.
    assert not valid[-1]
    metric = SPMLAveragePrecision(mode='observed')
    metric.process(None, samples(scores, observed))
    result = metric.compute_metrics(metric.results)
    assert result['mAP_observed'] == pytest.approx(
        100 * np.mean(expected), rel=1e-12
    )
    assert result['observed_classes'] == len(expected)
    assert 'mAP' not in result


def samples(scores, observed, full=None):
    out = []
    for i in range(len(scores)):
        sample = DataSample()
        sample.set_pred_score(torch.tensor(scores[i], dtype=torch.float32))
        sample.set_gt_score(torch.tensor(observed[i], dtype=torch.float32))
        sample.set_gt_label(np.flatnonzero(observed[i] == 1).tolist())
        if full is not None:
            sample.set_field(
                torch.tensor(np.flatnonzero(full[i])), 'full_gt_label'
            )
        out.append(sample.to_dict())
    return out


def test_without_verified_negatives_observed_map_is_an_error_not_zero():
    scores, observed = partial(0)
    metric = SPMLAveragePrecision(mode='observed')
    metric.process(None, samples(scores, np.where(observed < 0, 0, observed)))
    with pytest.raises(ValueError, match='undefined .it is not 0.'):
        metric.compute_metrics(metric.results)


def test_full_mode_refuses_partial_labels_without_full_labels():
    scores, observed = partial(0)
    metric = SPMLAveragePrecision()
    with pytest.raises(ValueError, match="mode='observed'"):
        metric.process(None, samples(scores, observed))


def test_both_modes_report_both_names():
    scores, observed = partial(1)
    full = (observed == 1).astype(int)
    metric = SPMLAveragePrecision(mode='both', print_table=False)
    metric.process(None, samples(scores, observed, full))
    result = metric.compute_metrics(metric.results)
    assert {'mAP', 'mAP_observed', 'observed_classes'} <= set(result)
    assert result['mAP'] == pytest.approx(
        SPMLAveragePrecision.calculate(scores, full)['mAP']
    )
    with pytest.raises(ValueError, match="'full', 'observed' or 'both'"):
        SPMLAveragePrecision(mode='partial')

"""Label rules, the F1 threshold search and the thresholds file, against
brute force and scikit-learn."""

import json

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from mmspml.evaluation import (
    best_f1_threshold,
    expected_count_threshold,
    f1_curve,
    load_thresholds,
    predicted_labels,
    save_thresholds,
    search_f1_thresholds,
    search_observed_f1_thresholds,
    threshold_metrics,
)
from mmspml.evaluation.threshold_metrics import (
    observed_positive_recall,
    observed_threshold_metrics,
)
from mmspml.evaluation.thresholds import grid_candidates

CLASSES = ['cat', 'dog', 'car', 'tree', 'sky']


def scores_and_labels(n=120, c=5, seed=0, decimals=2, rare=()):
    """Scores that rank positives higher on average, rounded so that many
    tie; the classes in ``rare`` get only two positives."""
    rng = np.random.RandomState(seed)
    targets = (rng.rand(n, c) < 0.3).astype(int)
    for k in rare:
        targets[:, k] = 0
        targets[rng.choice(n, 2, replace=False), k] = 1
    scores = np.round(
        np.clip(rng.rand(n, c) * 0.7 + 0.3 * targets, 0, 1), decimals
    )
    return scores, targets


def brute_force_f1(scores, targets, candidates):
    return np.array(
        [
            f1_score(targets, (scores >= t).astype(int), zero_division=0)
            for t in candidates
        ]
    )


def test_threshold_labels_are_the_classes_at_or_above_it():
    scores = np.array([[0.9, 0.5, 0.2, 0.7], [0.1, 0.3, 0.49, 0.0]])
    assert predicted_labels(scores) == [[0, 3, 1], []]  # 0.5 counts
    assert predicted_labels(scores, threshold=0.25) == [[0, 3, 1], [2, 1]]
    rng = np.random.RandomState(1)
    scores = rng.rand(50, 7)
    for row, labels in zip(scores, predicted_labels(scores, threshold=0.6)):
        assert set(labels) == set(np.flatnonzero(row >= 0.6))
        assert list(row[labels]) == sorted(row[labels], reverse=True)


def test_topk_labels_are_the_k_highest_ties_by_class_index():
    scores = np.array([[0.2, 0.8, 0.8, 0.1], [0.4, 0.3, 0.2, 0.9]])
    assert predicted_labels(scores, topk=2) == [[1, 2], [3, 0]]
    rng = np.random.RandomState(2)
    scores = rng.rand(30, 6)
    for row, labels in zip(scores, predicted_labels(scores, topk=3)):
        assert labels == list(np.argsort(-row)[:3])


def test_per_class_thresholds_apply_to_their_class():
    scores = np.array([[0.3, 0.3, 0.9], [0.6, 0.1, 0.95]])
    thresholds = [0.25, 0.5, 0.92]
    assert predicted_labels(scores, thresholds=thresholds) == [[0], [2, 0]]
    rng = np.random.RandomState(3)
    scores, thr = rng.rand(40, 5), rng.rand(5)
    for row, labels in zip(scores, predicted_labels(scores, thresholds=thr)):
        assert set(labels) == set(np.flatnonzero(row >= thr))


def test_label_rules_reject_bad_arguments():
    scores = np.zeros((2, 3))
    with pytest.raises(ValueError, match='one of threshold, topk'):
        predicted_labels(scores, threshold=0.5, topk=1)
    with pytest.raises(ValueError, match=r'topk must be between 1 and 3'):
        predicted_labels(scores, topk=4)
    with pytest.raises(ValueError, match=r'one value per class \(3\)'):
        predicted_labels(scores, thresholds=[0.5, 0.5])


def test_f1_curve_equals_sklearn_at_every_distinct_score():
    scores, targets = scores_and_labels(seed=4, decimals=1)
    curve = f1_curve(scores[:, 0], targets[:, 0])
    np.testing.assert_array_equal(curve['thresholds'], np.unique(scores[:, 0]))
    np.testing.assert_allclose(
        curve['f1'],
        brute_force_f1(scores[:, 0], targets[:, 0], curve['thresholds']),
    )


def test_best_threshold_of_a_small_worked_example():
    # F1 at 0.9, 0.8, 0.7, 0.6: 2/4, 4/5, 4/6, 6/7.
    thr, f1 = best_f1_threshold(
        np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, 1, 0, 1])
    )
    assert (thr, f1) == (0.6, pytest.approx(6 / 7))
    # A tie (F1 2/3 at 0.8 and at 0.5): the higher threshold wins.
    thr, f1 = best_f1_threshold(
        np.array([0.8, 0.7, 0.6, 0.5]), np.array([1, 0, 0, 1])
    )
    assert (thr, f1) == (0.8, pytest.approx(2 / 3))


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_each_class_threshold_attains_its_maximum_f1(seed):
    scores, targets = scores_and_labels(seed=seed, rare=(3,))
    found = search_f1_thresholds(scores, targets, min_positives=5)
    assert list(found['fallback']) == [False, False, False, True, False]
    for c in range(scores.shape[1]):
        if found['fallback'][c]:
            continue
        candidates = np.unique(scores[:, c])
        brute = brute_force_f1(scores[:, c], targets[:, c], candidates)
        ours = f1_score(
            targets[:, c], (scores[:, c] >= found['thresholds'][c]).astype(int)
        )
        assert ours == pytest.approx(brute.max())
        assert found['class_f1'][c] == pytest.approx(ours)
        # The highest of the thresholds that reach the maximum.
        best = candidates[np.isclose(brute, brute.max())].max()
        assert found['thresholds'][c] == best


def test_rare_classes_fall_back_to_the_threshold_of_max_overall_f1():
    scores, targets = scores_and_labels(seed=5, rare=(1, 4))
    found = search_f1_thresholds(scores, targets, min_positives=3)
    assert np.flatnonzero(found['fallback']).tolist() == [1, 4]
    candidates = np.unique(scores)
    micro = np.array(
        [
            f1_score(
                targets,
                (scores >= t).astype(int),
                average='micro',
                zero_division=0,
            )
            for t in candidates
        ]
    )
    assert (
        found['global_threshold']
        == candidates[np.isclose(micro, micro.max())].max()
    )
    assert found['global_f1'] == pytest.approx(micro.max())
    assert (
        found['thresholds'][1]
        == found['thresholds'][4]
        == found['global_threshold']
    )
    assert found['num_positives'][[1, 4]].tolist() == [2, 2]
    # min_positives 2 keeps them; a class without positives always falls
    # back.
    targets[:, 4] = 0
    found = search_f1_thresholds(scores, targets, min_positives=0)
    assert np.flatnonzero(found['fallback']).tolist() == [4]


def test_grid_search_attains_the_maximum_over_the_grid():
    scores, targets = scores_and_labels(seed=6, decimals=6)
    grid = grid_candidates(99)
    assert grid[0] == pytest.approx(0.01) and grid[-1] == pytest.approx(0.99)
    found = search_f1_thresholds(scores, targets, min_positives=1, grid=99)
    for c in range(scores.shape[1]):
        assert found['thresholds'][c] in grid
        brute = brute_force_f1(scores[:, c], targets[:, c], grid)
        assert found['class_f1'][c] == pytest.approx(brute.max())


def test_metrics_at_thresholds_equal_sklearn():
    scores, targets = scores_and_labels(seed=7)
    thresholds = search_f1_thresholds(scores, targets)['thresholds']
    for thr in (0.5, thresholds):
        pred = (scores >= thr).astype(int)
        ours = threshold_metrics(scores, targets, thr)
        cp = precision_score(targets, pred, average='macro', zero_division=0)
        cr = recall_score(targets, pred, average='macro', zero_division=0)
        op = precision_score(targets, pred, average='micro', zero_division=0)
        o_r = recall_score(targets, pred, average='micro', zero_division=0)
        assert ours['CP'] == pytest.approx(100 * cp)
        assert ours['CR'] == pytest.approx(100 * cr)
        assert ours['CF1'] == pytest.approx(100 * 2 * cp * cr / (cp + cr))
        assert ours['OP'] == pytest.approx(100 * op)
        assert ours['OR'] == pytest.approx(100 * o_r)
        assert ours['OF1'] == pytest.approx(
            100 * f1_score(targets, pred, average='micro')
        )
        assert ours['labels/img'] == pytest.approx(pred.sum(axis=1).mean())


def test_expected_count_threshold_gives_k_labels_per_image():
    rng = np.random.RandomState(8)
    scores = rng.rand(200, 10)  # no ties
    for k in (1, 2.3, 5):
        thr = expected_count_threshold(scores, k)
        assert (scores >= thr).sum() == round(k * 200)
    tied = np.full((10, 4), 0.5)  # ties: more labels, never fewer
    assert (tied >= expected_count_threshold(tied, 1)).sum() == 40
    with pytest.raises(ValueError, match=r'in \(0, 10\]'):
        expected_count_threshold(scores, 11)


def test_observed_positive_recall_counts_kept_observed_positives():
    scores = np.array([[0.9, 0.2], [0.4, 0.6], [0.7, 0.1]])
    observed = np.array([[1, 0], [1, 0], [0, 1]])
    assert observed_positive_recall(scores, observed, 0.5) == pytest.approx(
        1 / 3
    )
    assert observed_positive_recall(scores, observed, [0.3, 0.05]) == 1.0


def test_observed_positive_recall_ignores_verified_negatives():
    scores = np.array([[0.9, 0.2], [0.4, 0.6], [0.7, 0.1]])
    observed = np.array([[1, -1], [1, -1], [-1, 1]])
    assert observed_positive_recall(scores, observed, 0.5) == pytest.approx(
        1 / 3
    )


def partial_labels(seed, known=0.3, rare=()):
    """Scores, full labels and observed labels 1 / -1 / 0 that keep about
    ``known`` of the entries; the classes in ``rare`` keep two observed
    positives."""
    scores, targets = scores_and_labels(n=150, seed=seed, decimals=2)
    rng = np.random.RandomState(seed + 100)
    seen = rng.rand(*targets.shape) < known
    for k in rare:
        positives = np.flatnonzero(targets[:, k] & seen[:, k])
        seen[positives[2:], k] = False
    observed = np.where(seen, 2 * targets - 1, 0)
    return scores, targets, observed


def observed_f1(scores, observed, thr):
    """F1 of ``scores >= thr`` over the observed entries of one class,
    float64, from its definition."""
    rows = observed != 0
    pred, positive = scores[rows] >= thr, observed[rows] == 1
    tp = float((pred & positive).sum())
    return 2 * tp / (pred.sum() + positive.sum()) if tp else 0.0


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_observed_thresholds_maximise_f1_over_observed_entries(seed):
    scores, _, observed = partial_labels(seed, rare=(3,))
    found = search_observed_f1_thresholds(scores, observed, min_positives=5)
    assert np.flatnonzero(found['fallback']).tolist() == [3]
    assert found['num_positives'].tolist() == (observed == 1).sum(0).tolist()
    assert found['num_negatives'].tolist() == (observed == -1).sum(0).tolist()
    for c in range(scores.shape[1]):
        column = observed[:, c]
        ours = observed_f1(scores[:, c], column, found['thresholds'][c])
        assert found['class_f1'][c] == pytest.approx(ours)
        if found['fallback'][c]:
            continue
        # Every distinct score of the class's observed entries: the best
        # F1, at the highest threshold that reaches it.
        candidates = np.unique(scores[column != 0, c])
        brute = np.array(
            [observed_f1(scores[:, c], column, t) for t in candidates]
        )
        assert ours == pytest.approx(brute.max())
        best = candidates[np.isclose(brute, brute.max())].max()
        assert found['thresholds'][c] == best
        pred = scores[column != 0, c] >= best
        positive = column[column != 0] == 1
        assert found['class_precision'][c] == pytest.approx(
            (pred & positive).sum() / pred.sum()
        )
        assert found['class_recall'][c] == pytest.approx(
            (pred & positive).sum() / positive.sum()
        )


def test_unknown_entries_are_not_negatives_of_the_observed_search():
    # Class 0: the two unknown entries score highest. Counted as negatives
    # (as the full search counts them) they would take the precision at
    # every threshold from 3/4 to 3/6.
    scores = np.array([[0.95, 0.1], [0.9, 0.1], [0.6, 0.1], [0.5, 0.1]])
    scores = np.vstack([scores, [[0.3, 0.1], [0.2, 0.1]]])
    observed = np.array([[0, -1], [0, -1], [1, -1], [1, -1], [-1, 1], [1, 1]])
    found = search_observed_f1_thresholds(scores, observed, min_positives=1)
    assert found['thresholds'][0] == 0.2
    assert found['class_f1'][0] == pytest.approx(2 * 3 / (4 + 3))
    assert found['class_precision'][0] == pytest.approx(3 / 4)
    assert found['class_recall'][0] == 1.0
    as_negatives = search_f1_thresholds(scores, observed == 1, 1)
    assert as_negatives['class_f1'][0] == pytest.approx(2 * 3 / (6 + 3))
    assert found['num_positives'].tolist() == [3, 2]
    assert found['num_negatives'].tolist() == [1, 4]
    assert not found['fallback'].any()


def test_observed_search_without_unknowns_is_the_full_search():
    scores, targets = scores_and_labels(seed=9)
    full = search_f1_thresholds(scores, targets, min_positives=3)
    observed = search_observed_f1_thresholds(
        scores, 2 * targets - 1, min_positives=3
    )
    for key in full:
        np.testing.assert_array_equal(full[key], observed[key], err_msg=key)


def test_a_class_without_verified_negatives_falls_back():
    scores, _, observed = partial_labels(4)
    observed[observed[:, 2] == -1, 2] = 0
    found = search_observed_f1_thresholds(scores, observed, min_positives=1)
    assert np.flatnonzero(found['fallback']).tolist() == [2]
    assert found['thresholds'][2] == found['global_threshold']
    rows = observed != 0
    candidates = np.unique(scores[rows])
    pooled = [
        f1_score(observed[rows] == 1, scores[rows] >= t, zero_division=0)
        for t in candidates
    ]
    assert found['global_f1'] == pytest.approx(max(pooled))


def test_observed_search_needs_positives_and_negatives():
    scores = np.full((3, 2), 0.5)
    with pytest.raises(ValueError, match=r'hold 2 and 0'):
        search_observed_f1_thresholds(scores, [[1, 0], [0, 1], [0, 0]])
    with pytest.raises(ValueError, match=r'got 2 at row 1, class 0'):
        search_observed_f1_thresholds(scores, [[1, -1], [2, 0], [0, 0]])


def test_observed_metrics_equal_sklearn_on_the_observed_entries():
    scores, _, observed = partial_labels(5)
    observed[:, 4] = np.where(observed[:, 4] == -1, 0, observed[:, 4])
    thresholds = search_observed_f1_thresholds(scores, observed)['thresholds']
    for thr in (0.5, thresholds):
        thr = np.broadcast_to(thr, (5,))
        ours = observed_threshold_metrics(scores, observed, thr)
        assert ours['classes'] == 4  # class 4 has no verified negative
        precision, recall, tp, pred_pos, gt_pos = [], [], 0, 0, 0
        for c in range(4):
            rows = observed[:, c] != 0
            target = observed[rows, c] == 1
            pred = scores[rows, c] >= thr[c]
            precision.append(precision_score(target, pred, zero_division=0))
            recall.append(recall_score(target, pred, zero_division=0))
            tp += (pred & target).sum()
            pred_pos, gt_pos = pred_pos + pred.sum(), gt_pos + target.sum()
        cp, cr = np.mean(precision), np.mean(recall)
        assert ours['CP'] == pytest.approx(100 * cp)
        assert ours['CR'] == pytest.approx(100 * cr)
        assert ours['CF1'] == pytest.approx(100 * 2 * cp * cr / (cp + cr))
        assert ours['OP'] == pytest.approx(100 * tp / pred_pos)
        assert ours['OR'] == pytest.approx(100 * tp / gt_pos)
        assert ours['labels/img'] == pytest.approx(
            (scores >= thr).sum(axis=1).mean()
        )


def test_observed_metrics_without_a_class_to_estimate_are_nan():
    ours = observed_threshold_metrics(
        np.full((2, 2), 0.5), np.array([[1, -1], [0, 0]]), 0.5
    )
    assert ours['classes'] == 0 and np.isnan(ours['OF1'])


def test_thresholds_file_round_trip_matches_by_class_name(tmp_path):
    path = str(tmp_path / 'thr.json')
    save_thresholds(
        path, CLASSES, [0.1, 0.2, 0.3, 0.4, 0.5], 'f1', 'test', num_fallback=1
    )
    record = json.loads(open(path).read())
    assert record['classes'] == CLASSES and record['mode'] == 'f1'
    assert record['split'] == 'test' and record['num_fallback'] == 1
    np.testing.assert_array_equal(
        load_thresholds(path, CLASSES), [0.1, 0.2, 0.3, 0.4, 0.5]
    )
    shuffled = ['sky', 'cat', 'tree', 'car', 'dog']
    np.testing.assert_array_equal(
        load_thresholds(path, shuffled), [0.5, 0.1, 0.4, 0.3, 0.2]
    )


def test_a_thresholds_file_that_does_not_match_is_refused(tmp_path):
    path = str(tmp_path / 'thr.json')
    save_thresholds(path, CLASSES[:4], [0.5] * 4, 'f1', 'val')
    with pytest.raises(
        ValueError,
        match=r'thr.json holds 4 classes but '
        r'the model predicts 5',
    ):
        load_thresholds(path, CLASSES)
    save_thresholds(path, CLASSES[:4] + ['bus'], [0.5] * 5, 'f1', 'val')
    with pytest.raises(
        ValueError,
        match=r'no threshold for the classes '
        r"\['sky'\] and has thresholds for \['bus'\]",
    ):
        load_thresholds(path, CLASSES)
    (tmp_path / 'bad.json').write_text(
        '{"classes": ["cat"], "thresholds": ["high"]}'
    )
    with pytest.raises(
        ValueError,
        match="bad.json: the threshold of class 'cat' must be a finite number",
    ):
        load_thresholds(str(tmp_path / 'bad.json'), ['cat'])
    (tmp_path / 'list.json').write_text('[0.5, 0.5]')
    with pytest.raises(
        ValueError,
        match='list.json: the JSON holds list at '
        'the top, not an object; expected a thresholds file '
        ".*'classes' and 'thresholds'",
    ):
        load_thresholds(str(tmp_path / 'list.json'), ['a', 'b'])
    with pytest.raises(FileNotFoundError, match='missing.json'):
        load_thresholds(str(tmp_path / 'missing.json'), CLASSES)

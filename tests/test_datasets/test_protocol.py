"""The single-positive draw and the split against Cole et al.'s protocol
(docs/protocol.md)."""

import numpy as np
import pytest

from mmspml.datasets import sample_single_positive, split_train_val
from tests.helpers.data import cole_observe_single_positive, random_labels


def test_single_positive_matches_the_protocol_exactly():
    labels = random_labels(500, 20, seed=3)
    observed = sample_single_positive(labels)
    np.testing.assert_array_equal(
        observed, cole_observe_single_positive(labels, 1200)
    )
    assert (observed.sum(axis=1) == 1).all()
    assert (observed <= labels).all()
    assert observed.dtype == labels.dtype


def test_single_positive_consumes_the_negative_shuffle():
    """Skipping the negatives' shuffle changes the draw after row 0."""
    labels = random_labels(200, 20, seed=4)
    rng = np.random.RandomState(1200)
    no_neg_shuffle = np.zeros_like(labels)
    for i, row in enumerate(labels):
        pos = np.nonzero(row)[0]
        rng.shuffle(pos)
        no_neg_shuffle[i, pos[0]] = 1
    assert (sample_single_positive(labels) != no_neg_shuffle).any()


def test_single_positive_seed_changes_draw_and_is_reproducible():
    labels = random_labels(300, 10, seed=5)
    np.testing.assert_array_equal(
        sample_single_positive(labels, seed=7),
        sample_single_positive(labels, seed=7),
    )
    assert (
        sample_single_positive(labels, seed=7)
        != sample_single_positive(labels)
    ).any()


def test_single_positive_rejects_rows_without_positive_and_bad_values():
    labels = random_labels(10, 5, empty_rows=[2, 7])
    with pytest.raises(ValueError, match=r'2 of 10 rows .*\[2, 7\]'):
        sample_single_positive(labels)
    labels = random_labels(10, 5)
    labels[0, 0] = 2
    with pytest.raises(ValueError, match='0 or 1'):
        sample_single_positive(labels)


@pytest.mark.parametrize(
    'num,train,val',
    [(5717, 4574, 1143), (82081, 65665, 16416), (5994, 4795, 1199)],
)
def test_split_sizes_match_the_benchmarks(num, train, val):
    train_idx, val_idx = split_train_val(num)
    assert (len(train_idx), len(val_idx)) == (train, val)
    assert np.array_equal(np.sort(np.r_[train_idx, val_idx]), np.arange(num))


def test_split_matches_the_protocol_exactly():
    train_idx, val_idx = split_train_val(1003, val_frac=0.2, seed=1200)
    perm = np.random.RandomState(1200).permutation(1003)
    n_val = int(np.round(0.2 * 1003))
    np.testing.assert_array_equal(train_idx, np.sort(perm[: 1003 - n_val]))
    np.testing.assert_array_equal(val_idx, np.sort(perm[-n_val:]))
    assert np.all(np.diff(train_idx) > 0) and np.all(np.diff(val_idx) > 0)


def test_split_without_val_keeps_everything_in_train():
    train_idx, val_idx = split_train_val(10, val_frac=0.0)
    assert len(val_idx) == 0 and np.array_equal(train_idx, np.arange(10))
    with pytest.raises(ValueError, match='val_frac'):
        split_train_val(10, val_frac=1.0)

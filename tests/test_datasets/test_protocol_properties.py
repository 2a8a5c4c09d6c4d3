"""Properties of the data protocol (mmspml/datasets/protocol.py) for any
input, not only the published splits:

- ``sample_single_positive`` keeps exactly one observed positive per row,
  always at a true positive, in the labels' shape and dtype, and is a
  function of (labels, seed); a row without a positive is a ValueError.
- ``split_train_val`` partitions ``range(num)`` into sorted, disjoint train
  and val indices with ``len(val) == int(np.round(val_frac * num))``
  (NumPy's round, half to even).
"""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mmspml.datasets import sample_single_positive, split_train_val

# No example database: .hypothesis/ is not in .gitignore.
SETTINGS = settings(max_examples=100, deadline=None, database=None)
DTYPES = st.sampled_from(
    [np.int64, np.int32, np.uint8, np.float32, np.float64, np.bool_]
)
SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def label_matrices(draw, allow_empty_rows=False):
    """An N x C 0/1 matrix (N 1..40, C 1..12) of a drawn dtype, with at
    least one positive per row unless ``allow_empty_rows``."""
    n = draw(st.integers(1, 40))
    c = draw(st.integers(1, 12))
    labels = draw(arrays(np.int64, (n, c), elements=st.integers(0, 1)))
    if not allow_empty_rows:
        # Force a positive into empty rows at a drawn column.
        cols = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
        empty = labels.sum(axis=1) == 0
        labels[np.flatnonzero(empty), np.asarray(cols)[empty]] = 1
    return labels.astype(draw(DTYPES))


@SETTINGS
@given(labels=label_matrices(), seed=SEEDS)
def test_single_positive_is_one_true_positive_per_row(labels, seed):
    observed = sample_single_positive(labels, seed)
    assert observed.shape == labels.shape
    assert observed.dtype == labels.dtype
    assert set(np.unique(observed.astype(np.int64))) <= {0, 1}
    assert (observed.astype(np.int64).sum(axis=1) == 1).all()
    assert (labels[observed == 1] == 1).all()


@SETTINGS
@given(labels=label_matrices(), seed=SEEDS)
def test_single_positive_is_deterministic_for_a_seed(labels, seed):
    first = sample_single_positive(labels, seed)
    np.testing.assert_array_equal(
        sample_single_positive(labels.copy(), seed), first
    )


@SETTINGS
@given(labels=label_matrices(), seed=SEEDS)
def test_single_positive_leaves_the_labels_unchanged(labels, seed):
    before = labels.copy()
    sample_single_positive(labels, seed)
    np.testing.assert_array_equal(labels, before)


@SETTINGS
@given(
    labels=label_matrices(allow_empty_rows=True), seed=SEEDS, data=st.data()
)
def test_single_positive_rejects_a_row_without_positive(labels, seed, data):
    row = data.draw(st.integers(0, labels.shape[0] - 1), label='row')
    labels[row] = 0
    with pytest.raises(ValueError, match='no positive'):
        sample_single_positive(labels, seed)


VAL_FRACS = st.floats(0, 0.9, allow_nan=False)


@SETTINGS
@given(num=st.integers(0, 500), val_frac=VAL_FRACS, seed=SEEDS)
@example(num=5, val_frac=0.5, seed=0)  # 2.5 rounds to 2 (half to even)
@example(num=3, val_frac=0.5, seed=0)  # 1.5 rounds to 2
@example(num=0, val_frac=0.9, seed=0)
def test_split_partitions_the_rows_into_sorted_train_and_val(
    num, val_frac, seed
):
    train, val = split_train_val(num, val_frac, seed)
    assert len(val) == int(np.round(val_frac * num))
    assert len(train) + len(val) == num
    assert np.intersect1d(train, val).size == 0
    np.testing.assert_array_equal(
        np.sort(np.concatenate([train, val])), np.arange(num)
    )
    assert (np.diff(train) > 0).all() and (np.diff(val) > 0).all()


@SETTINGS
@given(num=st.integers(0, 500), val_frac=VAL_FRACS, seed=SEEDS)
def test_split_is_deterministic_for_a_seed(num, val_frac, seed):
    train, val = split_train_val(num, val_frac, seed)
    again_train, again_val = split_train_val(num, val_frac, seed)
    np.testing.assert_array_equal(again_train, train)
    np.testing.assert_array_equal(again_val, val)

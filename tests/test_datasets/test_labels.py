"""SparseLabels: the compressed per-image label store, and the draw on it."""

import numpy as np
import pytest

from mmspml.datasets import (
    NEGATIVE,
    POSITIVE,
    SparseLabels,
    draw_single_positive,
)
from tests.helpers.data import cole_observe_single_positive, random_labels


def test_round_trip_through_dense():
    labels = random_labels(50, 9, seed=1)
    sparse = SparseLabels.from_dense(labels)
    assert sparse.shape == (50, 9)
    np.testing.assert_array_equal(sparse.to_dense(), labels)
    np.testing.assert_array_equal(sparse.counts(), labels.sum(axis=1))
    for row in (0, 17, 49):
        np.testing.assert_array_equal(
            sparse.positives(row), np.flatnonzero(labels[row])
        )


def test_lists_are_sorted_and_repeats_count_once():
    sparse = SparseLabels.from_lists([[3, 1, 3], [0], [2, 1]], 4)
    assert sparse.indptr.tolist() == [0, 2, 3, 5]
    assert sparse.indices.tolist() == [1, 3, 0, 1, 2]
    assert sparse == SparseLabels.from_dense(
        np.array([[0, 1, 0, 1], [1, 0, 0, 0], [0, 1, 1, 0]])
    )


def test_out_of_range_names_the_row():
    with pytest.raises(
        ValueError,
        match=r'ann\.json: image b\.jpg has gt_label 5 outside '
        r'\[0, 4\) in \[1, 5\]',
    ):
        SparseLabels.from_lists(
            [[0], [1, 5]], 4, 'ann.json', lambda row: f'image {"ab"[row]}.jpg'
        )


def test_take_selects_and_reorders_rows():
    labels = random_labels(30, 7, seed=2)
    rows = np.array([29, 0, 5, 5, 12])
    taken = SparseLabels.from_dense(labels).take(rows)
    np.testing.assert_array_equal(taken.to_dense(), labels[rows])


def test_three_states_for_partial_labels():
    """Positive, observed negative and unknown (not stored) stay apart."""
    sparse = SparseLabels(
        np.array([0, 2, 3]),
        np.array([0, 2, 1]),
        3,
        states=np.array([POSITIVE, NEGATIVE, NEGATIVE]),
    )
    dense = sparse.to_dense(np.int8, unknown=-1, negative=0)
    assert dense.tolist() == [[1, -1, 0], [-1, 0, -1]]
    assert sparse.counts().tolist() == [1, 0]
    assert sparse.positives(0).tolist() == [0]
    assert sparse.take([1]).to_dense(np.int8, unknown=-1).tolist() == [
        [-1, 0, -1]
    ]


def test_storage_is_proportional_to_the_positives():
    rng = np.random.default_rng(0)
    lists = [
        rng.choice(10_000, size=3, replace=False).tolist() for _ in range(1000)
    ]
    sparse = SparseLabels.from_lists(lists, 10_000)
    # 8 bytes per row offset + 4 per positive, not 1000 x 10000 bytes.
    assert sparse.nbytes == 8 * 1001 + 4 * 3000


@pytest.mark.parametrize('num_classes', [1, 2, 13, 300])
def test_draw_equals_the_protocol_loop(num_classes):
    """The sparse draw reproduces Cole et al.'s dense loop row for row,
    including rows with one positive and rows with every class positive."""
    labels = random_labels(400, num_classes, seed=num_classes)
    labels[5] = 1
    for seed in (0, 1200):
        chosen = draw_single_positive(SparseLabels.from_dense(labels), seed)
        expected = cole_observe_single_positive(labels, seed).argmax(axis=1)
        np.testing.assert_array_equal(chosen, expected)


def test_draw_rejects_a_row_without_positive():
    with pytest.raises(ValueError, match=r'1 of 2 rows have no positive'):
        draw_single_positive(SparseLabels.from_lists([[1], []], 3))

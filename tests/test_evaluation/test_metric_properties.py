"""Properties of the SPML average precision (mmspml/evaluation/metrics):

- ``average_precision`` equals sklearn's ``average_precision_score`` on
  every class with a positive, for any scores, heavy ties included, and is
  NaN exactly on the classes without a positive;
- ``SPMLAveragePrecision.calculate``'s mAP is the mean of those APs with an
  empty class counted as 0 (``empty_class='zero'``) or left out
  (``'skip'``, 0 when no class has a positive);
- both depend only on the order of the scores: any strictly increasing map
  (per class or global) leaves them bit-identical. The maps are applied to
  integer-valued scores and are exact on them, so they keep every tie and
  create none.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import average_precision_score

from mmspml.evaluation.metrics import SPMLAveragePrecision, average_precision

# No example database: .hypothesis/ is not in .gitignore.
SETTINGS = settings(max_examples=150, deadline=None, database=None)
MAX_ROWS = 30
MAX_CLASSES = 6
LOW, HIGH = -5, 5  # range of the integer-valued scores


@st.composite
def shapes(draw):
    return draw(st.integers(1, MAX_ROWS)), draw(st.integers(1, MAX_CLASSES))


def targets_of(shape):
    return arrays(np.int64, shape, elements=st.integers(0, 1))


@st.composite
def scores_and_targets(draw):
    """Scores either from a few integer values (many ties) or any finite
    floats, and any 0/1 targets (classes without positives included)."""
    shape = draw(shapes())
    if draw(st.booleans()):
        scores = draw(
            arrays(np.int64, shape, elements=st.integers(LOW, HIGH))
        ).astype(float)
    else:
        scores = draw(arrays(np.float64, shape, elements=st.floats(-1e6, 1e6)))
    return scores, draw(targets_of(shape))


def sklearn_ap(scores, targets):
    """sklearn's AP per class, NaN where the class has no positive."""
    return np.array(
        [
            average_precision_score(targets[:, c], scores[:, c])
            if targets[:, c].any()
            else np.nan
            for c in range(targets.shape[1])
        ]
    )


@SETTINGS
@given(batch=scores_and_targets())
def test_average_precision_equals_sklearn_per_class(batch):
    scores, targets = batch
    np.testing.assert_allclose(
        average_precision(scores, targets),
        sklearn_ap(scores, targets),
        rtol=1e-12,
        atol=1e-12,
        equal_nan=True,
    )


@SETTINGS
@given(batch=scores_and_targets())
def test_average_precision_is_nan_exactly_for_classes_without_positive(batch):
    scores, targets = batch
    ap = average_precision(scores, targets)
    np.testing.assert_array_equal(np.isnan(ap), targets.sum(axis=0) == 0)
    finite = ap[~np.isnan(ap)]
    assert ((finite > 0) & (finite <= 1)).all()


@SETTINGS
@given(batch=scores_and_targets())
def test_calculate_map_counts_empty_classes_as_zero(batch):
    scores, targets = batch
    expected = np.nan_to_num(sklearn_ap(scores, targets), nan=0.0).mean()
    result = SPMLAveragePrecision.calculate(scores, targets)
    np.testing.assert_allclose(
        result['mAP'], 100 * expected, rtol=1e-12, atol=1e-10
    )
    assert (
        SPMLAveragePrecision.calculate(scores, targets, empty_class='zero')[
            'mAP'
        ]
        == result['mAP']
    )


@SETTINGS
@given(batch=scores_and_targets())
def test_calculate_map_skips_empty_classes_with_skip(batch):
    scores, targets = batch
    ap = sklearn_ap(scores, targets)
    expected = np.nanmean(ap) if not np.isnan(ap).all() else 0.0
    result = SPMLAveragePrecision.calculate(
        scores, targets, empty_class='skip'
    )
    np.testing.assert_allclose(
        result['mAP'], 100 * expected, rtol=1e-12, atol=1e-10
    )


@st.composite
def increasing_maps(draw, num_classes):
    """A strictly increasing map of the integers LOW..HIGH, exact on them:
    exp, 3x + 1, or a drawn integer table (one for all classes or one per
    class)."""
    kind = draw(st.sampled_from(['exp', 'affine', 'table', 'per_class']))
    if kind == 'exp':
        return np.exp
    if kind == 'affine':
        return lambda x: 3 * x + 1
    num_values = HIGH - LOW + 1
    steps = st.lists(
        st.integers(1, 10**6), min_size=num_values, max_size=num_values
    )
    offset = draw(st.integers(-(10**6), 10**6))
    if kind == 'table':
        table = offset + np.cumsum(draw(steps))
        return lambda x: table[x.astype(np.int64) - LOW].astype(float)
    tables = np.stack(
        [offset + np.cumsum(draw(steps)) for _ in range(num_classes)], axis=1
    )
    return lambda x: np.take_along_axis(
        tables, x.astype(np.int64) - LOW, axis=0
    ).astype(float)


@st.composite
def integer_scores_and_map(draw):
    shape = draw(shapes())
    scores = draw(
        arrays(np.int64, shape, elements=st.integers(LOW, HIGH))
    ).astype(float)
    return scores, draw(targets_of(shape)), draw(increasing_maps(shape[1]))


@SETTINGS
@given(batch=integer_scores_and_map())
def test_average_precision_is_invariant_to_increasing_maps(batch):
    scores, targets, increasing = batch
    mapped = increasing(scores)
    # The map keeps the order and the ties of every class exactly.
    for c in range(scores.shape[1]):
        order = np.argsort(scores[:, c], kind='stable')
        np.testing.assert_array_equal(
            np.argsort(mapped[:, c], kind='stable'), order
        )
        np.testing.assert_array_equal(
            np.diff(mapped[order, c]) > 0, np.diff(scores[order, c]) > 0
        )
    np.testing.assert_array_equal(
        average_precision(mapped, targets), average_precision(scores, targets)
    )
    for empty_class in ('zero', 'skip'):
        assert (
            SPMLAveragePrecision.calculate(
                mapped, targets, empty_class=empty_class
            )['mAP']
            == SPMLAveragePrecision.calculate(
                scores, targets, empty_class=empty_class
            )['mAP']
        )

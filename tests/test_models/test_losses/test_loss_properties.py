"""Property: every registered SPML loss gives a finite value and a finite
gradient w.r.t. the logits, for any finite float32 logits (from -100 to 100,
zero and tiny values included), any valid observed target and any epoch.

The losses run as the training loop drives them: ``set_epoch(e, 8)`` at a
few increasing epochs; the losses with per-sample state get
``init_sample_state`` and the samples' indices, and their state is updated
after each step as the hooks would (``step_state``, EM + APL's
pseudo-labelling). The value, the gradient and any state are asserted
finite explicitly (the losses' default is ``check_finite=False``).
"""

import inspect

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from mmpretrain.registry import MODELS

import mmspml.models.losses as losses
from mmspml.models.losses import SPMLLoss

MAX_EPOCHS = 8
MAX_ROWS = 6
MAX_CLASSES = 7
# No example database: .hypothesis/ is not in .gitignore.
SETTINGS = settings(max_examples=60, deadline=None, database=None)

# Each registered loss in its default configuration and, where another code
# path matters, a second one. LargeLossLoss is the base of LL-R/Ct/Cp (same
# code), so only its stateless 'correct_perm' mode is added. At these batch
# sizes the default large-loss fractions already modify one entry per batch
# from epoch 2 on.
FACTORIES = {
    'GRLoss': lambda: losses.GRLoss(),
    'GRLoss(exact, linear_init=2)': lambda: losses.GRLoss(
        schedule='exact', linear_init=2
    ),
    'FullLabelBCELoss': lambda: losses.FullLabelBCELoss(),
    'AssumeNegativeLoss': lambda: losses.AssumeNegativeLoss(),
    'AssumeNegativeLSLoss': lambda: losses.AssumeNegativeLSLoss(),
    'WeakAssumeNegativeLoss': lambda: losses.WeakAssumeNegativeLoss(),
    'EPRLoss': lambda: losses.EPRLoss(expected_num_pos=1.5),
    'ROLELoss': lambda: losses.ROLELoss(expected_num_pos=1.5),
    'ROLELoss(estimator_lr=1)': lambda: losses.ROLELoss(
        expected_num_pos=1.5, estimator_lr=1.0
    ),
    'EntropyMaximizationLoss': lambda: losses.EntropyMaximizationLoss(),
    'EMAPLLoss': lambda: losses.EMAPLLoss(),
    'HillLoss': lambda: losses.HillLoss(),
    'SPLCLoss': lambda: losses.SPLCLoss(),
    'SPLCLoss(margin=1)': lambda: losses.SPLCLoss(margin=1.0),
    'LLRLoss': lambda: losses.LLRLoss(),
    'LLCtLoss': lambda: losses.LLCtLoss(),
    'LLCpLoss': lambda: losses.LLCpLoss(),
    'LLCpLoss(strict)': lambda: losses.LLCpLoss(strict=True),
    'LargeLossLoss(correct_perm)': lambda: losses.LargeLossLoss(
        mode='correct_perm', delta_rel=0.1
    ),
}


@pytest.fixture(scope='module', autouse=True)
def single_thread():
    """One intra-op thread while this module runs: the tensors are tiny, so
    more threads only add overhead (milliseconds a call on a busy machine,
    where the OpenMP threads wait for a free core)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def f32(x):
    """``x`` rounded to float32 (hypothesis wants exact float32 values)."""
    return float(np.float32(x))


# Logits: the whole range up to +-100 (sigmoid saturates in float32 well
# before), values around 0 (subnormals included) and the saturation edges.
LOGIT = st.one_of(
    st.floats(-100, 100, width=32),
    st.floats(f32(-1e-6), f32(1e-6), width=32),
    st.sampled_from(
        [f32(x) for x in (-100, 100, -88.7, 88.7, -17, 17, -1e-45, 0, -0.0)]
    ),
)
EPOCHS = st.lists(
    st.integers(1, MAX_EPOCHS), min_size=1, max_size=3, unique=True
).map(sorted)


@st.composite
def single_positive_batches(draw, min_classes=1):
    """(logits, observed) with observed holding one 1 per row."""
    n = draw(st.integers(1, MAX_ROWS))
    c = draw(st.integers(min_classes, MAX_CLASSES))
    logits = draw(arrays(np.float32, (n, c), elements=LOGIT))
    positives = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    observed = np.zeros((n, c), dtype=np.float32)
    observed[np.arange(n), positives] = 1
    return logits, observed


@st.composite
def full_label_batches(draw):
    """(logits, labels) with labels any 0/1 matrix (empty rows and all
    positive rows included)."""
    n = draw(st.integers(1, MAX_ROWS))
    c = draw(st.integers(1, MAX_CLASSES))
    logits = draw(arrays(np.float32, (n, c), elements=LOGIT))
    labels = draw(
        arrays(np.float32, (n, c), elements=st.sampled_from([0.0, 1.0]))
    )
    return logits, labels


def run_epochs(loss, logits, target, epochs):
    """Drive ``loss`` through ``epochs`` as the training hooks do and assert
    that every loss value and logit gradient is finite."""
    num = logits.shape[0]
    sample_idx = torch.arange(num)
    if loss.requires_index:
        loss.init_sample_state(target)
    target = torch.from_numpy(target)
    for epoch in epochs:
        loss.set_epoch(epoch, MAX_EPOCHS)
        score = torch.tensor(logits, requires_grad=True)
        kwargs = dict(sample_idx=sample_idx) if loss.requires_index else {}
        value = loss(score, target, **kwargs)
        assert value.dim() == 0
        assert torch.isfinite(value), (epoch, value)
        value.backward()
        assert score.grad is not None
        assert torch.isfinite(score.grad).all(), (epoch, score.grad)
        loss.step_state()
        if loss.wants_train_predictions():
            loss.update_from_predictions(
                sample_idx, torch.sigmoid(score.detach())
            )
        for name, buf in getattr(loss, 'state', {}).items():
            if name != 'pseudo':  # NaN marks "no pseudo-label yet"
                assert torch.isfinite(buf).all(), (epoch, name, buf)


def test_every_registered_loss_is_covered():
    exported = {
        name: obj
        for name, obj in vars(losses).items()
        if inspect.isclass(obj)
        and issubclass(obj, SPMLLoss)
        and obj is not SPMLLoss
    }
    registered = {
        name for name, obj in exported.items() if MODELS.get(name) is obj
    }
    assert registered == set(exported)
    covered = {name.split('(')[0] for name in FACTORIES}
    assert covered == registered


SINGLE_POSITIVE_LOSSES = [
    name for name in FACTORIES if name != 'WeakAssumeNegativeLoss'
]


@pytest.mark.parametrize('name', SINGLE_POSITIVE_LOSSES)
@SETTINGS
@given(batch=single_positive_batches(), epochs=EPOCHS)
def test_loss_and_gradient_are_finite_for_single_positive_targets(
    name, batch, epochs
):
    run_epochs(FACTORIES[name](), *batch, epochs)


@SETTINGS
@given(batch=single_positive_batches(min_classes=2), epochs=EPOCHS)
def test_weak_assume_negative_loss_and_gradient_are_finite_from_two_classes(
    batch, epochs
):
    run_epochs(losses.WeakAssumeNegativeLoss(), *batch, epochs)


def test_weak_assume_negative_loss_is_finite_for_a_single_class():
    logits = np.array([[0.0], [3.0], [-3.0]], dtype=np.float32)
    run_epochs(
        losses.WeakAssumeNegativeLoss(),
        logits,
        np.ones((3, 1), dtype=np.float32),
        [1],
    )


@SETTINGS
@given(batch=full_label_batches(), epochs=EPOCHS)
def test_full_label_bce_loss_and_gradient_are_finite_for_any_labels(
    batch, epochs
):
    run_epochs(losses.FullLabelBCELoss(), *batch, epochs)

"""Observed negatives (target -1) through every loss: what each one costs
against an independent float64 formula (the table of
docs/partial_labels.md), the gradient of that cost, GR's
``observed_negatives='ignore'`` (the reference code's zero), and that the
losses which select or correct unannotated entries never touch a verified
negative."""

import math

import numpy as np
import pytest
import torch

from mmspml.models.losses import (
    AssumeNegativeLoss,
    AssumeNegativeLSLoss,
    EMAPLLoss,
    EntropyMaximizationLoss,
    EPRLoss,
    FullLabelBCELoss,
    GRLoss,
    HillLoss,
    LLCpLoss,
    LLCtLoss,
    LLRLoss,
    ROLELoss,
    SPLCLoss,
    WeakAssumeNegativeLoss,
)

N, C = 6, 5


def sig(s):
    return 1 / (1 + np.exp(-s))


def ce_neg(s, eps):
    return -np.log(1 - sig(s) + eps)


def ce_pos(s, eps):
    return -np.log(sig(s) + eps)


def batch(seed=0):
    """Logits, and targets with one positive and two observed negatives
    per image."""
    rng = np.random.RandomState(seed)
    s = rng.randn(N, C) * 3
    t = np.zeros((N, C))
    for n in range(N):
        cls = rng.permutation(C)
        t[n, cls[0]] = 1
        t[n, cls[1:3]] = -1
    return s, t


# name -> (loss, cost of an observed negative as a function of the logit s)
COSTS = {
    'gr': (lambda: GRLoss(), lambda s: ce_neg(s, 1e-7)),
    'full': (lambda: FullLabelBCELoss(), lambda s: ce_neg(s, 1e-5)),
    'an': (lambda: AssumeNegativeLoss(), lambda s: ce_neg(s, 1e-5)),
    'anls': (
        lambda: AssumeNegativeLSLoss(smoothing=0.1),
        lambda s: 0.9 * ce_neg(s, 1e-5) + 0.1 * ce_pos(s, 1e-5),
    ),
    'wan': (lambda: WeakAssumeNegativeLoss(), lambda s: ce_neg(s, 1e-5)),
    'epr': (lambda: EPRLoss(expected_num_pos=2.0), lambda s: ce_neg(s, 1e-5)),
    'em': (lambda: EntropyMaximizationLoss(), lambda s: ce_neg(s, 1e-5)),
    'emapl': (lambda: EMAPLLoss(), lambda s: ce_neg(s, 1e-5)),
    'hill': (lambda: HillLoss(), lambda s: ce_neg(s, 0.0)),
    'splc': (lambda: SPLCLoss(), lambda s: sig(s) ** 2 * ce_neg(s, 0.0)),
    'llr': (lambda: LLRLoss(), lambda s: ce_neg(s, 0.0)),
    'llct': (lambda: LLCtLoss(), lambda s: ce_neg(s, 0.0)),
    'llcp': (lambda: LLCpLoss(), lambda s: ce_neg(s, 0.0)),
}


def prepared(loss, t):
    """The loss ready for a batch: epoch set, per-sample state built."""
    loss.set_epoch(3, 8)
    if loss.requires_index:
        loss.init_sample_state(t)
    return loss, torch.arange(N)


@pytest.mark.parametrize('name', sorted(COSTS))
def test_an_observed_negative_costs_what_the_table_says(name):
    make, cost = COSTS[name]
    s, t = batch()
    loss, idx = prepared(make(), t)
    logits = torch.tensor(s, requires_grad=True)
    entry = loss.observed_entry_loss(logits, torch.tensor(t), idx)
    negative = t == -1
    np.testing.assert_allclose(
        entry.detach().numpy()[negative], cost(s)[negative], rtol=1e-9
    )
    # The gradient of an observed negative's cost, by central differences.
    entry[torch.tensor(negative)].sum().backward()
    h = 1e-6
    numeric = (cost(s + h) - cost(s - h)) / (2 * h)
    np.testing.assert_allclose(
        logits.grad.numpy()[negative], numeric[negative], rtol=1e-5
    )


# Losses that select or correct among the unannotated entries are checked
# by the tests further down instead.
STATELESS = ('gr', 'full', 'an', 'anls', 'wan', 'epr', 'em', 'hill')
# The assume-negative family charges an unannotated entry what a verified
# negative costs: for them -1 and 0 give the same loss.
SAME_AS_UNANNOTATED = ('full', 'an', 'anls')


@pytest.mark.parametrize('name', STATELESS)
def test_other_entries_do_not_see_the_observed_negatives(name):
    """-1 changes only the entries that carry it."""
    make, _ = COSTS[name]
    s, t = batch()
    without = np.where(t == -1, 0, t)
    loss, idx = prepared(make(), without)
    a = loss.observed_entry_loss(torch.tensor(s), torch.tensor(t), idx)
    b = loss.observed_entry_loss(torch.tensor(s), torch.tensor(without), idx)
    keep = torch.tensor(t != -1)
    assert torch.equal(a[keep], b[keep])
    if name in SAME_AS_UNANNOTATED:
        torch.testing.assert_close(a, b, rtol=1e-12, atol=0)
    else:
        assert not torch.equal(a, b)


def test_gr_can_ignore_observed_negatives_as_the_reference_code():
    s, t = batch()
    loss = GRLoss(observed_negatives='ignore')
    loss.set_epoch(3, 8)
    entry = loss.observed_entry_loss(torch.tensor(s), torch.tensor(t))
    assert (entry.numpy()[t == -1] == 0).all()
    plain = GRLoss()
    plain.set_epoch(3, 8)
    other = plain.observed_entry_loss(torch.tensor(s), torch.tensor(t))
    assert torch.equal(
        entry[torch.tensor(t != -1)], other[torch.tensor(t != -1)]
    )
    with pytest.raises(ValueError, match="'loss' or 'ignore'"):
        GRLoss(observed_negatives='zero')


def test_role_trains_prediction_and_estimate_on_an_observed_negative():
    s, t = batch()
    loss = ROLELoss(expected_num_pos=2.0)
    loss.init_sample_state(t)
    est = loss.state_rows('estimates', torch.arange(N), 'cpu').double()
    # Observed negatives start at logit(0.005), positives at logit(0.995).
    assert torch.allclose(
        est[torch.tensor(t == -1)],
        torch.tensor(math.log(0.005 / 0.995)).double(),
    )
    entry = (
        loss.observed_entry_loss(
            torch.tensor(s), torch.tensor(t), torch.arange(N)
        )
        .detach()
        .numpy()
    )
    p, y = sig(s), sig(est.numpy())

    def bce(a, b):
        return -(b * np.log(a + 1e-5) + (1 - b) * np.log(1 - a + 1e-5))

    expected = 0.5 * (ce_neg(s, 1e-5) - np.log(1 - y + 1e-5)) + 0.5 * (
        bce(p, y) + bce(y, p)
    )
    neg = t == -1
    np.testing.assert_allclose(entry[neg], expected[neg], rtol=1e-6)


def test_splc_never_corrects_an_observed_negative():
    s = np.full((2, 3), 4.0)  # p = 0.98 > tau everywhere
    t = np.array([[1, 0, -1], [0, -1, 1]], dtype=float)
    loss = SPLCLoss(tau=0.6)
    loss.set_epoch(5, 8)
    corrected = loss.corrected_target(torch.tensor(s), torch.tensor(t))
    assert corrected.tolist() == [[1, 1, -1], [1, -1, 1]]


@pytest.mark.parametrize('make', [LLRLoss, LLCtLoss])
def test_large_loss_never_rejects_an_observed_negative(make):
    s = np.array([[5.0, 4.0, -3.0, 6.0], [-2.0, 5.5, 3.0, 0.0]])
    t = np.array([[1, -1, 0, -1], [1, 0, -1, 0]], dtype=float)
    loss = make(delta_rel=0.5)  # many entries per batch
    loss.set_epoch(2, 8)
    _, mask, _ = loss.large_loss_mask(torch.tensor(s), torch.tensor(t))
    assert not mask[torch.tensor(t != 0)].any()
    assert mask.any()


def test_emapl_never_pseudo_labels_an_observed_negative():
    t = np.array([[1, 0, -1, 0]] * 4, dtype=float)
    loss = EMAPLLoss(warmup_epoch=1)
    loss.set_epoch(2, 4)
    loss.init_sample_state(t)
    scores = np.full(t.shape, 0.01)  # every entry a candidate by score
    loss.update_from_predictions(torch.arange(4), torch.tensor(scores))
    pseudo = loss.state_rows('pseudo', torch.arange(4), 'cpu').numpy()
    assert np.isnan(pseudo[:, [0, 2]]).all()
    assert not np.isnan(pseudo).all()

"""Every baseline loss against an independent float64 computation of its
formula (docs/baselines.md), gradients included, and the stateful ones' state:
updates, checkpoint round trip."""

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
    HillLoss,
    LLCpLoss,
    LLCtLoss,
    LLRLoss,
    ROLELoss,
    SPLCLoss,
    WeakAssumeNegativeLoss,
)

EPS = 1e-5


def batch(seed, n=8, c=6, scale=3.0):
    rng = np.random.RandomState(seed)
    s = rng.randn(n, c) * scale
    z = np.zeros((n, c))
    z[np.arange(n), rng.randint(0, c, n)] = 1
    return s, z


def sig(s):
    return 1 / (1 + np.exp(-s))


def ce_pos(p, eps=EPS):
    return -np.log(p + eps)


def ce_neg(p, eps=EPS):
    return -np.log(1 - p + eps)


def check(loss_fn, s, z, reference, **kwargs):
    """Loss value and d loss / d logits against ``reference(s) -> float``
    (gradient by central differences of the float64 reference)."""
    logits = torch.tensor(s, requires_grad=True)
    value = loss_fn(logits, torch.tensor(z), **kwargs)
    value.backward()
    # 1e-7: numpy's 1 - sigmoid(s) loses digits that the logits keep.
    assert value.item() == pytest.approx(reference(s), rel=1e-7, abs=1e-12)
    h, grad = 1e-6, np.zeros_like(s)
    for idx in np.ndindex(*s.shape):
        plus, minus = s.copy(), s.copy()
        plus[idx] += h
        minus[idx] -= h
        grad[idx] = (reference(plus) - reference(minus)) / (2 * h)
    np.testing.assert_allclose(logits.grad.numpy(), grad, rtol=1e-5, atol=1e-9)


def test_assume_negative():
    s, z = batch(0)
    ref = lambda s: np.where(z == 1, ce_pos(sig(s)), ce_neg(sig(s))).mean()
    check(AssumeNegativeLoss(), s, z, ref)
    check(FullLabelBCELoss(), s, z, ref)
    exact = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(s), torch.tensor(z)
    )
    assert AssumeNegativeLoss(eps=0)(
        torch.tensor(s), torch.tensor(z)
    ).item() == pytest.approx(exact.item(), rel=1e-12)


def test_assume_negative_label_smoothing():
    s, z = batch(1)
    ls = 0.1
    ref = lambda s: np.where(
        z == 1,
        (1 - ls) * ce_pos(sig(s)) + ls * ce_neg(sig(s)),
        (1 - ls) * ce_neg(sig(s)) + ls * ce_pos(sig(s)),
    ).mean()
    check(AssumeNegativeLSLoss(smoothing=ls), s, z, ref)


def test_weak_assume_negative():
    s, z = batch(2)
    c = s.shape[1]
    ref = lambda s: np.where(
        z == 1, ce_pos(sig(s)), ce_neg(sig(s)) / (c - 1)
    ).mean()
    check(WeakAssumeNegativeLoss(), s, z, ref)


def test_expected_positive_regularizer():
    s, z = batch(3)
    k = 1.5
    ref = lambda s: (
        np.where(z == 1, ce_pos(sig(s)), 0).mean()
        + (sig(s).sum(1).mean() - k) ** 2 / s.shape[1] ** 2
    )
    check(EPRLoss(expected_num_pos=k), s, z, ref)


def test_entropy_maximization():
    s, z = batch(4)

    def ref(s):
        p = sig(s)
        h = -(p * np.log(p + EPS) + (1 - p) * np.log(1 - p + EPS))
        return np.where(z == 1, ce_pos(p), -0.2 * h).mean()

    check(EntropyMaximizationLoss(alpha=0.2), s, z, ref)


def test_hill():
    s, z = batch(5)
    ref = lambda s: np.where(
        z == 1, -np.log(sig(s)), (1.5 - sig(s)) * sig(s) ** 2
    ).mean()
    check(HillLoss(), s, z, ref)


@pytest.mark.parametrize('epoch,margin', [(1, 0.0), (2, 0.0), (3, 1.0)])
def test_splc_corrects_confident_entries_after_warmup(epoch, margin):
    s, z = batch(6)
    loss = SPLCLoss(tau=0.6, gamma=2.0, change_epoch=2, margin=margin)
    loss.set_epoch(epoch, 8)
    # The original order: the margin shifts the observed positives' logits,
    # then the correction is made, and corrected entries get no margin.
    corrected = z.copy()
    if epoch >= 2:
        corrected[sig(np.where(z == 1, s - margin, s)) > 0.6] = 1
        assert (corrected != z).any()

    def ref(x):
        t = corrected  # decided on the detached logits of the step
        m = np.where(z == 1, x - margin, x)
        p = sig(m)
        return np.where(
            t == 1, (1 - p) ** 2 * -np.log(p), p**2 * -np.log(1 - p)
        ).mean()

    check(loss, s, z, ref)


def large_loss_reference(s, z, k, mode):
    an = lambda x: np.where(z == 1, -np.log(sig(x)), -np.log(1 - sig(x)))
    losses = an(s)
    cand = np.where(z == 0, losses, -1).ravel()
    thr = np.sort(cand)[::-1][k - 1]
    mask = (z == 0) & (losses >= thr)

    def ref(x):
        base = an(x)
        modified = 0 if mode == 'reject' else -np.log(sig(x))
        return np.where(mask, modified, base).mean()

    return ref, mask


@pytest.mark.parametrize(
    'cls,mode,delta', [(LLRLoss, 'reject', 0.05), (LLCtLoss, 'correct', 0.05)]
)
def test_large_loss_rejection_and_temporary_correction(cls, mode, delta):
    s, z = batch(7, n=10, c=8)
    loss = cls(delta_rel=delta)
    loss.set_epoch(1, 8)
    assert loss.num_modified(80) == 0
    ref = lambda x: np.where(
        z == 1, -np.log(sig(x)), -np.log(1 - sig(x))
    ).mean()
    check(loss, s, z, ref)
    loss.set_epoch(3, 8)
    k = math.ceil(80 * delta * 2)
    assert loss.num_modified(80) == k
    ref, mask = large_loss_reference(s, z, k, mode)
    assert mask.sum() == k
    check(loss, s, z, ref)


def test_llcp_relabels_permanently_and_survives_a_checkpoint():
    s, z = batch(8, n=10, c=8)
    loss = LLCpLoss(delta_rel=0.02)
    loss.init_sample_state(np.zeros((30, 8), dtype=np.uint8))
    loss.set_epoch(2, 8)
    k = math.ceil(80 * 0.02)
    idx = torch.arange(10, 20)
    ref, mask = large_loss_reference(s, z, k, 'correct')
    check(loss, s, z, ref, sample_idx=idx)
    loss.step_state()
    flipped = loss.state['flipped']
    assert flipped.sum() == k
    assert (flipped[idx] > 0).numpy().tolist() == mask.tolist()
    # From now on the relabelled entries are observed positives.
    z2 = np.where(mask, 1.0, z)
    ref2, _ = large_loss_reference(s, z2, k, 'correct')
    check(loss, s, z, ref2, sample_idx=idx)

    restored = LLCpLoss(delta_rel=0.02)
    restored.init_sample_state(np.zeros((30, 8), dtype=np.uint8))
    restored.load_state_dict(loss.state_dict())
    # Saved as extra state, never as a buffer (DDP would broadcast it).
    assert 'flipped' in loss.state_dict()['_extra_state']['sample_state']
    assert not list(loss.buffers())
    assert torch.equal(restored.state['flipped'], loss.state['flipped'])


def test_role_value_gradient_and_estimator_adam():
    s, z = batch(9, n=6, c=5)
    n_train, k, lr = 12, 1.5, 0.05
    observed = np.zeros((n_train, 5), dtype=np.uint8)
    idx = np.array([3, 0, 7, 11, 5, 9])
    observed[idx] = z
    loss = ROLELoss(expected_num_pos=k, estimator_lr=lr, init_seed=3)
    loss.init_sample_state(observed)
    est0 = loss.state['estimates'].clone()
    # Initialisation: logit(0.995) on observed positives, |u| <= logit(0.6).
    assert torch.allclose(
        est0[observed == 1], torch.tensor(math.log(0.995 / 0.005))
    )
    assert est0[observed == 0].abs().max() <= math.log(1.5) + 1e-6

    def ref(x, e=est0[idx].double().numpy()):  # noqa: B008 (bound once)
        # BCE(y, sg p): the prediction is a constant target there, so its
        # numerical derivative uses the fixed p of the step.
        p, y, p_target = sig(x), sig(e), sig(s)

        def bce(a, t):
            return -(t * np.log(a + EPS) + (1 - t) * np.log(1 - a + EPS))

        entry = np.where(z == 1, 0.5 * (ce_pos(p) + ce_pos(y)), 0) + 0.5 * (
            bce(p, y) + bce(y, p_target)
        )
        reg = lambda a: (a.sum(1).mean() - k) ** 2 / a.shape[1] ** 2
        return entry.mean() + 0.5 * (reg(p) + reg(y))

    check(loss, s, z, ref, sample_idx=torch.tensor(idx))

    # The estimates follow torch's Adam on a full N x C parameter, every row
    # every step, as the reference trains them.
    param = torch.nn.Parameter(est0.clone())
    adam = torch.optim.Adam([param], lr=lr)
    loss.state_on(None)['estimates'].copy_(est0)
    for step in range(3):
        rows = torch.tensor(idx if step != 1 else idx[:3])
        cls = torch.tensor(s[: len(rows)])
        loss(cls, torch.tensor(z[: len(rows)]), sample_idx=rows).backward()
        loss.step_state()
        adam.zero_grad()
        p = torch.sigmoid(cls)
        y = torch.sigmoid(param[rows])
        zz = torch.tensor(z[: len(rows)])
        entry = torch.where(zz == 1, 0.5 * -torch.log(y + EPS), 0.0) + 0.5 * -(
            p * torch.log(y + EPS) + (1 - p) * torch.log(1 - y + EPS)
        )
        total = entry.mean() + 0.5 * (y.sum(1).mean() - k) ** 2 / 25
        total.backward()
        adam.step()
        torch.testing.assert_close(
            loss.state['estimates'],
            param.detach().float(),
            rtol=1e-5,
            atol=1e-6,
        )
    # Rows never in a batch have zero moments and stay where they started.
    assert torch.equal(loss.state['estimates'][1], est0[1])


def test_em_apl_pseudo_labels_lowest_predictions():
    n, c = 40, 3
    rng = np.random.RandomState(0)
    observed = np.zeros((n, c), dtype=np.uint8)
    observed[np.arange(n), rng.randint(0, c, n)] = 1
    loss = EMAPLLoss(alpha=0.2, beta=0.5, warmup_epoch=2)
    loss.init_sample_state(observed)
    loss.set_epoch(2, 4)
    assert loss.wants_train_predictions()
    scores = torch.tensor(rng.rand(n, c), dtype=torch.float32)
    order = torch.randperm(n)
    loss.update_from_predictions(order, scores[order])
    pseudo = loss.state['pseudo']
    for col in range(c):
        unannotated = np.flatnonzero(observed[:, col] == 0)
        count = int(0.9 * len(unannotated) / (4 - 2))
        lowest = unannotated[np.argsort(scores[unannotated, col])[:count]]
        labelled = np.flatnonzero(~torch.isnan(pseudo[:, col]).numpy())
        assert sorted(labelled) == sorted(lowest)
        assert torch.equal(pseudo[lowest, col], scores[lowest, col])
    # A second pass labels further entries and keeps the first ones.
    first = pseudo.clone()
    loss.set_epoch(3, 4)
    loss.update_from_predictions(torch.arange(n), torch.zeros(n, c))
    kept = ~torch.isnan(first)
    assert torch.equal(loss.state['pseudo'][kept], first[kept])
    assert (~torch.isnan(loss.state['pseudo'])).sum() > kept.sum()
    # Exactly as many again per class, int(0.9 u / (4 - 2)) of its u
    # unannotated entries, each among them and labelled with its score 0.
    second = loss.state['pseudo']
    for col in range(c):
        unannotated = observed[:, col] == 0
        count = int(0.9 * unannotated.sum() / (4 - 2))
        new = (~torch.isnan(second[:, col]) & ~kept[:, col]).numpy()
        assert new.sum() == count, (col, new.sum(), count)
        assert not (new & ~unannotated).any()
        assert second[new, col].tolist() == [0.0] * count
    loss.set_epoch(4, 4)
    assert not loss.wants_train_predictions()  # the last epoch has no use

    # The loss: beta * soft BCE on pseudo-labelled entries, EM elsewhere.
    idx = torch.arange(8)
    s = rng.randn(8, c)
    z = observed[:8].astype(float)
    t = loss.state['pseudo'][idx].double().numpy()

    def ref(x):
        p = sig(x)
        h = -(p * np.log(p + EPS) + (1 - p) * np.log(1 - p + EPS))
        soft = 0.5 * (
            np.nan_to_num(t) * ce_pos(p) + (1 - np.nan_to_num(t)) * ce_neg(p)
        )
        return np.where(
            z == 1, ce_pos(p), np.where(np.isnan(t), -0.2 * h, soft)
        ).mean()

    check(loss, s, z, ref, sample_idx=idx)


def test_stateful_losses_need_indices_and_state():
    loss = ROLELoss(expected_num_pos=1.0)
    with pytest.raises(ValueError, match='SPMLLinearClsHead'):
        loss(torch.zeros(2, 3), torch.tensor([[1.0, 0, 0], [0, 1, 0]]))
    with pytest.raises(RuntimeError, match='LossSampleStateHook'):
        loss(
            torch.zeros(2, 3),
            torch.tensor([[1.0, 0, 0], [0, 1, 0]]),
            sample_idx=torch.tensor([0, 1]),
        )
    other = EMAPLLoss()
    other.init_sample_state(np.zeros((5, 3), dtype=np.uint8))
    saved = other.state_dict()
    saved['_extra_state']['sample_state']['pseudo'] = torch.zeros(4, 3)
    with pytest.raises(ValueError, match='another dataset'):
        other.load_state_dict(saved)


def test_state_buffers_of_an_older_checkpoint_load_as_extra_state():
    """mmspml 0.1 saved the state as buffers ``<loss>.<name>``."""
    trained = EMAPLLoss()
    trained.init_sample_state(np.eye(3, dtype=np.uint8))
    trained.state_on(None)['pseudo'][0, 1] = 0.75
    legacy = dict(trained.state_dict().pop('_extra_state')['sample_state'])
    resumed = EMAPLLoss()
    resumed.load_state_dict(legacy)
    assert set(resumed.state) == {'observed', 'pseudo'}
    assert resumed.state['pseudo'][0, 1] == 0.75
    del legacy['observed']
    with pytest.raises(ValueError, match=r"missing \['observed'\]"):
        EMAPLLoss().load_state_dict(legacy)


@pytest.mark.parametrize(
    'make',
    [
        lambda: EPRLoss(expected_num_pos=1.5),
        lambda: ROLELoss(expected_num_pos=1.5),
    ],
)
def test_batch_regulariser_has_no_per_entry_form(make):
    loss = make()
    loss.init_sample_state(np.eye(4, 3, dtype=np.uint8))
    logits, target = torch.randn(4, 3), torch.eye(4, 3)
    idx = torch.arange(4)
    with pytest.raises(ValueError, match="reduction_override='none'"):
        loss(logits, target, reduction_override='none', sample_idx=idx)
    # weight scales the per-entry terms only; the regulariser is added as is.
    plain = loss(logits, target, sample_idx=idx)
    entries = loss(
        logits, target, reduction_override='sum', sample_idx=idx
    ) - loss(
        logits,
        target,
        weight=torch.zeros(4),
        reduction_override='sum',
        sample_idx=idx,
    )
    halved = loss(logits, target, weight=torch.full((4,), 0.5), sample_idx=idx)
    assert halved.item() == pytest.approx(
        plain.item() - 0.5 * entries.item() / 12, rel=1e-5
    )


def test_state_restores_before_set_up_and_checks_the_training_set():
    """A resume loads the checkpoint before training sets the state up."""
    observed = np.zeros((6, 3), dtype=np.uint8)
    observed[np.arange(6), np.arange(6) % 3] = 1
    trained = ROLELoss(expected_num_pos=1.0, init_seed=1)
    trained.init_sample_state(observed)
    trained.state_on(None)['estimates'].add_(0.25)
    resumed = ROLELoss(expected_num_pos=1.0, init_seed=2)
    assert resumed.state == {}
    resumed.load_state_dict(trained.state_dict())
    resumed.init_sample_state(observed)  # keeps the restored values
    for name, value in trained.state.items():
        assert torch.equal(resumed.state[name], value), name
    with pytest.raises(ValueError, match='another dataset'):
        resumed.init_sample_state(observed[:5])

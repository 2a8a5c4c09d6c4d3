"""GR's learnable k: its gradient, its own optimizer, and a resume that
restores both (a real Runner)."""

import re

import pytest
import torch

from mmspml.engine.optimizers import HeadLrOptimWrapperConstructor
from mmspml.models.losses import GRLoss
from mmspml.models.losses.spml_utils import (
    gce_towards_negative,
    gce_towards_positive,
)
from tests.helpers.data import tiny_classifier
from tests.helpers.runner_utils import (
    assert_same_weights,
    python,
    state_dict,
    write_tiny_config,
)


def _batch(seed=0, num=6, num_classes=4):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(num, num_classes, generator=gen) * 2
    target = torch.zeros(num, num_classes)
    target[torch.arange(num), torch.arange(num) % num_classes] = 1
    return logits, target


def test_learnable_k_starts_as_the_scheduled_k():
    logits, target = _batch()
    fixed = GRLoss()  # before set_epoch: w0 = 0, b0 = -2
    learned = GRLoss(learnable_k=True, num_classes=4)
    assert torch.allclose(learned(logits, target), fixed(logits, target))
    # The logits' gradient is the same too: k sees detached p.
    grads = []
    for loss in (fixed, learned):
        x = logits.clone().requires_grad_(True)
        loss(x, target).backward()
        grads.append(x.grad)
    assert torch.allclose(grads[0], grads[1], atol=1e-7)


def test_gradient_of_the_learnable_k_is_the_analytic_one():
    logits, target = _batch(seed=1)
    loss = GRLoss(learnable_k=True, num_classes=4, k_init=(0.7, -1.3))
    loss.set_epoch(3, 8)
    loss(logits, target).backward()
    p = torch.sigmoid(logits)
    k = torch.sigmoid(0.7 * p - 1.3)
    # d loss / d k = v (L2 - L3) on unannotated entries, mean over N x C.
    dk = loss.v(p) * (
        gce_towards_positive(logits, loss.q_pos)
        - gce_towards_negative(logits, loss.q_neg)
    )
    dk = torch.where(target == 1, 0.0, dk) / logits.numel()
    dz = dk * k * (1 - k)
    assert torch.allclose(loss.k_map.weight.grad, (dz * p).sum(0), atol=1e-7)
    assert torch.allclose(loss.k_map.bias.grad, dz.sum(0), atol=1e-7)
    # And the module's autograd agrees with finite differences (float64).
    loss64 = GRLoss(learnable_k=True, num_classes=4).double()
    loss64.set_epoch(3, 8)
    x, t = logits.double(), target.double()

    def of_params(a, d):
        params = {'k_map.weight': a, 'k_map.bias': d}
        return torch.func.functional_call(loss64, params, (x, t))

    a = torch.full((4,), 0.4, dtype=torch.float64, requires_grad=True)
    d = torch.full((4,), -1.0, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(of_params, (a, d))


def test_the_head_passes_num_classes_and_k_gets_its_own_sgd():
    model = tiny_classifier(5, dict(type='GRLoss', learnable_k=True))
    assert model.head.loss_module.k_map.weight.shape == (5,)
    sgd = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-3)
    wrapper = HeadLrOptimWrapperConstructor(
        dict(optimizer=dict(type='Adam', lr=1e-3)),
        dict(
            head_lr_mult=1,
            own_optimizers=[
                dict(prefix='head.loss_module.k_map.', optimizer=sgd)
            ],
        ),
    )(model)
    parts = wrapper.optimizer.optimizers
    assert [type(o).__name__ for o in parts.values()] == ['Adam', 'SGD']
    (k_group,) = parts['head.loss_module.k_map.'].param_groups
    assert k_group['momentum'] == 0.9 and k_group['weight_decay'] == 1e-3
    k_params = {id(p) for p in k_group['params']}
    assert k_params == {
        id(p) for p in model.head.loss_module.k_map.parameters()
    }
    adam = {id(p) for g in parts['model'].param_groups for p in g['params']}
    assert not adam & k_params
    with pytest.raises(ValueError, match='no parameter whose name'):
        HeadLrOptimWrapperConstructor(
            dict(optimizer=dict(type='Adam', lr=1e-3)),
            dict(own_optimizers=[dict(prefix='head.nope.', optimizer=sgd)]),
        )(model)


def test_k_is_per_class_and_its_curve_is_the_class_mean():
    loss = GRLoss(learnable_k=True, num_classes=3, k_init=(0.0, -2.0))
    with torch.no_grad():
        loss.k_map.weight.copy_(torch.tensor([4.0, -1.0, 0.0]))
        loss.k_map.bias.copy_(torch.tensor([-3.0, 0.5, -2.0]))
    prob = torch.tensor(
        [[0.2, 0.2, 0.2], [0.9, 0.1, 0.5]], dtype=torch.float64
    )
    want = torch.sigmoid(
        torch.tensor([4.0, -1.0, 0.0], dtype=torch.float64) * prob
        + torch.tensor([-3.0, 0.5, -2.0], dtype=torch.float64)
    )
    got = loss.k(prob)
    assert got.dtype == torch.float64 and torch.allclose(got, want)
    # A grid of p is not N x C: refused by k, drawn by k_curve.
    grid = torch.linspace(0, 1, 5, dtype=torch.float64)
    with pytest.raises(ValueError, match='3 classes.*mean_curve'):
        loss.k(grid)
    curve = loss.k_curve(grid)
    columns = grid[:, None].expand(5, 3)
    assert torch.allclose(curve, loss.k(columns).mean(1))
    with pytest.raises(RuntimeError, match='no num_classes'):
        GRLoss(learnable_k=True).k_curve(grid)


def test_diagnostics_read_each_entry_through_its_own_class():
    from mmspml.evaluation import pseudo_label_diagnostics

    loss = GRLoss(learnable_k=True, num_classes=2)
    with torch.no_grad():
        loss.k_map.weight.copy_(torch.tensor([0.0, 0.0]))
        loss.k_map.bias.copy_(torch.tensor([-4.0, 4.0]))  # k 0.018, 0.982
    scores = [[0.3, 0.3], [0.6, 0.6]]
    observed = [[1, 0], [1, 0]]  # class 1 unannotated in both rows
    full = [[1, 1], [1, 0]]  # hidden positive in row 0, negative in row 1
    scalars = pseudo_label_diagnostics(scores, observed, full, loss)['scalars']
    high = torch.sigmoid(torch.tensor(4.0)).item()
    assert scalars['k_mean_hidden_positives'] == pytest.approx(high)
    assert scalars['k_mean_negatives'] == pytest.approx(high)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_learned_k_follows_the_device_of_prob():
    loss = GRLoss(learnable_k=True, num_classes=2).cuda()
    prob = torch.rand(3, 2, dtype=torch.float64)  # CPU, as diagnostics
    assert loss.k(prob).device.type == 'cpu'


def test_chained_optimizer_runs_step_hooks_and_pickles():
    import copy
    import pickle

    from mmspml.engine.optimizers.chained_optimizer import ChainedOptimizer

    a, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(1))
    chained = ChainedOptimizer(
        dict(
            model=torch.optim.SGD([a], lr=0.5),
            k=torch.optim.SGD([b], lr=0.1),
        )
    )
    calls = []
    chained.register_step_pre_hook(lambda o, args, kw: calls.append('pre'))
    handle = chained.register_step_post_hook(
        lambda o, args, kw: calls.append('post')
    )
    (a.sum() + 2 * b.sum()).backward()
    chained.step()
    assert calls == ['pre', 'post']
    assert torch.allclose(a, torch.full((2,), 0.5))
    assert torch.allclose(b, torch.full((1,), 0.8))
    handle.remove()
    chained.step()
    assert calls == ['pre', 'post', 'pre']
    for clone in (copy.deepcopy(chained), pickle.loads(pickle.dumps(chained))):
        assert list(clone.optimizers) == ['model', 'k']
        assert clone.state_dict()['k']['param_groups'][0]['lr'] == 0.1
        assert not clone._optimizer_step_pre_hooks


LEARNABLE = """
_base_ = ['./tiny.py']
model = dict(head=dict(loss=dict(learnable_k=True)))
optim_wrapper = dict(
    constructor='HeadLrOptimWrapperConstructor',
    paramwise_cfg=dict(head_lr_mult=1, own_optimizers=[dict(
        prefix='head.loss_module.k_map.',
        optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-3))]))
"""

STOPPED = """
_base_ = ['./learnable.py']
custom_imports = dict(imports=['mmspml', 'tests.helpers.hooks'])
custom_hooks = _base_.custom_hooks + [dict(type='StopAfterEpochHook', epoch=1)]
"""


@pytest.mark.slow
def test_learnable_k_trains_saves_and_resumes_exactly(tmp_path):
    write_tiny_config(tmp_path)
    (tmp_path / 'learnable.py').write_text(LEARNABLE)
    (tmp_path / 'stopped.py').write_text(STOPPED)
    full, resumed = tmp_path / 'full', tmp_path / 'resumed'
    python(
        'tools/train.py',
        str(tmp_path / 'learnable.py'),
        '--work-dir',
        str(full),
    )
    weights = state_dict(full / 'epoch_3.pth')
    a, d = (weights[f'head.loss_module.k_map.{n}'] for n in ('weight', 'bias'))
    assert a.shape == (10,) and not torch.equal(a, torch.zeros(10))
    assert not torch.equal(d, torch.full((10,), -2.0))
    optimizer = torch.load(full / 'epoch_3.pth', weights_only=True)[
        'optimizer'
    ]
    assert {'head.loss_module.k_map.', 'model'} <= set(optimizer)
    sgd_state = optimizer['head.loss_module.k_map.']['state']
    assert all('momentum_buffer' in s for s in sgd_state.values())

    python(
        'tools/train.py',
        str(tmp_path / 'stopped.py'),
        '--work-dir',
        str(resumed),
    )
    log = python(
        'tools/train.py',
        str(tmp_path / 'learnable.py'),
        '--work-dir',
        str(resumed),
        '--resume',
    )
    assert 'resumed epoch: 1' in log
    assert re.search(r'learned k: a mean=', log)
    assert_same_weights(full / 'epoch_3.pth', resumed / 'epoch_3.pth')

"""``state_device='cpu'``: the per-sample state of ROLE, EM + APL and LL-Cp
stays in host memory when the model moves, and training is unchanged."""
import numpy as np
import pytest
import torch

from mmspml.datasets import SparseLabels
from mmspml.models.losses import EMAPLLoss, LLCpLoss, ROLELoss

LOSSES = {
    'role': lambda **kw: ROLELoss(expected_num_pos=2.0, **kw),
    'emapl': lambda **kw: EMAPLLoss(warmup_epoch=0, **kw),
    'llcp': lambda **kw: LLCpLoss(delta_rel=0.5, **kw),
}


def observed(num=12, classes=5):
    return SparseLabels.from_single(np.arange(num) % classes, classes)


def train_steps(loss, steps=3, seed=0):
    """A few steps of a linear model under ``loss``; returns its weight."""
    gen = torch.Generator().manual_seed(seed)
    feats = torch.randn(12, 4, generator=gen)
    target = torch.as_tensor(observed().to_dense(), dtype=torch.float32)
    fc = torch.nn.Linear(4, 5)
    fc.load_state_dict({'weight': torch.full((5, 4), 0.1),
                        'bias': torch.zeros(5)})
    opt = torch.optim.SGD(fc.parameters(), lr=0.5)
    loss.init_sample_state(observed())
    loss.set_epoch(2, 3)
    if loss.wants_train_predictions():
        loss.update_from_predictions(torch.arange(12),
                                     torch.sigmoid(fc(feats)).detach())
    for step in range(steps):
        idx = torch.arange(step * 4, step * 4 + 4)
        value = loss(fc(feats[idx]), target[idx], sample_idx=idx)
        opt.zero_grad()
        value.backward()
        opt.step()
        loss.step_state()
    return fc.weight.detach()


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cpu_state_trains_exactly_as_the_default(name):
    default, on_cpu = LOSSES[name](), LOSSES[name](state_device='cpu')
    torch.testing.assert_close(train_steps(on_cpu), train_steps(default),
                               rtol=0, atol=0)
    for key, value in default.state.items():
        torch.testing.assert_close(on_cpu.state[key], value, rtol=0, atol=0,
                                   equal_nan=True)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cpu_state_stays_when_the_module_moves(name):
    on_cpu, default = LOSSES[name](state_device='cpu'), LOSSES[name]()
    for loss in (on_cpu, default):
        loss.init_sample_state(observed())
        loss.to('meta')  # stands in for a GPU
    assert {v.device.type for v in on_cpu.state.values()} == {'cpu'}
    assert {v.device.type for v in default.state.values()} == {'meta'}


def test_state_device_is_checked():
    with pytest.raises(ValueError, match="state_device must be None or 'cpu'"):
        LLCpLoss(state_device='cuda')


def test_observed_negatives_are_not_made_positive_in_the_state():
    from mmspml.datasets import NEGATIVE, POSITIVE
    from mmspml.models.losses.sample_state import dense_observed
    labels = SparseLabels(np.array([0, 2, 3]), np.array([0, 2, 1]), 3,
                          states=np.array([POSITIVE, NEGATIVE, POSITIVE]))
    assert dense_observed(labels).tolist() == [[1, 0, 0], [0, 1, 0]]

"""``state_device='cpu'``: the per-sample state of ROLE, EM + APL and LL-Cp
stays in host memory while the logits are elsewhere, and training is
unchanged; by default the state follows the logits."""

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


def train_steps(loss, steps=3, seed=0, device='cpu'):
    """A few steps of a linear model on ``device`` under ``loss``; returns
    its weight (on the CPU)."""
    gen = torch.Generator().manual_seed(seed)
    feats = torch.randn(12, 4, generator=gen).to(device)
    target = torch.as_tensor(observed().to_dense(), dtype=torch.float32).to(
        device
    )
    fc = torch.nn.Linear(4, 5).to(device)
    fc.load_state_dict(
        {'weight': torch.full((5, 4), 0.1), 'bias': torch.zeros(5)}
    )
    opt = torch.optim.SGD(fc.parameters(), lr=0.5)
    loss.init_sample_state(observed())
    loss.set_epoch(2, 3)
    if loss.wants_train_predictions():
        loss.update_from_predictions(
            torch.arange(12, device=device), torch.sigmoid(fc(feats)).detach()
        )
    for step in range(steps):
        idx = torch.arange(step * 4, step * 4 + 4, device=device)
        value = loss(fc(feats[idx]), target[idx], sample_idx=idx)
        opt.zero_grad()
        value.backward()
        opt.step()
        loss.step_state()
    return fc.weight.detach().cpu()


@pytest.mark.parametrize(
    'device',
    [
        'cpu',
        pytest.param(
            'cuda',
            marks=pytest.mark.skipif(
                not torch.cuda.is_available(),
                reason='no CUDA device: the host-to-device copies are '
                "exercised on the 'meta' device by the test below",
            ),
        ),
    ],
)
@pytest.mark.parametrize('name', sorted(LOSSES))
def test_cpu_state_trains_exactly_as_the_default(name, device):
    default, on_cpu = LOSSES[name](), LOSSES[name](state_device='cpu')
    torch.testing.assert_close(
        train_steps(on_cpu, device=device),
        train_steps(default, device=device),
        rtol=0,
        atol=0,
    )
    assert {v.device.type for v in on_cpu.state.values()} == {'cpu'}
    assert {v.device.type for v in default.state.values()} == {device}
    for key, value in default.state.items():
        torch.testing.assert_close(
            on_cpu.state[key], value.cpu(), rtol=0, atol=0, equal_nan=True
        )


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_state_follows_the_logits_unless_kept_on_the_cpu(name):
    """Logits on the 'meta' device stand in for a GPU: every op checks that
    its tensors share a device, so a row not copied over fails."""
    on_cpu, default = LOSSES[name](state_device='cpu'), LOSSES[name]()
    target = torch.as_tensor(observed().to_dense()[:4], dtype=torch.float32)
    for loss in (on_cpu, default):
        loss.init_sample_state(observed())
        loss.set_epoch(2, 3)
        if loss.wants_train_predictions():
            loss.update_from_predictions(
                torch.arange(12), torch.full((12, 5), 0.9)
            )
        loss.to('meta')  # moves no state: it is not a buffer
        assert {v.device.type for v in loss.state.values()} == {'cpu'}
        if name == 'llcp':  # its forward needs nonzero(), data-dependent
            rows = loss.state_rows('flipped', torch.arange(4), 'meta')
            assert rows.device.type == 'meta'
            continue
        value = loss(
            torch.zeros(4, 5, device='meta'),
            target.to('meta'),
            sample_idx=torch.arange(4),
        )
        assert value.device.type == 'meta'
    assert {v.device.type for v in on_cpu.state.values()} == {'cpu'}
    assert {v.device.type for v in default.state.values()} == {'meta'}


def test_state_device_is_checked():
    with pytest.raises(ValueError, match="state_device must be None or 'cpu'"):
        LLCpLoss(state_device='cuda')


def test_observed_negatives_are_minus_one_in_the_state():
    from mmspml.datasets import NEGATIVE, POSITIVE
    from mmspml.models.losses.sample_state import dense_observed

    labels = SparseLabels(
        np.array([0, 2, 3]),
        np.array([0, 2, 1]),
        3,
        states=np.array([POSITIVE, NEGATIVE, POSITIVE]),
    )
    # Row 0: class 0 positive, class 2 an observed negative; row 1: class 1.
    assert dense_observed(labels).tolist() == [[1, 0, -1], [0, 1, 0]]

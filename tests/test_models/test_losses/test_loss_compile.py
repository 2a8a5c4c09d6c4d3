"""Every stateless loss traces as ONE graph, forward and backward
(``torch.compile(fullgraph=True)`` fails on any host read such as
``.item()`` or ``int(tensor)``), and the compiled loss equals the eager one.
Losses with per-sample state (ROLE, EM + APL, LL-Cp) update that state
between steps and are not required to."""

import pytest
import torch

from mmspml.models.losses import (
    AssumeNegativeLoss,
    AssumeNegativeLSLoss,
    EntropyMaximizationLoss,
    EPRLoss,
    FullLabelBCELoss,
    GRLoss,
    HillLoss,
    LLCtLoss,
    LLRLoss,
    SPLCLoss,
    WeakAssumeNegativeLoss,
)

STATELESS = [
    GRLoss,
    FullLabelBCELoss,
    AssumeNegativeLoss,
    AssumeNegativeLSLoss,
    WeakAssumeNegativeLoss,
    lambda: EPRLoss(expected_num_pos=2.0),
    EntropyMaximizationLoss,
    HillLoss,
    SPLCLoss,
    lambda: LLRLoss(delta_rel=0.05),
    lambda: LLCtLoss(delta_rel=0.05),
]


@pytest.mark.parametrize(
    'make', STATELESS, ids=lambda m: getattr(m, '__name__', 'loss')
)
def test_stateless_loss_compiles_to_one_graph_and_matches_eager(make):
    torch._dynamo.reset()
    loss = make()
    loss.set_epoch(3, 8)  # SPLC corrects, the large-loss methods modify
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(8, 6, generator=generator) * 3
    target = torch.zeros(8, 6)
    target[torch.arange(8), torch.randint(0, 6, (8,), generator=generator)] = 1
    results = []
    for fn in (loss, torch.compile(loss, fullgraph=True, backend='aot_eager')):
        x = logits.clone().requires_grad_(True)
        value = fn(x, target, avg_factor=8)
        value.backward()
        results.append((value.detach(), x.grad))
    (eager, eager_grad), (compiled, compiled_grad) = results
    torch.testing.assert_close(compiled, eager)
    torch.testing.assert_close(compiled_grad, eager_grad)

"""The speed benchmarks run end to end on tiny sizes and print their ratio
tables (their numbers are measurements, never asserted here), and the
reference-style loss they time GRLoss against computes the same loss."""

import re

import torch

from mmspml.benchmark.reference_loop import masked_gr_loss
from mmspml.models.losses import GRLoss
from tests.helpers.paths import config_file
from tests.helpers.runner_utils import python


def test_masked_reference_loss_equals_gr_loss():
    torch.manual_seed(0)
    logits = torch.randn(16, 10, dtype=torch.float64) * 3
    target = torch.zeros_like(logits)
    target[torch.arange(16), torch.randint(0, 10, (16,))] = 1
    loss = GRLoss()
    loss.set_epoch(3, 8)
    masked = masked_gr_loss(
        logits,
        target,
        loss.w,
        loss.b,
        loss.mu,
        loss.sigma,
        loss.q_pos,
        loss.q_neg,
        loss.pos_eps,
    )
    ours = loss(logits, target)
    assert torch.allclose(masked, ours, rtol=1e-6, atol=0), (masked, ours)


def test_training_benchmark_prints_both_paths_and_their_ratio():
    out = python(
        'tools/analysis/benchmark_train.py',
        '--device',
        'cpu',
        '--config',
        config_file('gr', 'demo'),
        '--input-size',
        '32',
        '--batch',
        '4',
        '--iters',
        '4',
        '--warmup',
        '1',
        '--loss-reps',
        '3',
        '--threads',
        '1',
    )
    assert re.search(r'\| plain PyTorch loop \| [\d.]+ \| 1\.00x \|', out)
    assert re.search(r'\| mmspml runner \| [\d.]+ \| [\d.]+x \|', out)
    assert 'batch 4' in out and 'hooks:' in out, out


def test_loss_benchmark_prints_a_ratio_per_batch():
    out = python(
        'tools/benchmark_loss.py',
        '--batch',
        '2',
        '8',
        '--classes',
        '5',
        '--repeats',
        '3',
    )
    assert (
        len(re.findall(r'^\s+(2|8)\s+[\d.]+\s+[\d.]+\s+[\d.]+x$', out, re.M))
        == 2
    ), out

"""PseudoLabelDiagnosticsHook: the histogram, the hidden-positive rate and
GR's k(p) on the unannotated entries, recomputed independently."""

import glob
import json
import math
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS

import mmspml  # noqa: F401
from mmspml.engine.hooks import pseudo_label_diagnostics
from mmspml.models.losses import GRLoss
from tests.helpers.runner_utils import write_tiny_config


def reference(scores, observed, full, w, b, num_bins):
    """Entry by entry, with the formulas written out."""
    hidden, negative = [0] * num_bins, [0] * num_bins
    k_sum = [0.0] * num_bins
    k_hidden, k_negative, above = [], [], []
    for p, z, y in zip(scores.ravel(), observed.ravel(), full.ravel()):
        if z == 1:
            continue
        i = min(int(p * num_bins), num_bins - 1)
        k = 1 / (1 + math.exp(-(w * p + b)))
        k_sum[i] += k
        if y == 1:
            hidden[i] += 1
            k_hidden.append(k)
            above.append(p > 0.5)
        else:
            negative[i] += 1
            k_negative.append(k)
    total = [h + n for h, n in zip(hidden, negative)]
    rate = [h / t if t else None for h, t in zip(hidden, total)]
    error = sum(
        abs(k_sum[i] / total[i] - rate[i]) * total[i]
        for i in range(num_bins)
        if total[i]
    ) / sum(total)
    return dict(
        hidden=hidden,
        negative=negative,
        rate=rate,
        k_hidden=np.mean(k_hidden),
        k_negative=np.mean(k_negative),
        above=np.mean(above),
        error=error,
    )


def check_against_reference(result, expected):
    assert result['hidden_positives'] == expected['hidden']
    assert result['negatives'] == expected['negative']
    for got, want in zip(result['hidden_positive_rate'], expected['rate']):
        assert (got is None and want is None) or got == pytest.approx(want)
    scalars = result['scalars']
    assert scalars['k_mean_hidden_positives'] == pytest.approx(
        expected['k_hidden']
    )
    assert scalars['k_mean_negatives'] == pytest.approx(expected['k_negative'])
    assert scalars['hidden_positive_share_above_0.5'] == pytest.approx(
        expected['above']
    )
    assert scalars['k_calibration_error'] == pytest.approx(expected['error'])


def test_diagnostics_equal_an_entry_by_entry_computation():
    rng = np.random.RandomState(0)
    full = (rng.rand(60, 7) < 0.3).astype(np.uint8)
    full[np.arange(60), rng.randint(0, 7, 60)] = 1
    observed = np.zeros_like(full)
    observed[np.arange(60), full.argmax(axis=1)] = 1
    scores = rng.rand(60, 7)
    scores[0, :3] = [0.0, 1.0, 0.5]  # the edges of the bins
    loss = GRLoss()
    loss.set_epoch(5, 8)
    result = pseudo_label_diagnostics(scores, observed, full, loss, 10)
    check_against_reference(
        result, reference(scores, observed, full, loss.w, loss.b, 10)
    )
    # Every unannotated entry is counted once.
    assert sum(result['hidden_positives']) + sum(result['negatives']) == int(
        (observed == 0).sum()
    )
    k = result['k'][50]
    assert k == pytest.approx(1 / (1 + math.exp(-(loss.w * 0.5 + loss.b))))


def test_other_losses_get_the_histogram_without_k():
    full = np.array([[1, 1, 0], [0, 1, 1]])
    observed = np.array([[1, 0, 0], [0, 1, 0]])
    scores = np.array([[0.9, 0.8, 0.1], [0.2, 0.7, 0.3]])
    result = pseudo_label_diagnostics(scores, observed, full, None, 4)
    assert result['hidden_positives'] == [0, 1, 0, 1]
    assert result['negatives'] == [2, 0, 0, 0]
    assert set(result['scalars']) == {'hidden_positive_share_above_0.5'}
    assert result['scalars']['hidden_positive_share_above_0.5'] == 0.5
    assert 'k' not in result


@pytest.mark.slow
def test_hook_logs_what_an_independent_pass_recomputes(tmp_path):
    """On a real runner: the last epoch's JSON and the scalars sent to the
    visualizer equal a recomputation from the trained model and the
    wrapper's full labels; a PNG is written for every epoch."""
    cfg = Config.fromfile(str(write_tiny_config(tmp_path)))
    cfg.work_dir = str(tmp_path / 'work')
    assert 'PseudoLabelDiagnosticsHook' in [h.type for h in cfg.custom_hooks]
    runner = RUNNERS.build(cfg)
    runner.train()
    folder = tmp_path / 'work' / 'diagnostics'
    assert sorted(p.name for p in folder.glob('*.png')) == [
        'epoch_1.png',
        'epoch_2.png',
        'epoch_3.png',
    ]
    logged = json.loads((folder / 'epoch_3.json').read_text())

    dataset = runner.train_dataloader.dataset
    model = runner.model.eval()
    scores = []
    with torch.no_grad():
        for i in range(len(dataset)):
            batch = runner.train_dataloader.collate_fn([dataset[i]])
            scores.append(model.test_step(batch)[0].pred_score.numpy())
    loss = model.head.loss_module
    expected = reference(
        np.stack(scores),
        dataset.observed_labels,
        dataset.full_labels,
        loss.w,
        loss.b,
        20,
    )
    assert logged['num_images'] == len(dataset)
    check_against_reference(logged, expected)

    vis = glob.glob(osp.join(cfg.work_dir, '*', 'vis_data', 'scalars.json'))
    records = [json.loads(line) for line in open(vis[0])]
    last = [r for r in records if 'diagnostics/k_calibration_error' in r][-1]
    assert last['step'] == 3
    assert last['diagnostics/k_calibration_error'] == pytest.approx(
        expected['error']
    )


def test_prediction_pass_leaves_the_random_states_as_they_were():
    """Random training transforms draw from random/NumPy/torch; the pass
    restores all three, so training continues unchanged."""
    import random
    from types import SimpleNamespace

    from mmspml.engine.hooks import PseudoLabelDiagnosticsHook

    class RandomSamples:
        metainfo = dict(classes=('a', 'b'))

        def __getitem__(self, i):
            noise = (
                random.random() + np.random.rand() + torch.rand(()).item()
            )  # a random transform
            return dict(sample_idx=i, score=noise % 1)

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def test_step(self, batch):
            return [
                SimpleNamespace(
                    sample_idx=s['sample_idx'],
                    pred_score=torch.tensor([s['score'], 0.0]),
                )
                for s in batch
            ]

    runner = SimpleNamespace(
        model=Model(), train_dataloader=SimpleNamespace(collate_fn=list)
    )
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    before = (random.random(), np.random.rand(), torch.rand(()).item())
    random.seed(1), np.random.seed(1), torch.manual_seed(1)
    idx, scores = PseudoLabelDiagnosticsHook(batch_size=2).predict(
        runner, RandomSamples(), np.arange(5)
    )
    after = (random.random(), np.random.rand(), torch.rand(()).item())
    assert idx.tolist() == [0, 1, 2, 3, 4] and scores.shape == (5, 2)
    assert after == before

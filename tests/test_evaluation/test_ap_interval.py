"""How far an mAP can be trusted: the chance level equals a Monte Carlo of
random rankings; a bootstrap resample's AP equals sklearn-exact AP on the
resampled images (ties included); the metric reports its interval and
chance keys; random scores and a frequency-only model are flagged, an
informative model is not."""

import logging

import numpy as np
import pytest
import torch

from mmspml.evaluation import SPMLAveragePrecision
from mmspml.evaluation.metrics import (
    average_precision,
    observed_average_precision,
)
from mmspml.evaluation.metrics import spml_ap as spml_ap_module
from mmspml.evaluation.metrics.ap_interval import (
    RankedEntries,
    bootstrap_mean_ap,
    chance_average_precision,
)


def test_chance_level_equals_a_monte_carlo_of_random_rankings():
    rng = np.random.default_rng(0)
    pos = np.array([1, 3, 19, 5, 2])
    neg = np.array([1, 7, 1, 45, 0])
    expected = chance_average_precision(pos, neg)
    for p, n, value in zip(pos, neg, expected):
        labels = np.r_[np.ones(p), np.zeros(n)][:, None]
        draws = [
            average_precision(rng.random((p + n, 1)), labels)[0]
            for _ in range(20000)
        ]
        # Within 4 standard errors of the Monte Carlo mean.
        tolerance = 4 * np.std(draws) / np.sqrt(len(draws)) + 1e-12
        assert abs(value - np.mean(draws)) < tolerance
    assert np.isnan(chance_average_precision([0], [4])[0])


def partial_labels(rng, n=120, c=6):
    scores = np.round(rng.random((n, c)), 1)  # many ties
    full = rng.random((n, c)) < 0.3
    known = rng.random((n, c)) < 0.5
    observed = np.where(known, np.where(full, 1, -1), 0).astype(np.int8)
    return scores, full.astype(np.uint8), observed


@pytest.mark.parametrize('seed', range(3))
def test_a_resample_gives_the_ap_of_the_resampled_images(seed):
    rng = np.random.default_rng(seed)
    scores, full, observed = partial_labels(rng)
    weights = np.stack(
        [np.ones(len(scores), dtype=np.int64)]
        + [np.bincount(rng.integers(0, 120, 120), minlength=120)] * 1
    )
    rows = np.repeat(np.arange(len(scores)), weights[1])
    ap_obs, _, _ = RankedEntries(scores, observed).average_precision(weights)
    ap_full, pos, neg = RankedEntries(
        scores, np.where(full == 1, 1, -1)
    ).average_precision(weights)
    expected_obs = [
        observed_average_precision(scores, observed)[0],
        observed_average_precision(scores[rows], observed[rows])[0],
    ]
    # observed_average_precision NaNs classes without a negative: compare
    # where it is defined.
    for got, want in zip(ap_obs, expected_obs):
        defined = np.isfinite(want)
        np.testing.assert_allclose(got[defined], want[defined], rtol=1e-12)
    np.testing.assert_allclose(
        ap_full[1], average_precision(scores[rows], full[rows]), rtol=1e-12
    )
    np.testing.assert_array_equal(pos[1], full[rows].sum(axis=0))
    np.testing.assert_array_equal(neg[1], (1 - full[rows]).sum(axis=0))


def test_the_interval_is_seeded_and_narrows_with_more_images():
    def interval(n, seed=0):
        labels = (np.arange(n * 4).reshape(n, 4) % 3 == 0).astype(int)
        scores = labels * 0.3 + np.random.default_rng(1).random((n, 4))
        return bootstrap_mean_ap(
            scores,
            np.where(labels == 1, 1, -1),
            lambda ap, pos, neg: np.nan_to_num(ap).mean(axis=1),
            num_resamples=300,
            seed=seed,
        )

    assert interval(60) == interval(60)
    assert interval(60) != interval(60, seed=1)
    small, large = interval(40), interval(640)
    assert large[1] - large[0] < (small[1] - small[0]) / 2


def run_metric(scores, full=None, observed=None, mode='both', **kwargs):
    metric = SPMLAveragePrecision(mode=mode, print_table=False, **kwargs)
    classes = [f'class{i}' for i in range(scores.shape[1])]
    metric.dataset_meta = dict(classes=classes)
    samples = []
    for i, row in enumerate(scores):
        sample = dict(pred_score=torch.tensor(row, dtype=torch.float32))
        if full is not None:
            sample['full_gt_label'] = torch.tensor(np.flatnonzero(full[i]))
        if observed is not None:
            sample['gt_score'] = torch.tensor(observed[i], dtype=torch.float)
        samples.append(sample)
    metric.process(None, samples)
    return metric, metric.evaluate(len(samples))


@pytest.fixture
def logged(monkeypatch):
    messages = []
    monkeypatch.setattr(
        spml_ap_module,
        'print_log',
        lambda msg, logger=None, level=logging.INFO: messages.append(
            (level, msg)
        ),
    )
    return messages


def warnings_of(messages):
    return [m for level, m in messages if level == logging.WARNING]


def demo_like(seed, n=400, c=10):
    rng = np.random.default_rng(seed)
    full = (rng.random((n, c)) < 0.25).astype(np.uint8)
    observed = np.zeros((n, c), dtype=np.int8)
    for i in range(n):
        if full[i].any():
            observed[i, rng.choice(np.flatnonzero(full[i]))] = 1
        negatives = np.flatnonzero(full[i] == 0)
        observed[i, rng.choice(negatives, 2, replace=False)] = -1
    return rng, full, observed


def test_the_metric_reports_its_interval_and_chance_keys(logged):
    rng, full, observed = demo_like(0)
    observed[full == 1] = 1  # a random sample of entries: no bias warning
    scores = 0.6 * full + 0.4 * rng.random(full.shape)
    metric, result = run_metric(scores, full, observed)
    assert sorted(result) == sorted(
        k for k in metric.reported_keys() if not k.startswith('spml/AP/')
    )
    for key in ('spml/mAP', 'spml/mAP_observed'):
        assert result[f'{key}_low'] <= result[key] <= result[f'{key}_high']
        assert result[f'{key}_chance'] < result[f'{key}_low']
    pos, neg = (observed == 1).sum(0), (observed == -1).sum(0)
    assert result['spml/mAP_observed_chance'] == pytest.approx(
        100 * chance_average_precision(pos, neg).mean()
    )
    assert warnings_of(logged) == []
    summary = [m for _, m in logged if m.startswith('spml/mAP_observed ')]
    assert '10 of 10 classes counted' in summary[0]
    assert f'observed positives min {pos.min()}' in summary[0]
    _, without = run_metric(scores, full, observed, num_resamples=0)
    assert 'spml/mAP_low' not in without
    assert without['spml/mAP'] == result['spml/mAP']


def test_random_scores_are_flagged_as_indistinguishable_from_chance(logged):
    rng, full, observed = demo_like(1, n=120)
    run_metric(rng.random(full.shape), full, observed)
    flagged = [m for m in warnings_of(logged) if 'reaches the chance' in m]
    assert len(flagged) == 2  # mAP and mAP_observed


def test_a_frequency_only_model_is_flagged(logged):
    rng, full, observed = demo_like(2, n=120)
    prior = np.linspace(0.05, 0.6, full.shape[1])
    scores = prior + 1e-3 * rng.random(full.shape)
    run_metric(scores, full, observed)
    flagged = [m for m in warnings_of(logged) if "class's prior" in m]
    assert len(flagged) == 2
    # One class on top of every image, the scores otherwise informative.
    logged.clear()
    scores = 0.3 * full + 0.3 * rng.random(full.shape)
    scores[:, 3] = 0.95
    run_metric(scores, full, observed, mode='full')
    assert any("'class3' is the top score" in m for m in warnings_of(logged))


def test_classes_not_counted_and_thin_classes_are_named(logged):
    rng, full, observed = demo_like(3, n=40)
    observed[:, :6] = np.where(observed[:, :6] == -1, 0, observed[:, :6])
    observed[:, 6] = 0
    observed[:2, 6] = [1, -1]
    run_metric(0.6 * full + 0.4 * rng.random(full.shape), full, observed)
    text = ' '.join(warnings_of(logged))
    assert '6 of 10 classes have no observed positive or no verified' in text
    assert "'class0'" in text and "'class5'" in text
    assert 'rest on fewer than 5' in text and "'class6'" in text


def test_single_positives_scored_as_full_labels_get_a_warning(logged):
    rng, full, _ = demo_like(4, n=40)
    single = np.zeros_like(full)
    single[np.arange(len(full)), rng.integers(0, 10, len(full))] = 1
    run_metric(rng.random(full.shape), single, mode='full')
    assert any(
        'exactly one positive label' in m and "mode='observed'" in m
        for m in warnings_of(logged)
    )
    logged.clear()
    run_metric(0.6 * full + 0.4 * rng.random(full.shape), full, mode='full')
    assert not any('exactly one positive' in m for m in warnings_of(logged))


def test_one_observed_positive_per_image_warns_of_a_biased_sample(logged):
    rng, full, observed = demo_like(5, n=60)
    scores = 0.6 * full + 0.4 * rng.random(full.shape)
    run_metric(scores, full, observed)
    assert any(
        'exactly one observed positive' in m for m in warnings_of(logged)
    )
    logged.clear()
    observed[full == 1] = 1  # every positive observed: no such bias
    run_metric(scores, full, observed)
    assert not any('one observed positive' in m for m in warnings_of(logged))

"""The analysis plots: GR's curves (checked against the closed-form
gradient), the method comparison and the per-class AP chart."""

import json
import math

import numpy as np
import pytest

from tests.helpers.paths import config_file
from tests.helpers.runner_utils import python


def test_gr_curves_follow_the_closed_form(tmp_path):
    out, dump = tmp_path / 'gr.png', tmp_path / 'gr.json'
    python(
        'tools/analysis/plot_gr_curves.py',
        config_file('gr', 'coco'),
        '--epochs',
        '1',
        '8',
        '--out',
        str(out),
        '--dump',
        str(dump),
    )
    assert out.stat().st_size > 10_000
    curves = json.loads(dump.read_text())
    assert [c['epoch'] for c in curves] == [1, 8]
    # The config's GRLoss() defaults: q1 = 0.01, q2 = 1, eps = 1e-7, and the
    # 'reference' schedule of beta = [0, 2, -2, -2], alpha = [0.5, 2, 0.8,
    # 0.5] over 8 epochs written out (beta lags alpha by one epoch):
    # w = 2 (e - 1) / 8, b = -2, mu = 0.5 + 0.3 e / 8, sigma = 2 - 1.5 e / 8.
    q1, q2, eps = 0.01, 1.0, 1e-7
    for curve in curves:
        e = curve['epoch']
        w, b = 2 * (e - 1) / 8, -2.0
        mu, sigma = 0.5 + 0.3 * e / 8, 2 - 1.5 * e / 8
        assert curve['params'] == pytest.approx(
            dict(w=w, b=b, mu=mu, sigma=sigma), rel=1e-12
        )
        p = np.asarray(curve['p'])
        k = 1 / (1 + np.exp(-(w * p + b)))
        v = np.exp(-((p - mu) ** 2) / (2 * sigma**2))
        np.testing.assert_allclose(curve['k'], k, rtol=1e-12)
        np.testing.assert_allclose(curve['v'], v, rtol=1e-12)
        # d/ds of v [k (1 - p^q1)/q1 + (1 - k)(1 - (1 - p)^q2)/q2] with k, v
        # constant: v [-k p^q1 (1 - p) + (1 - k) p (1 - p)^q2].
        grad = v * (-k * p**q1 * (1 - p) + (1 - k) * p * (1 - p) ** q2)
        np.testing.assert_allclose(
            curve['grad_unannotated'], grad, rtol=1e-9, atol=1e-12
        )
        # -log(p + eps) of an observed positive.
        np.testing.assert_allclose(
            curve['grad_positive'], -(1 - p) * p / (p + eps), rtol=1e-9
        )
    first, last = (c['params'] for c in curves)
    assert first == pytest.approx(dict(w=0.0, b=-2.0, mu=0.5375, sigma=1.8125))
    assert last == pytest.approx(dict(w=1.75, b=-2.0, mu=0.8, sigma=0.5))


def test_gr_curves_refuse_another_loss_and_bad_epochs(tmp_path):
    out = python(
        'tools/analysis/plot_gr_curves.py', config_file('an', 'demo'), ok=False
    )
    assert 'AssumeNegativeLoss; this tool draws GRLoss' in out
    out = python(
        'tools/analysis/plot_gr_curves.py',
        config_file('gr', 'demo'),
        '--epochs',
        '9',
        ok=False,
    )
    assert '--epochs [9]: the config trains epochs 1 to 6' in out
    out = python(
        'tools/analysis/plot_gr_curves.py',
        'configs/gr/gr_resnet18-half_1xb64-learnable-k_mnist-mosaic.py',
        ok=False,
    )
    assert 'learns k while it trains' in out


def test_method_comparison_from_results_json(tmp_path):
    results = {
        'gr_demo': [
            dict(test={'spml/mAP': v}, best_val=v + 1)
            for v in (91.0, 92.0, 93.5)
        ],
        'an_demo': [dict(test={'spml/mAP': 85.0}, best_val=86.0)],
    }
    path = tmp_path / 'results.json'
    path.write_text(json.dumps(results))
    out = python(
        'tools/analysis/plot_results.py',
        str(path),
        '--out',
        str(tmp_path / 'm.png'),
    )
    std = np.std([91.0, 92.0, 93.5], ddof=1)
    assert 'an_demo: 85.00 ± 0.00 (1 runs)' in out
    assert f'gr_demo: 92.17 ± {std:.2f} (3 runs)' in out
    assert out.index('an_demo') < out.index('gr_demo')  # sorted by mean
    assert (tmp_path / 'm.png').stat().st_size > 5_000
    out = python(
        'tools/analysis/plot_results.py',
        str(path),
        '--metric',
        'spml/OF1',
        ok=False,
    )
    assert "gr_demo: a run has no 'spml/OF1'" in out


def test_class_ap_chart_reads_classwise_metrics(tmp_path):
    metrics = {
        'spml/mAP': 70.0,
        'spml/AP/cat': 90.0,
        'spml/AP/dog': 50.0,
        'spml/AP/emu': math.nan,
        'spml/AP/cow': 70.0,
    }
    path = tmp_path / 'metrics.json'
    path.write_text(json.dumps(metrics))
    out = python(
        'tools/analysis/plot_class_ap.py',
        str(path),
        '--out',
        str(tmp_path / 'ap.png'),
    )
    listed = [
        line.split(':')[0]
        for line in out.splitlines()
        if line.split(':')[0] in ('cat', 'dog', 'emu', 'cow')
    ]
    assert listed == ['cat', 'cow', 'dog', 'emu']
    assert (tmp_path / 'ap.png').stat().st_size > 5_000
    out = python(
        'tools/analysis/plot_class_ap.py',
        str(path),
        '--top',
        '1',
        '--out',
        str(tmp_path / 'top.png'),
    )
    shown = [
        line.split(':')[0]
        for line in out.splitlines()
        if line.split(':')[0] in ('cat', 'dog', 'emu', 'cow', '...')
    ]
    assert shown == ['cat', '...', 'dog']
    assert '1 classes without positives are left out' in out
    path.write_text(json.dumps({'spml/mAP': 70.0}))
    out = python('tools/analysis/plot_class_ap.py', str(path), ok=False)
    assert 'test_evaluator.classwise=True' in out


@pytest.mark.slow
def test_test_tool_writes_the_classwise_metrics(tmp_path):
    """tools/test.py --out with classwise=True gives plot_class_ap.py what
    it reads, on a model trained from the tiny demo config."""
    from tests.helpers.runner_utils import write_tiny_config

    config = write_tiny_config(tmp_path)
    work = tmp_path / 'work'
    python(
        'tools/train.py',
        str(config),
        '--work-dir',
        str(work),
        '--cfg-options',
        'train_cfg.max_epochs=1',
    )
    metrics = tmp_path / 'metrics.json'
    python(
        'tools/test.py',
        str(config),
        str(work),
        '--cfg-options',
        'test_evaluator.classwise=True',
        '--out',
        str(metrics),
    )
    values = json.loads(metrics.read_text())
    per_class = [v for k, v in values.items() if '/AP/' in k]
    assert len(per_class) == 10
    assert np.nanmean(per_class) == pytest.approx(values['spml/mAP'])
    python(
        'tools/analysis/plot_class_ap.py',
        str(metrics),
        '--out',
        str(tmp_path / 'ap.png'),
    )
    assert (tmp_path / 'ap.png').is_file()

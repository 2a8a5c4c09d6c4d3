"""Per-class AP of a test run as a bar chart.

    python tools/test.py configs/gr/gr_resnet18-half_1xb64_mnist-mosaic.py \
        work_dirs/gr_resnet18-half_1xb64_mnist-mosaic \
        --cfg-options test_evaluator.classwise=True --out metrics.json
    python tools/analysis/plot_class_ap.py metrics.json [--out class_ap.png]
        [--top N]

Reads the ``AP/<class>`` entries that ``SPMLAveragePrecision(classwise=
True)`` adds to the metrics (tools/test.py ``--out`` writes them), sorted
from best to worst; the mean AP is drawn as a line. ``--top N`` keeps the N
best and N worst classes of a long list.
"""

import argparse
import math
import sys

from mmspml.utils import read_json


def class_ap(metrics: dict) -> list:
    """(class, AP) pairs from a metrics dict, best first; classes without
    positives (NaN) last."""
    pairs = [
        (key.split('AP/', 1)[1], value)
        for key, value in metrics.items()
        if 'AP/' in key
    ]
    bad = [
        (k, v)
        for k, v in pairs
        if isinstance(v, bool)
        or not isinstance(v, (int, float))
        or abs(float(v)) > 100
    ]
    if bad:
        raise SystemExit(
            f'the per-class AP {bad[0][0]!r} is '
            f'{str(bad[0][1])[:40]}, not a number in [0, 100]'
        )
    if not pairs:
        raise SystemExit(
            'no per-class AP in the metrics; test with --cfg-options '
            'test_evaluator.classwise=True --out metrics.json'
        )
    return sorted(
        pairs,
        key=lambda kv: (
            math.isnan(kv[1]),
            -kv[1] if not math.isnan(kv[1]) else 0,
        ),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('metrics', help='metrics JSON of tools/test.py --out')
    parser.add_argument('--out', default='class_ap.png')
    parser.add_argument(
        '--top', type=int, help='show only the N best and N worst classes'
    )
    args = parser.parse_args()
    try:
        metrics = read_json(
            args.metrics,
            'the metrics of tools/test.py --out '
            '(an object of metric -> value)',
        )
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'plot_class_ap.py: error: {err}')
    try:
        pairs = class_ap(metrics)
    except (
        KeyError,
        TypeError,
        AttributeError,
        ValueError,
        OverflowError,
    ) as err:
        sys.exit(
            f'plot_class_ap.py: error: {args.metrics}: not the metrics '
            'of tools/test.py --out with classwise AP: '
            f'{type(err).__name__}: {err}'
        )
    scored = [p for p in pairs if not math.isnan(p[1])]
    if args.top and 2 * args.top < len(scored):
        # The best and worst classes with positives; the classes without
        # any positive (no AP) are counted, not drawn.
        empty = len(pairs) - len(scored)
        pairs = (
            scored[: args.top] + [('...', float('nan'))] + scored[-args.top :]
        )
        if empty:
            print(f'{empty} classes without positives are left out')
    mean_ap = next((v for k, v in metrics.items() if k.endswith('mAP')), None)

    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(
        figsize=(max(6, 0.3 * len(pairs) + 2), 3.8), dpi=100
    )
    ax.bar(
        range(len(pairs)),
        [0 if math.isnan(v) else v for _, v in pairs],
        color='#8fb1d8',
    )
    ax.set_xticks(
        range(len(pairs)), [k for k, _ in pairs], rotation=90, fontsize=7
    )
    if isinstance(mean_ap, bool) or not isinstance(mean_ap, (int, float)):
        mean_ap = None  # not a number: no line
    if mean_ap is not None:
        ax.axhline(mean_ap, color='r', lw=1, label=f'mAP {mean_ap:.2f}')
        ax.legend(fontsize=8)
    ax.set_ylabel('AP (%)')
    ax.set_ylim(0, 100)
    fig.tight_layout()
    fig.savefig(args.out)
    print(f'wrote {args.out}')
    for name, value in pairs:
        print(f'{name}: {value:.2f}')


if __name__ == '__main__':
    main()

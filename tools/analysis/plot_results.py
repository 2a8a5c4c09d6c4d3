"""Compare methods: mean and spread over seeds of a metric, from the
``results.json`` that tools/run_configs.py writes.

    python tools/analysis/plot_results.py work_dirs/demo/results.json \
        [--metric spml/mAP] [--split test] [--out methods.png]

One bar per config (mean over its seeds, sorted), the standard deviation
as an error bar and every seed as a dot.
"""

import argparse
import sys

import numpy as np

from mmspml.utils import read_json


def method_stats(
    results: dict, metric: str = 'spml/mAP', split: str = 'test'
) -> list:
    """(name, mean, std, values) per config of a results.json, sorted by
    the mean; ``split`` ``'test'`` reads each run's test metric,
    ``'val'`` its best val mAP."""
    rows = []
    for name, runs in results.items():
        try:
            values = [
                run['best_val'] if split == 'val' else run['test'][metric]
                for run in runs
            ]
        except KeyError as err:
            raise SystemExit(
                f'{name}: a run has no {err} in results.json; the test '
                f'metrics it holds: {sorted(runs[0].get("test", {}))}'
            ) from None
        if not values or not all(
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and np.isfinite(float(v))
            for v in values
        ):
            raise SystemExit(
                f'{name}: results.json needs at least one run per method '
                f'and finite numbers, got {str(values)[:80]}'
            )
        values = np.asarray(values, dtype=float)
        std = values.std(ddof=1) if len(values) > 1 else 0.0
        rows.append((name, float(values.mean()), float(std), values.tolist()))
    return sorted(rows, key=lambda row: row[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('results', help='results.json of run_configs.py')
    parser.add_argument('--metric', default='spml/mAP')
    parser.add_argument('--split', choices=['test', 'val'], default='test')
    parser.add_argument('--out', default='methods.png')
    args = parser.parse_args()
    try:
        results = read_json(
            args.results,
            'the results.json of '
            'tools/run_configs.py (method -> list of runs)',
        )
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'plot_results.py: error: {err}')
    try:
        rows = method_stats(results, args.metric, args.split)
    except (
        KeyError,
        TypeError,
        AttributeError,
        ValueError,
        OverflowError,
    ) as err:
        sys.exit(
            f'plot_results.py: error: {args.results}: not the '
            'results.json of tools/run_configs.py (method -> list of '
            f'runs with {args.split!r} metrics): '
            f'{type(err).__name__}: {err}'
        )

    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2), dpi=100)
    y = np.arange(len(rows))
    ax.barh(
        y,
        [r[1] for r in rows],
        xerr=[r[2] for r in rows],
        color='#8fb1d8',
        capsize=3,
    )
    for i, row in enumerate(rows):
        ax.plot(row[3], [i] * len(row[3]), 'k.', ms=4)
        ax.text(
            row[1],
            i + 0.3,
            f' {row[1]:.2f} ± {row[2]:.2f}',
            fontsize=7,
            va='center',
        )
    ax.set_yticks(y, [r[0] for r in rows], fontsize=8)
    low = min(min(r[3]) for r in rows)
    ax.set_xlim(max(0, low - 5), 100)
    what = args.metric if args.split == 'test' else 'best val mAP'
    ax.set_xlabel(f'{args.split} {what} (mean ± std over seeds; dots: seeds)')
    fig.tight_layout()
    fig.savefig(args.out)
    print(f'wrote {args.out}')
    for name, mean, std, values in rows:
        print(f'{name}: {mean:.2f} ± {std:.2f} ({len(values)} runs)')


if __name__ == '__main__':
    main()

"""What the trust figures of SPMLAveragePrecision cost: its full evaluation
(mAP, chance level, bootstrap interval, warnings) timed against the mAP
alone, in the same process, on synthetic OpenImages-like scores.

    python tools/analysis/benchmark_map_interval.py [--images 40000]
        [--classes 600] [--positives 3] [--negatives 8]
        [--resamples 1000] [--mode observed|full]

Each image gets ``--positives`` positives on average; in the observed mode
about ``--positives`` of them observed and ``--negatives`` verified
negatives (OpenImages' human-verified labels are of this order), the rest
unknown. Scores are informative (positives score higher on average), so
the interval is not trivially wide.
"""

import argparse
import logging
import time

import numpy as np
import torch
from mmengine.logging import MMLogger

from mmspml.evaluation.metrics import (
    SPMLAveragePrecision,
    average_precision,
    observed_average_precision,
)


def main() -> None:
    """Time the full metric against the mAP alone and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=40000)
    parser.add_argument('--classes', type=int, default=600)
    parser.add_argument('--positives', type=float, default=3)
    parser.add_argument('--negatives', type=float, default=8)
    parser.add_argument('--resamples', type=int, default=1000)
    parser.add_argument('--mode', choices=('observed', 'full'))
    args = parser.parse_args()
    MMLogger.get_instance('benchmark', log_level=logging.WARNING)
    rng = np.random.default_rng(0)
    shape = (args.images, args.classes)
    full = rng.random(shape) < args.positives / args.classes
    scores = (0.5 * full + rng.random(shape)) / 1.5
    observed = np.zeros(shape, dtype=np.int8)
    observed[full] = 1
    observed[~full & (rng.random(shape) < args.negatives / args.classes)] = -1
    modes = [args.mode] if args.mode else ['observed', 'full']
    print(
        f'{args.images} images x {args.classes} classes, '
        f'{args.resamples} resamples, torch threads '
        f'{torch.get_num_threads()}'
    )
    for mode in modes:
        start = time.perf_counter()
        if mode == 'observed':
            observed_average_precision(scores, observed)
        else:
            average_precision(scores, full)
        base = time.perf_counter() - start
        metric = SPMLAveragePrecision(
            mode=mode, print_table=False, num_resamples=args.resamples
        )
        metric.results = [
            dict(
                pred_score=torch.from_numpy(scores[i].astype(np.float32)),
                target=torch.from_numpy(full[i].astype(np.int8)),
                observed=torch.from_numpy(observed[i]),
            )
            for i in range(args.images)
        ]
        start = time.perf_counter()
        result = metric.compute_metrics(metric.results)
        total = time.perf_counter() - start
        key = 'mAP_observed' if mode == 'observed' else 'mAP'
        print(
            f'{mode:>8}: mAP alone {base:.2f} s; with chance level and '
            f'interval {total:.2f} s ({total / base:.1f}x); {key} '
            f'{result[key]:.2f} [{result[key + "_low"]:.2f}, '
            f'{result[key + "_high"]:.2f}], chance '
            f'{result[key + "_chance"]:.2f}'
        )


if __name__ == '__main__':
    main()

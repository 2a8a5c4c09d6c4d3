"""Does the bootstrap interval of mAP_observed hold what it promises? On a
split with full labels (the demo's test set), draw many small evaluation
sets with partial labels, and count how often their 95% interval contains
the mAP of the same model against the FULL labels of the whole split
(coverage); set the exact chance level next to a Monte Carlo of random
scores; and show which scores the metric flags.

    python tools/analysis/map_interval_coverage.py CONFIG CHECKPOINT
        [--sizes 50 100 200 400] [--draws 100] [--known 0.1]
        [--scheme random|single] [--resamples 1000] [--random-per-draw 5]

``--scheme random`` keeps each entry with probability ``--known`` (every
entry's true state, Durand et al.); ``single`` keeps one positive per image
and ``--negatives`` verified negatives for a third of the images, as a user
who labels the largest object and checks a few absent classes. The first
is an unbiased sample of every class's positives and negatives, the second
is not (positives of frequent classes are under-observed), so its interval
estimates another quantity than the full-label mAP.
"""

import argparse
import logging

import numpy as np

import mmspml  # noqa: F401  (registers mmspml's modules)
from mmspml.apis import SPMLInferencer
from mmspml.evaluation.metrics import (
    SPMLAveragePrecision,
    observed_average_precision,
)
from mmspml.evaluation.metrics.ap_interval import (
    bootstrap_mean_ap,
    chance_average_precision,
    mean_observed_ap,
)
from mmspml.evaluation.metrics.ap_report import trust_report
from mmspml.utils.config_names import load_config


def draw_observed(full, rng, scheme, known, negatives):
    """Partial labels 1 / -1 / 0 of full 0/1 labels under ``scheme``."""
    if scheme == 'random':
        keep = rng.random(full.shape) < known
        return np.where(keep, np.where(full == 1, 1, -1), 0).astype(np.int8)
    observed = np.zeros(full.shape, dtype=np.int8)
    for i, row in enumerate(full):
        pos, neg = np.flatnonzero(row), np.flatnonzero(row == 0)
        if len(pos):
            observed[i, rng.choice(pos)] = 1
        if i % 3 == 0 and len(neg):
            picked = rng.choice(neg, min(negatives, len(neg)), replace=False)
            observed[i, picked] = -1
    return observed


def flagged(scores, observed, classes, resamples):
    """The warnings trust_report gives for ``scores`` (short names)."""
    pos, neg = (observed == 1).sum(0), (observed == -1).sum(0)
    counted = (pos > 0) & (neg > 0)
    value = 100 * np.nanmean(observed_average_precision(scores, observed)[0])
    chance = 100 * mean_observed_ap(
        chance_average_precision(pos, neg), pos, neg
    )
    low, high = bootstrap_mean_ap(
        scores, observed, mean_observed_ap, resamples, seed=0
    )
    report = trust_report(
        'mAP_observed',
        value,
        (100 * low, 100 * high),
        float(chance),
        pos,
        neg,
        counted,
        classes,
        scores,
        resamples,
    )
    names = []
    for level, message in report:
        if level == logging.WARNING:
            for key, name in (
                ('reaches the chance', 'chance'),
                ("class's prior", 'prior'),
                ('not counted', 'uncounted'),
                ('rest on fewer', 'thin classes'),
            ):
                if key in message:
                    names.append(name)
    return f'{value:.2f} [{100 * low:.2f}, {100 * high:.2f}]', names


def main() -> None:
    """Score the split once, then draw the evaluation sets."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--split', default='test')
    parser.add_argument(
        '--sizes', type=int, nargs='+', default=[50, 100, 200, 400]
    )
    parser.add_argument('--draws', type=int, default=100)
    parser.add_argument('--known', type=float, default=0.1)
    parser.add_argument(
        '--scheme', choices=('random', 'single'), default='random'
    )
    parser.add_argument('--negatives', type=int, default=3)
    parser.add_argument('--resamples', type=int, default=1000)
    parser.add_argument('--random-per-draw', type=int, default=5)
    args = parser.parse_args()
    inferencer = SPMLInferencer(load_config(args.config), args.checkpoint)
    data = inferencer.score_dataloader(inferencer.build_dataloader(args.split))
    scores, full = data['scores'], data['labels']
    classes = list(inferencer.classes)
    target = SPMLAveragePrecision.calculate(scores, full)['mAP']
    print(
        f'{args.split}: {len(scores)} images; mAP against all full labels '
        f'{target:.2f} (the value each interval should contain)'
    )
    print(
        f'scheme {args.scheme}, {args.draws} draws per size, '
        f'{args.resamples} resamples\n'
    )
    print(
        '| images | mean mAP_observed | mean interval width | coverage | '
        'chance (exact) | random scores (Monte Carlo) |\n' + '|---' * 6 + '|'
    )
    rng = np.random.default_rng(0)
    for size in args.sizes:
        values, widths, covered, chances, randoms = [], [], 0, [], []
        for _ in range(args.draws):
            rows = rng.choice(len(scores), size, replace=False)
            observed = draw_observed(
                full[rows], rng, args.scheme, args.known, args.negatives
            )
            pos, neg = (observed == 1).sum(0), (observed == -1).sum(0)
            if not ((pos > 0) & (neg > 0)).any():
                continue
            ap, _ = observed_average_precision(scores[rows], observed)
            values.append(100 * np.nanmean(ap))
            low, high = bootstrap_mean_ap(
                scores[rows], observed, mean_observed_ap, args.resamples
            )
            widths.append(100 * (high - low))
            covered += 100 * low <= target <= 100 * high
            chances.append(
                100
                * mean_observed_ap(
                    chance_average_precision(pos, neg), pos, neg
                )
            )
            for _ in range(args.random_per_draw):
                noise = rng.random(observed.shape)
                randoms.append(
                    100
                    * np.nanmean(
                        observed_average_precision(noise, observed)[0]
                    )
                )
        print(
            f'| {size} | {np.mean(values):.2f} | {np.mean(widths):.2f} | '
            f'{100 * covered / len(values):.0f}% of {len(values)} | '
            f'{np.mean(chances):.2f} | {np.mean(randoms):.2f} |'
        )
    size = args.sizes[len(args.sizes) // 2]
    rows = rng.choice(len(scores), size, replace=False)
    observed = draw_observed(
        full[rows], rng, args.scheme, args.known, args.negatives
    )
    prior = full.mean(axis=0) + 1e-3 * rng.random((size, len(classes)))
    print(f'\nWarnings on one set of {size} images:')
    for name, s in (
        ('trained model', scores[rows]),
        ('random scores', rng.random((size, len(classes)))),
        ('class frequencies only', prior),
    ):
        shown, names = flagged(s, observed, classes, args.resamples)
        print(f'- {name}: mAP_observed {shown}: {", ".join(names) or "none"}')


if __name__ == '__main__':
    main()

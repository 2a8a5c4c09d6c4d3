"""What an mAP rests on, in words a user acts on: the classes and entries
it counts, its interval and chance level, and warnings when it cannot be
trusted."""

import logging
from typing import List, Sequence, Tuple

import numpy as np

# A class resting on fewer observed positives or negatives than this has
# an AP that is mostly luck.
FEW_ENTRIES = 5


def _names(classes: Sequence[str], mask: np.ndarray, limit: int = 6) -> str:
    names = [classes[i] for i in np.flatnonzero(mask)]
    more = f' and {len(names) - limit} more' if len(names) > limit else ''
    return ', '.join(repr(n) for n in names[:limit]) + more


def frequency_only(
    scores: np.ndarray,
    positive_rate: np.ndarray,
    classes: Sequence[str] = (),
) -> Tuple[bool, str]:
    """Whether the scores rank images no better than each class's prior:
    the same few classes on top of every image, scores that barely change
    from image to image within a class.

    Two signs, either enough: the spread of a class's logits over images
    (median over classes) is under a tenth of the spread of the class
    means (scores are a per-class constant, the class frequencies); or one
    class is the top score of at least 90% of the images although it is a
    (observed) positive of fewer than half of them.

    Args:
        scores (np.ndarray): N x C scores in [0, 1].
        positive_rate (np.ndarray): Share of the images of which each
            class is a (observed) positive.
        classes (Sequence[str]): Class names for the evidence; indices
            when empty. Defaults to ().

    Returns:
        tuple: ``(flagged, evidence)``, the evidence as a phrase.
    """
    num, num_classes = scores.shape
    if num < 10 or num_classes < 3:
        return False, ''
    clipped = np.clip(scores, 1e-6, 1 - 1e-6)
    logits = np.log(clipped) - np.log1p(-clipped)
    within = float(np.median(logits.std(axis=0)))
    between = float(logits.mean(axis=0).std())
    if within <= 0.1 * between:
        return True, (
            f"a class's scores vary {within:.3g} (logit std over images, "
            f'median class) against {between:.3g} between classes'
        )
    top = np.bincount(scores.argmax(axis=1), minlength=num_classes)
    best = int(top.argmax())
    rate = positive_rate[best]
    name = classes[best] if len(classes) else str(best)
    if top[best] >= 0.9 * num and np.isfinite(rate) and rate < 0.5:
        return True, (
            f'{name!r} is the top score of {top[best]} of {num} images '
            f'but a positive of {100 * rate:.0f}% of them'
        )
    return False, ''


def sampling_warnings(labels: np.ndarray, observed: bool) -> List[str]:
    """Warnings about how the evaluated labels were sampled.

    Full mode (``observed=False``, 0/1 ``labels``): every image has exactly
    one positive, likely single positives scored as full labels. Observed
    mode (1/-1/0 ``labels``): every image with an observed positive has
    exactly one, so positives were not sampled at random.

    Args:
        labels (np.ndarray): N x C labels.
        observed (bool): Whether they are observed labels.

    Returns:
        list[str]: The warnings (none for fewer than 20 images).
    """
    num, num_classes = labels.shape
    per_image = (labels == 1).sum(axis=1)
    if num < 20:
        return []
    if not observed and num_classes >= 3 and (per_image == 1).all():
        return [
            f'SPMLAveragePrecision: every one of the {num} evaluated images '
            'has exactly one positive label. If these are single positives '
            'and not full labels, mAP counts every unlabelled entry as a '
            "negative; use SPMLAveragePrecision(mode='observed') with "
            'verified negatives (a PartialLabelDataset) instead.'
        ]
    if observed and (per_image[per_image > 0] == 1).all():
        return [
            'SPMLAveragePrecision: every evaluated image has exactly one '
            'observed positive, so the positives were not sampled at '
            'random (one per image, frequent classes under-observed): '
            'mAP_observed measures ranking on these entries and can be '
            'far from the mAP against full labels, a bias its interval '
            'does not include (docs/partial_labels.md). Verify a random '
            'sample of entries of some val images for an unbiased figure.'
        ]
    return []


def trust_report(
    name: str,
    value: float,
    interval: Tuple[float, float],
    chance: float,
    pos: np.ndarray,
    neg: np.ndarray,
    counted: np.ndarray,
    classes: Sequence[str],
    scores: np.ndarray,
    num_resamples: int,
) -> List[Tuple[int, str]]:
    """The summary of an mAP and the warnings that say when it cannot be
    trusted, as ``(logging level, message)`` pairs.

    Warns when the interval reaches the chance level, when more than a
    quarter of the classes are not counted, when a counted class rests on
    fewer than :data:`FEW_ENTRIES` positives or negatives, and when the
    scores look like class frequencies only (:func:`frequency_only`).

    Args:
        name (str): The metric's key, e.g. ``'spml/mAP_observed'``.
        value (float): The mAP, percent.
        interval (tuple[float, float]): Its bootstrap interval, percent;
            NaN when not computed.
        chance (float): The expected mAP of uninformative scores, percent.
        pos (np.ndarray): Positives of each class (observed or full).
        neg (np.ndarray): Negatives of each class (verified or full).
        counted (np.ndarray): Mask of the classes the mAP averages.
        classes (Sequence[str]): Class names.
        scores (np.ndarray): N x C scores.
        num_resamples (int): Bootstrap resamples behind the interval.

    Returns:
        list[tuple[int, str]]: The summary (INFO) and the warnings.
    """
    low, high = interval
    num, num_classes = scores.shape
    kind = 'observed ' if 'observed' in name else ''
    neg_kind = 'verified negatives' if kind else 'negatives'
    shown = f'{name} {value:.2f}'
    if np.isfinite(low):
        shown += (
            f' (95% interval {low:.2f}-{high:.2f} from {num_resamples} '
            f'bootstrap resamples of the {num} images)'
        )
    lines = [
        f'{shown}; chance level {chance:.2f}; {int(counted.sum())} of '
        f'{num_classes} classes counted'
    ]
    if counted.any():
        cp, cn = pos[counted], neg[counted]
        lines[0] += (
            f'; per counted class {kind}positives min {int(cp.min())} / '
            f'median {np.median(cp):g}, {neg_kind} min {int(cn.min())} / '
            f'median {np.median(cn):g}'
        )
    report = [(logging.INFO, lines[0])]
    warn = logging.WARNING
    if np.isfinite(low) and low <= chance:
        report.append(
            (
                warn,
                f'{name}: the 95% interval {low:.2f}-{high:.2f} reaches the '
                f'chance level {chance:.2f} (the expected value for scores '
                'that carry no information): this evaluation cannot tell '
                'the model from chance. Evaluate on more images'
                + (' or verify more negatives' if kind else '')
                + ' before trusting it.',
            )
        )
    missing = ~counted
    if missing.sum() > num_classes / 4:
        why = (
            'no observed positive or no verified negative'
            if kind
            else 'no positive'
        )
        report.append(
            (
                warn,
                f'{name}: {int(missing.sum())} of {num_classes} classes have '
                f'{why} in this split and are not counted '
                f'({_names(classes, missing)}); the value says nothing '
                'about them. Label some of their images.',
            )
        )
    few = counted & ((pos < FEW_ENTRIES) | (neg < FEW_ENTRIES))
    if few.any():
        detail = ', '.join(
            f'{classes[i]!r} {int(pos[i])}+/{int(neg[i])}-'
            for i in np.flatnonzero(few)[:6]
        )
        report.append(
            (
                warn,
                f'{name}: {int(few.sum())} counted classes rest on fewer '
                f'than {FEW_ENTRIES} {kind}positives or {neg_kind} '
                f'({detail}{"" if few.sum() <= 6 else ", ..."}): their AP '
                'is mostly luck. Label more of their images.',
            )
        )
    flagged, evidence = frequency_only(scores, pos / num, classes)
    if flagged:
        report.append(
            (
                warn,
                f'{name}: the scores rank images no better than each '
                f"class's prior ({evidence}): the model has learned how "
                'often each class occurs, not what the images show. Train '
                'longer or on more images, and check the labels.',
            )
        )
    return report


def format_with_intervals(metrics: dict) -> str:
    """Each mAP of ``metrics`` with its 95% interval and chance level, one
    line each, for a tool's closing summary.

    Args:
        metrics (dict): Metric name -> value, as an evaluator returns them
            (e.g. ``spml/mAP``, ``spml/mAP_low``, ``spml/mAP_high``,
            ``spml/mAP_chance``).

    Returns:
        str: The lines; empty when no metric has an interval or chance
        level.
    """
    lines = []
    for key, value in metrics.items():
        low, high = metrics.get(f'{key}_low'), metrics.get(f'{key}_high')
        chance = metrics.get(f'{key}_chance')
        if chance is None and low is None:
            continue
        line = f'{key} {value:.2f}'
        if low is not None and high is not None:
            line += f'  95% interval [{low:.2f}, {high:.2f}]'
        if chance is not None:
            line += f'  chance level {chance:.2f}'
        lines.append(line)
    return '\n'.join(lines)

"""The thresholds file: per-class decision thresholds written by
``tools/analysis/calibrate_thresholds.py`` and read by the predictor, every
value checked and matched to the model's classes by name."""

import json
import math
from typing import Optional, Sequence, Union

import numpy as np

from mmspml.utils import read_json, write_atomically

THRESHOLDS_FORMAT = 'mmspml-thresholds'
THRESHOLDS_VERSION = 1
MODES = ('f1', 'expected-count')


def save_thresholds(
    path: str,
    classes: Sequence[str],
    thresholds: Sequence[float],
    mode: str,
    split: str,
    **info,
) -> dict:
    """Write a thresholds file (JSON) that the predictor reads.

    Args:
        path (str): Output file.
        classes (Sequence[str]): Class names, in the model's order.
        thresholds (Sequence[float]): One threshold per class.
        mode (str): How they were chosen: ``'f1'`` or ``'expected-count'``.
        split (str): The split they were chosen on.
        **info: More JSON-serialisable fields to record (``num_fallback``,
            ``global_threshold``, the metrics, ...).

    Returns:
        dict: What was written.
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    if len(classes) != len(thresholds):
        raise ValueError(
            f'{len(classes)} classes but {len(thresholds)} thresholds'
        )
    record = dict(
        format=THRESHOLDS_FORMAT,
        version=THRESHOLDS_VERSION,
        mode=mode,
        split=split,
        classes=list(classes),
        thresholds=[float(t) for t in thresholds],
        **info,
    )
    write_atomically(path, json.dumps(record, indent=2) + '\n')
    return record


def load_thresholds(
    path: str, classes: Optional[Sequence[str]] = None
) -> np.ndarray:
    """Read a thresholds file written by :func:`save_thresholds` (or by
    ``tools/analysis/calibrate_thresholds.py``) for a model with
    ``classes``.

    Args:
        path (str): The JSON file.
        classes (Sequence[str], optional): The model's class names; the file
            must name the same classes (in any order: thresholds are matched
            by name). Defaults to None (only the file itself is checked).

    Returns:
        np.ndarray: One threshold per class, in the order of ``classes``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: The file is not a thresholds file, or its classes do not
            match ``classes``; the message names the file and what was
            expected.
    """
    record = read_json(
        path,
        'a thresholds file of '
        'tools/analysis/calibrate_thresholds.py (an object '
        "with 'classes' and 'thresholds')",
    )
    if 'thresholds' not in record or 'classes' not in record:
        raise ValueError(
            f'thresholds file {path}: expected a JSON object with '
            "'classes' and 'thresholds' (as written by "
            'tools/analysis/calibrate_thresholds.py)'
        )
    names, values = record['classes'], record['thresholds']
    if (
        not isinstance(names, list)
        or not isinstance(values, list)
        or len(names) != len(values)
    ):
        raise ValueError(
            f"thresholds file {path}: 'classes' and 'thresholds' must be "
            'lists of the same length, got '
            f'{type(names).__name__} and {type(values).__name__}'
        )
    for name, value in zip(names, values):
        if not isinstance(name, str):
            raise ValueError(
                f'thresholds file {path}: class names must be '
                f'strings, got {str(name)[:60]!r}'
            )
        try:
            finite = (
                not isinstance(value, bool)
                and isinstance(value, (int, float))
                and math.isfinite(value)
            )
        except OverflowError:  # an integer of hundreds of digits
            finite = False
        if not finite:
            raise ValueError(
                f'thresholds file {path}: the threshold of '
                f'class {name!r} must be a finite number, got '
                f'{str(value)[:60]}'
            )
        if not 0 <= value <= 1:
            raise ValueError(
                f'thresholds file {path}: the threshold of '
                f'class {name!r} is {value}; scores are in '
                '[0, 1], so it would predict the class always '
                'or never'
            )
    if len(set(names)) != len(names):
        raise ValueError(
            f"thresholds file {path}: class names repeat in 'classes'"
        )
    by_name = dict(zip(names, values))
    if classes is None:
        return np.asarray(values, dtype=np.float64)
    classes = list(classes)
    if len(names) != len(classes):
        raise ValueError(
            f'thresholds file {path} holds {len(names)} classes but the '
            f'model predicts {len(classes)}: expected thresholds for '
            f'{_short(classes)}'
        )
    missing = [c for c in classes if c not in by_name]
    if missing:
        unexpected = [n for n in names if n not in set(classes)]
        raise ValueError(
            f'thresholds file {path} does not match the model: it has no '
            f'threshold for the classes {_short(missing)} and has '
            f'thresholds for {_short(unexpected)}, which the model does not '
            f'predict; expected the classes {_short(classes)}'
        )
    return np.asarray([by_name[c] for c in classes], dtype=np.float64)


def _short(names: Sequence[str], limit: int = 10) -> str:
    names = list(names)
    shown = ', '.join(repr(n) for n in names[:limit])
    more = f', ... ({len(names)} in all)' if len(names) > limit else ''
    return f'[{shown}{more}]'


def class_thresholds(
    thresholds: Union[str, Sequence[float], None], classes: Sequence[str]
) -> Optional[np.ndarray]:
    """Per-class thresholds from a thresholds file path or a sequence (one
    value per class); None stays None.

    Args:
        thresholds (str | Sequence[float] | None): A thresholds file, one
            value per class, or None.
        classes (Sequence[str]): The model's class names.

    Returns:
        np.ndarray | None: One float64 threshold per class, in the order
        of ``classes``; None for None.
    """
    if thresholds is None:
        return None
    if isinstance(thresholds, str):
        return load_thresholds(thresholds, classes)
    values = np.asarray(thresholds, dtype=np.float64)
    if values.shape != (len(classes),):
        raise ValueError(
            f'thresholds must hold one value per class '
            f'({len(classes)}), got shape {values.shape}'
        )
    return values

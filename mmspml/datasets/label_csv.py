"""Image-level labels from a CSV with one row per (image, class) answer: an
image, a class name and a confidence, 1 = present (an observed positive),
0 = verified absent (a verified negative); a pair without a row is unknown.

OpenImages' ``*-human-imagelabels*.csv`` (:mod:`.openimages`) and the
``image,label,confidence`` files of
``tools/dataset_converters/labels_csv_to_json.py`` are such files. They can
hold tens of millions of rows, so they are parsed column by column with
pyarrow (no Python loop over rows) into :class:`SparseLabels` with states.
pyarrow is optional: it is imported when a CSV is read.
"""

import difflib
from dataclasses import dataclass
from typing import List, Sequence

import numpy as np

from .csv_columns import (
    line_of_row,
    read_dictionary_columns,
    strings_to_bytes,
)
from .labels import NEGATIVE, POSITIVE, SparseLabels

#: The columns of the converter's CSV files.
LABEL_CSV_COLUMNS = ('image', 'label', 'confidence')


@dataclass
class ImageLabels:
    """The labels of a label CSV: one row per image, the observed positives
    and verified negatives of each (states ``POSITIVE`` / ``NEGATIVE``),
    and what was left out.

    Args:
        images (np.ndarray): The image names as UTF-8 bytes (a numpy
            ``S`` array), one per row of ``labels``.
        labels (SparseLabels): The answers of every image, with states.
        classes (tuple[str]): The class names of the columns.
        rows (int): The data rows of the file.
        skipped_rows (int): Rows of a class not in ``classes``, left out.
            Defaults to 0.
        unknown_classes (int): How many different class names those rows
            had. Defaults to 0.
        dropped_images (int): Images whose every row was skipped, left out.
            Defaults to 0.
        repeated_rows (int): Rows that repeat an (image, class) pair with
            the same confidence, counted once. Defaults to 0.
    """

    images: np.ndarray
    labels: SparseLabels
    classes: tuple
    rows: int
    skipped_rows: int = 0
    unknown_classes: int = 0
    dropped_images: int = 0
    repeated_rows: int = 0

    def image_names(self) -> List[str]:
        """The image names as strings.

        Returns:
            list[str]: One name per image, in row order.
        """
        return [name.decode('utf-8') for name in self.images.tolist()]

    def summary(self) -> str:
        """One line for the log: images, answers and what was left out.

        Returns:
            str: The summary.
        """
        states = self.labels.states
        positives = int(np.count_nonzero(states == POSITIVE))
        text = (
            f'{len(self.images)} images, {positives} positives and '
            f'{len(states) - positives} verified negatives over '
            f'{len(self.classes)} classes from {self.rows} rows'
        )
        if self.repeated_rows:
            text += f'; {self.repeated_rows} repeated rows counted once'
        if self.skipped_rows:
            text += (
                f'; skipped {self.skipped_rows} rows of '
                f'{self.unknown_classes} classes not in the class list'
            )
        if self.dropped_images:
            text += (
                f'; {self.dropped_images} images left without any listed class'
            )
        return text


def did_you_mean(name: str, classes: Sequence[str]) -> str:
    """The end of an unknown-class error: the closest class names
    (``difflib``; a name that differs only in case first), or nothing.

    Args:
        name (str): The name that is not a class.
        classes (Sequence[str]): The class names.

    Returns:
        str: ``"; did you mean 'dog'?"`` (up to three names), or ``''``
        when none is close.
    """
    close = difflib.get_close_matches(name, classes, n=3, cutoff=0.6)
    same = [c for c in classes if c.lower() == name.strip().lower()]
    close = list(dict.fromkeys(same + close))[:3]
    if not close:
        return ''
    return f'; did you mean {" or ".join(map(repr, close))}?'


def read_label_csv(
    path: str,
    classes: Sequence[str],
    columns: Sequence[str] = LABEL_CSV_COLUMNS,
    unknown_classes: str = 'error',
    image_order: str = 'first',
) -> ImageLabels:
    """The labels of a CSV with one row per (image, class) answer.

    Every data row gives an image, a class name and a confidence: ``1`` (an
    observed positive) or ``0`` (a verified negative); a pair without a
    row is unknown. A pair given twice with the same confidence counts
    once. The file is parsed column by column with pyarrow; errors name the
    file and the 1-based line.

    Args:
        path (str): The CSV file; its first line is the header.
        classes (Sequence[str]): The class names, in column order.
        columns (Sequence[str]): The names of the image, class and
            confidence columns. Defaults to ``('image', 'label',
            'confidence')``.
        unknown_classes (str): A row whose class is not in ``classes``:
            ``'error'`` stops; ``'skip'`` leaves it out and counts it
            (images left without a row are left out too). Defaults to
            ``'error'``.
        image_order (str): ``'first'`` keeps the images in the order they
            first appear in the file; ``'sorted'`` sorts them by name
            (bytewise). Defaults to ``'first'``.

    Returns:
        ImageLabels: One row per image, each row's classes sorted.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ImportError: pyarrow is not installed.
        ValueError: An empty file or one without data rows, a missing
            column, a row that is not CSV, a confidence other than 0 or 1,
            a class not in ``classes`` (with ``unknown_classes='error'``),
            or one (image, class) pair with two different confidences.
    """
    if unknown_classes not in ('error', 'skip'):
        raise ValueError(
            "unknown_classes must be 'error' or 'skip', got "
            f'{unknown_classes!r}'
        )
    if image_order not in ('first', 'sorted'):
        raise ValueError(
            f"image_order must be 'first' or 'sorted', got {image_order!r}"
        )
    image_col, label_col, conf_col = columns
    parsed = read_dictionary_columns(path, columns)
    num_rows = len(parsed[image_col][0])

    # Confidence: a handful of distinct strings, checked once each.
    codes, values = parsed.pop(conf_col)
    answer_of = {'1': POSITIVE, '0': NEGATIVE}
    lut = np.array(
        [answer_of.get(v, -1) for v in values.to_pylist()], dtype=np.int8
    )
    states = lut[codes]
    bad = np.flatnonzero(states < 0)
    if bad.size:
        value = values[int(codes[bad[0]])].as_py()
        raise ValueError(
            f'{path}: line {line_of_row(path, int(bad[0]))}: {conf_col} '
            f'{value!r} is not 1 or 0 (1 = present, 0 = verified '
            'absent; write 0 for a verified negative and leave unknown '
            'pairs out)'
        )

    # Class: one look-up per distinct name, then one take for all rows.
    codes, values = parsed.pop(label_col)
    names = values.to_pylist()
    index_of = {name: i for i, name in enumerate(classes)}
    lut = np.array([index_of.get(n, -1) for n in names], dtype=np.int32)
    class_idx = lut[codes]
    unknown = class_idx < 0
    skipped = int(np.count_nonzero(unknown))
    unknown_names = 0
    if skipped and unknown_classes == 'error':
        first = int(np.argmax(unknown))
        name = names[codes[first]]
        raise ValueError(
            f'{path}: line {line_of_row(path, first)}: {label_col} '
            f'{name!r} is not in the class list ({len(classes)} classes)'
            + did_you_mean(name, classes)
        )
    if skipped == num_rows:
        raise ValueError(
            f'{path}: none of its {num_rows} rows has a {label_col} of the '
            f'class list ({len(classes)} classes, e.g. {classes[0]!r})'
        )
    if skipped:
        used = np.bincount(codes[unknown], minlength=len(names)) > 0
        unknown_names = int(np.count_nonzero(used))
    del codes

    # Image: a dense index per distinct name, sorted if asked.
    image_codes, image_values = parsed.pop(image_col)
    images = strings_to_bytes(image_values)
    if image_order == 'sorted':
        order = np.argsort(images, kind='stable')
        rank = np.empty(len(images), dtype=np.int64)
        rank[order] = np.arange(len(images))
        images = images[order]
        image_idx = rank[image_codes]
    else:
        image_idx = image_codes.astype(np.int64)
    del image_codes

    row_of = None  # the data row of every kept answer, when some are not
    if skipped:
        row_of = np.flatnonzero(~unknown)
        image_idx, class_idx = image_idx[row_of], class_idx[row_of]
        states = states[row_of]
    del unknown

    # One sort by (image, class) gives the rows of the CSR labels and puts
    # repeated pairs next to each other.
    key = image_idx * len(classes) + class_idx
    del image_idx
    order = np.argsort(key, kind='stable')
    key = key[order]
    states = states[order]
    repeated = key[1:] == key[:-1]
    num_repeated = int(np.count_nonzero(repeated))
    if num_repeated:
        clash = np.flatnonzero(repeated & (states[1:] != states[:-1]))
        if clash.size:
            first, second = order[clash[0]], order[clash[0] + 1]
            if row_of is not None:
                first, second = row_of[first], row_of[second]
            pair = key[clash[0]]
            image = images[pair // len(classes)].decode('utf-8')
            label = classes[pair % len(classes)]
            said = {POSITIVE: 1, NEGATIVE: 0}
            raise ValueError(
                f'{path}: line {line_of_row(path, int(second))}: '
                f'{image_col} {image!r} and {label_col} {label!r} have '
                f'{conf_col} {said[states[clash[0] + 1]]}, but line '
                f'{line_of_row(path, int(first))} gave them '
                f'{said[states[clash[0]]]}; a pair has one answer'
            )
        keep = np.ones(len(key), dtype=bool)
        keep[1:] = ~repeated
        key, states = key[keep], states[keep]
    del order, repeated

    image_idx = key // len(classes)
    counts = np.bincount(image_idx, minlength=len(images))
    present = counts > 0
    dropped = int(len(images) - np.count_nonzero(present))
    if dropped:
        images, counts = images[present], counts[present]
    indptr = np.zeros(len(images) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    labels = SparseLabels(
        indptr,
        (key % len(classes)).astype(np.int32),
        len(classes),
        states,
    )
    return ImageLabels(
        images=images,
        labels=labels,
        classes=tuple(classes),
        rows=num_rows,
        skipped_rows=skipped,
        unknown_classes=unknown_names,
        dropped_images=dropped,
        repeated_rows=num_repeated,
    )

"""Checking an annotation file once, at load time: its structure, class
names, positives (``gt_label``) and verified negatives (``neg_label``),
with errors that name the file, the row and the field."""

import itertools
import numbers
import os.path as osp
from typing import Any, Optional, Sequence

import numpy as np


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut for an error message.

    Args:
        value (Any): The value to show.
        limit (int): The most characters returned. Defaults to 80.

    Returns:
        str: ``repr(value)``, or its first ``limit - 3`` characters and
        ``'...'`` when it is longer than ``limit``.
    """
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + '...'


def check_annotations(
    annotations: Any, path: str, classes: Optional[Sequence[str]]
) -> None:
    """Check a ``MultiLabelDataset`` annotation file once, at load time.

    Raises a ``TypeError`` (wrong type) or ``ValueError`` (wrong value) that
    names ``path``, the row (``data_list[i]``), the field and the value for:
    a file that is not ``{"metainfo": {...}, "data_list": [...]}``, an entry
    that is not a dict, a missing or non-string ``img_path``, an image listed
    twice, a missing ``gt_label``, a ``gt_label`` (or the optional
    ``neg_label`` of verified negatives) that is not a list of
    integer class indices (a class name, float, bool, nested list...) and an
    index outside ``[0, len(classes))``. ``classes`` are the metainfo classes
    (those of the annotation file when None), checked by
    :func:`check_classes`.

    Args:
        annotations (Any): The contents of the file, as
            :func:`read_annotation_file` returns them.
        path (str): The file, named in the errors.
        classes (Sequence[str], optional): The dataset's metainfo classes;
            None takes ``metainfo.classes`` of the file.

    Raises:
        TypeError: A value of the wrong type.
        ValueError: A wrong value: a missing key, an empty ``data_list``,
            an image listed twice, a class index out of range.
    """
    if not isinstance(annotations, dict):
        raise TypeError(
            f'{path}: expected a dict with "metainfo" and '
            f'"data_list", got {type(annotations).__name__}'
        )
    for key, kind in (('metainfo', dict), ('data_list', list)):
        if key not in annotations:
            raise ValueError(
                f'{path}: has no "{key}"; expected a dict with '
                f'"metainfo" and "data_list", got the keys '
                f'{sorted(annotations)}'
            )
        if not isinstance(annotations[key], kind):
            raise TypeError(
                f'{path}: {key} must be a {kind.__name__}, got '
                f'{type(annotations[key]).__name__} '
                f'{short_repr(annotations[key])}'
            )
    if not annotations['data_list']:
        raise ValueError(
            f'{path}: data_list is empty; an annotation file '
            'lists at least one image.'
        )
    if classes is None:
        classes = annotations['metainfo'].get('classes')
    check_classes(classes, path)
    if looks_valid(annotations['data_list'], classes):
        return
    first_row = {}
    for row, info in enumerate(annotations['data_list']):
        where = f'{path}: data_list[{row}]'
        if not isinstance(info, dict):
            raise TypeError(
                f'{where} must be a dict with "img_path" and '
                f'"gt_label", got {short_repr(info)}'
            )
        for key in ('img_path', 'gt_label'):
            if key not in info:
                raise ValueError(
                    f'{where} has no "{key}"; every entry needs '
                    f'"img_path" and "gt_label", got '
                    f'{short_repr(info)}'
                )
        img_path = info['img_path']
        if not isinstance(img_path, str) or not img_path:
            raise TypeError(
                f'{where}: img_path must be a non-empty string '
                f'(a path relative to data_root), got '
                f'{img_path!r}'
            )
        first = first_row.setdefault(osp.normpath(img_path), row)
        if first != row:
            raise ValueError(
                f'{where}: img_path {img_path!r} is also '
                f'data_list[{first}]; list each image once, '
                'with all its positives in one gt_label'
            )
        check_gt_label(
            info['gt_label'], f'{where} (image {img_path!r})', classes
        )
        if 'neg_label' in info:
            check_neg_label(info, f'{where} (image {img_path!r})', classes)


def check_neg_label(
    info: dict, where: str, classes: Optional[Sequence[str]]
) -> None:
    """Check one row's ``neg_label``, its verified negatives: class indices
    as in ``gt_label``, none of them also a positive of the row.

    Args:
        info (dict): The row (``gt_label`` and ``neg_label``).
        where (str): The file and row, named in the errors.
        classes (Sequence[str], optional): The class names; None skips the
            range check.

    Raises:
        TypeError: ``neg_label`` is not a list of integers.
        ValueError: An index out of range, or a class both in
            ``gt_label`` and ``neg_label``.
    """
    check_gt_label(info['neg_label'], where, classes, field='neg_label')
    both = sorted(set(info['gt_label']) & set(info['neg_label']))
    if both:
        raise ValueError(
            f'{where}: class {both[0]} is both in gt_label and neg_label; '
            'a class is an observed positive (gt_label), a verified '
            'negative (neg_label) or unknown (neither), once'
        )


def check_classes(classes: Any, path: str) -> None:
    """The class names: a non-empty list of unique non-empty strings, in
    the annotation file's ``metainfo.classes`` or the dataset's
    ``metainfo``; a ``ValueError`` / ``TypeError`` naming ``path``.

    Args:
        classes (Any): The class names to check.
        path (str): The annotation file, named in the errors.

    Raises:
        ValueError: No class names (None), or a name given twice.
        TypeError: Not a list or tuple, empty, or holding a name that is
            not a non-empty string.
    """
    if classes is None:
        raise ValueError(
            f'{path}: no class names: give metainfo.classes in the file (a '
            "list of names) or metainfo=dict(classes=[...]) in the dataset's "
            'config'
        )
    if isinstance(classes, str) or not isinstance(classes, (list, tuple)):
        raise TypeError(
            f'{path}: metainfo.classes must be a list of class '
            f'names, got {type(classes).__name__} '
            f'{short_repr(classes)}'
        )
    bad = [c for c in classes if not isinstance(c, str) or not c]
    if bad or not classes:
        raise TypeError(
            f'{path}: metainfo.classes must be non-empty strings'
            f', got {short_repr(bad[0]) if bad else "none"}'
            + (
                ' (YAML reads yes/no/on/off as booleans: quote them)'
                if bad and isinstance(bad[0], bool)
                else ''
            )
        )
    if len(set(classes)) != len(classes):
        repeated = sorted({c for c in classes if classes.count(c) > 1})
        raise ValueError(
            f'{path}: metainfo.classes names {repeated[:5]} more than once'
        )


def looks_valid(data_list: list, classes: Optional[Sequence[str]]) -> bool:
    """A vectorised pass over the common case (dicts with a string
    ``img_path`` and an int-list ``gt_label`` in range, no image twice).
    False sends :func:`check_annotations` row by row, which names the first
    problem; True guarantees it would find none.

    Args:
        data_list (list): The ``data_list`` of an annotation file.
        classes (Sequence[str], optional): The class names; None skips the
            range check of the indices.

    Returns:
        bool: True when every row is valid (or ``data_list`` is empty),
        False when a row needs the row-by-row check.
    """
    if not data_list:
        return True
    if set(map(type, data_list)) != {dict}:
        return False
    paths = [info.get('img_path') for info in data_list]
    labels = [info.get('gt_label') for info in data_list]
    if set(map(type, paths)) != {str} or not all(paths):
        return False
    if set(map(type, labels)) != {list}:
        return False
    if not looks_like_indices(
        list(itertools.chain.from_iterable(labels)), classes
    ):
        return False
    if any('neg_label' in info for info in data_list):
        negatives = [info.get('neg_label', []) for info in data_list]
        if set(map(type, negatives)) != {list} or not looks_like_indices(
            list(itertools.chain.from_iterable(negatives)), classes
        ):
            return False
        if any(
            neg and not set(pos).isdisjoint(neg)
            for pos, neg in zip(labels, negatives)
        ):
            return False
    return len(set(map(osp.normpath, paths))) == len(paths)


def looks_like_indices(values: list, classes) -> bool:
    """Whether ``values`` are all ints in ``[0, len(classes))``.

    Args:
        values (list): Class indices of many rows, flattened.
        classes (Sequence[str], optional): The class names; None skips the
            range check.

    Returns:
        bool: True when they are.
    """
    if not set(map(type, values)) <= {int}:
        return False
    if classes is not None and values:
        try:
            values = np.asarray(values, dtype=np.int64)
        except OverflowError:
            return False
        if values.min() < 0 or values.max() >= len(classes):
            return False
    return True


def check_gt_label(
    gt_label: Any,
    where: str,
    classes: Optional[Sequence[str]],
    field: str = 'gt_label',
) -> None:
    """Check one ``gt_label`` (or ``neg_label``): a list of integer indices
    into ``classes``.

    Args:
        gt_label (Any): The label to check; a list, tuple or array of
            integer class indices passes.
        where (str): The file and row, named in the errors.
        classes (Sequence[str], optional): The class names; None skips the
            range check.
        field (str): The field's name in the errors. Defaults to
            ``'gt_label'``.

    Raises:
        TypeError: Not a list, or holding a class name, a bool or a
            value that is not an integer.
        ValueError: An index outside ``[0, len(classes))``.
    """
    expected = (
        f'{field} must be a list of class indices (integers in '
        f'[0, {len(classes)}))'
        if classes is not None
        else f'{field} must be a list of class indices (integers)'
    )
    if not isinstance(gt_label, (list, tuple, np.ndarray)):
        raise TypeError(
            f'{where}: {expected}, got {gt_label!r} '
            f'({type(gt_label).__name__})'
        )
    for value in gt_label:
        if isinstance(value, str):
            found = (
                f'{value!r} is index {list(classes).index(value)} in '
                'the metainfo classes'
                if classes is not None and value in classes
                else f'{value!r} is not in the metainfo classes either'
            )
            raise TypeError(
                f'{where}: {field} holds class indices, not '
                f'class names; got {value!r} in {gt_label!r} '
                f'({found})'
            )
        if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, numbers.Integral
        ):
            raise TypeError(
                f'{where}: {expected}, got {value!r} '
                f'({type(value).__name__}) in {gt_label!r}'
            )
        if classes is not None and not 0 <= value < len(classes):
            raise ValueError(
                f'{where}: {field} {value} in {gt_label!r} is outside '
                f'[0, {len(classes)}); the metainfo lists {len(classes)} '
                'classes'
            )

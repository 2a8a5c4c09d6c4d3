"""An ``image,label,confidence`` CSV as mmspml's annotation file: observed
positives in ``gt_label``, verified negatives in ``neg_label``
(``tools/dataset_converters/labels_csv_to_json.py``)."""

import os.path as osp
import posixpath
from typing import Optional, Tuple

import numpy as np

from .csv_columns import read_class_list
from .label_csv import read_label_csv
from .labels import NEGATIVE, POSITIVE, SparseLabels


def split_observed(labels: SparseLabels) -> Tuple[SparseLabels, SparseLabels]:
    """The observed positives and the verified negatives of partial labels,
    each as labels without states.

    Args:
        labels (SparseLabels): Partial labels with states (without, every
            entry is a positive).

    Returns:
        tuple[SparseLabels, SparseLabels]: The positives and the
        negatives, the same rows and classes.
    """
    if labels.states is None:
        empty = SparseLabels(
            np.zeros(len(labels) + 1, dtype=np.int64), [], labels.num_classes
        )
        return labels, empty
    row_of = np.repeat(np.arange(len(labels)), np.diff(labels.indptr))
    parts = []
    for state in (POSITIVE, NEGATIVE):
        mask = labels.states == state
        indptr = np.zeros(len(labels) + 1, dtype=np.int64)
        np.cumsum(
            np.bincount(row_of[mask], minlength=len(labels)), out=indptr[1:]
        )
        parts.append(
            SparseLabels(indptr, labels.indices[mask], labels.num_classes)
        )
    return parts[0], parts[1]


def labels_csv_to_annotations(
    csv_path: str,
    classes_file: str,
    img_prefix: str = '',
    data_root: Optional[str] = None,
    skip_missing: bool = False,
) -> Tuple[dict, dict]:
    """An mmspml annotation file (``metainfo.classes``, rows with
    ``img_path``, ``gt_label`` and ``neg_label``) from an
    ``image,label,confidence`` CSV (:func:`read_label_csv`).

    The images keep the order in which they first appear in the CSV; each
    row's ``img_path`` is ``<img_prefix>/<image>``. With ``data_root``,
    every image is looked for at ``<data_root>/<img_path>``.

    Args:
        csv_path (str): The CSV: a header with the columns ``image``,
            ``label`` (a class name of ``classes_file``) and
            ``confidence`` (1 = present, 0 = verified absent; nothing
            else, -1 included).
        classes_file (str): The class names, one per line.
        img_prefix (str): A folder put before every image. Defaults to
            ``''``.
        data_root (str, optional): Where the images must be; None does not
            look for them. Defaults to None.
        skip_missing (bool): Leave out (and count) the images not found
            under ``data_root`` instead of stopping. Defaults to False.

    Returns:
        tuple[dict, dict]: The annotations, and a report: ``images``,
        ``positives``, ``negatives``, ``repeated_rows`` and ``missing``
        (the image paths left out).

    Raises:
        ImportError: pyarrow is not installed.
        ValueError: A bad CSV or class list (see :func:`read_label_csv`
            and :func:`read_class_list`; the CSV itself given as the class
            list included), images not found under
            ``data_root`` without ``skip_missing``, or ``skip_missing``
            without ``data_root``.
    """
    if skip_missing and data_root is None:
        raise ValueError(
            'skip_missing needs data_root: the folder to look for the '
            'images in'
        )
    if osp.isfile(classes_file) and osp.isfile(csv_path):
        if osp.samefile(classes_file, csv_path):
            raise ValueError(
                f'{classes_file}: the class list is the labels CSV itself; '
                'expected a text file with one class name per line '
                '(--classes CLASSES.txt)'
            )
    classes = read_class_list(classes_file)
    table = read_label_csv(csv_path, classes)
    img_paths = [
        posixpath.join(img_prefix, name) if img_prefix else name
        for name in table.image_names()
    ]
    missing = []
    if data_root is not None:
        missing = [
            i
            for i, path in enumerate(img_paths)
            if not osp.isfile(osp.join(data_root, path))
        ]
    if missing and not skip_missing:
        raise ValueError(
            f'{csv_path}: {len(missing)} of {len(img_paths)} images are not '
            f'under {data_root} (first ten: '
            f'{[img_paths[i] for i in missing[:10]]}); fix the paths '
            '(--img-prefix, --data-root) or pass --skip-missing to leave '
            'them out'
        )
    positives, negatives = split_observed(table.labels)
    keep = np.ones(len(img_paths), dtype=bool)
    keep[missing] = False
    data_list = [
        dict(
            img_path=img_paths[row],
            gt_label=positives.positives(row).tolist(),
            neg_label=negatives.positives(row).tolist(),
        )
        for row in np.flatnonzero(keep).tolist()
    ]
    if not data_list:
        raise ValueError(
            f'{csv_path}: none of its {len(img_paths)} images is under '
            f'{data_root}; nothing to write'
        )
    report = dict(
        images=len(data_list),
        positives=sum(len(r['gt_label']) for r in data_list),
        negatives=sum(len(r['neg_label']) for r in data_list),
        repeated_rows=table.repeated_rows,
        missing=[img_paths[i] for i in missing],
    )
    annotations = dict(
        metainfo=dict(classes=list(classes)), data_list=data_list
    )
    return annotations, report

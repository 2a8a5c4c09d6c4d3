"""The parsed labels of an OpenImages labels CSV, cached as a compact
``.npz`` next to it and reused while the CSV and the class list are the
same (no pickles: ``allow_pickle=False``; a cache that does not fit is
parsed again)."""

import io
import logging
import os
import os.path as osp
import zipfile
from typing import Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from mmspml.utils import write_atomically

from .label_csv import ImageLabels, read_label_csv
from .labels import SparseLabels

#: The columns of the labels CSV that are read (``Source`` is not).
OPENIMAGES_COLUMNS = ('ImageID', 'LabelName', 'Confidence')

# Bump when the cache's content changes meaning.
_CACHE_VERSION = 1


def openimages_cache_path(csv_path: str) -> str:
    """Where the parsed labels of a labels CSV are cached: next to it.

    Args:
        csv_path (str): The labels CSV.

    Returns:
        str: ``<csv without .csv>.mmspml-labels.npz``.
    """
    return osp.splitext(csv_path)[0] + '.mmspml-labels.npz'


def _stamp(path: str) -> np.ndarray:
    stat = os.stat(path)
    return np.array([stat.st_size, stat.st_mtime_ns], dtype=np.int64)


def _read_cache(
    path: str, stamp: np.ndarray, label_names: Sequence[str]
) -> Optional[ImageLabels]:
    """The cached labels when the cache exists and was made from this CSV
    (same size and mtime) and this class list; None otherwise."""
    if not osp.isfile(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as cached:
            if (
                int(cached['version']) != _CACHE_VERSION
                or not np.array_equal(cached['stamp'], stamp)
                or cached['classes'].tolist() != list(label_names)
                or not _consistent(cached, len(label_names))
            ):
                return None
            rows, skipped, unknown, dropped, repeated = cached[
                'counts'
            ].tolist()
            return ImageLabels(
                images=cached['images'],
                labels=SparseLabels(
                    cached['indptr'],
                    cached['indices'],
                    len(label_names),
                    cached['states'],
                ),
                classes=tuple(label_names),
                rows=rows,
                skipped_rows=skipped,
                unknown_classes=unknown,
                dropped_images=dropped,
                repeated_rows=repeated,
            )
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        print_log(
            f'{path}: cannot read the label cache ({type(e).__name__}: {e});'
            ' parsing the CSV again',
            logger='current',
            level=logging.WARNING,
        )
        return None


def _consistent(cached, num_classes: int) -> bool:
    """Whether the cached arrays describe valid rows: a cache is rebuilt
    rather than trusted when its offsets, indices or states do not fit."""
    indptr, indices = cached['indptr'], cached['indices']
    return bool(
        indptr.ndim == 1
        and len(indptr) == len(cached['images']) + 1
        and indptr[0] == 0
        and (np.diff(indptr) >= 0).all()
        and indptr[-1] == len(indices) == len(cached['states'])
        and (len(indices) == 0 or int(indices.max()) < num_classes)
    )


def _write_cache(path: str, stamp: np.ndarray, table: ImageLabels) -> None:
    """Write the cache atomically; a folder that cannot be written is
    logged, not an error."""
    labels = table.labels
    small = labels.num_classes <= np.iinfo(np.uint16).max
    buffer = io.BytesIO()
    np.savez(
        buffer,
        version=np.int64(_CACHE_VERSION),
        stamp=stamp,
        classes=np.array(table.classes, dtype=str),
        images=table.images,
        indptr=labels.indptr,
        indices=labels.indices.astype(np.uint16 if small else np.int32),
        states=labels.states,
        counts=np.array(
            [
                table.rows,
                table.skipped_rows,
                table.unknown_classes,
                table.dropped_images,
                table.repeated_rows,
            ],
            dtype=np.int64,
        ),
    )
    try:
        write_atomically(path, buffer.getvalue())
    except OSError as err:
        print_log(
            f'{path}: cannot write the label cache ({err}); the CSV will be '
            'parsed again next time',
            logger='current',
            level=logging.WARNING,
        )


def load_openimages_labels(
    csv_path: str, label_names: Sequence[str], cache: bool = True
) -> Tuple[ImageLabels, bool]:
    """The labels of an OpenImages ``*-human-imagelabels*.csv``: one row per
    ImageID (sorted), the classes of ``label_names`` in their order.

    Rows of a LabelName not in ``label_names`` are skipped and counted, and
    images left without a row are left out. With ``cache``, the labels are
    read from :func:`openimages_cache_path` when it was written from this
    CSV (its size and mtime) and these classes, else parsed and written
    there.

    Args:
        csv_path (str): The labels CSV (``ImageID,Source,LabelName,
            Confidence``).
        label_names (Sequence[str]): The classes (LabelNames), in order.
        cache (bool): Read and write the cache. Defaults to True.

    Returns:
        tuple[ImageLabels, bool]: The labels, and whether they came from
        the cache.

    Raises:
        ImportError: The CSV must be parsed and pyarrow is not installed.
        ValueError: A bad CSV (see :func:`read_label_csv`).
    """
    stamp = _stamp(csv_path)
    cache_path = openimages_cache_path(csv_path)
    if cache:
        table = _read_cache(cache_path, stamp, label_names)
        if table is not None:
            return table, True
    table = read_label_csv(
        csv_path,
        label_names,
        columns=OPENIMAGES_COLUMNS,
        unknown_classes='skip',
        image_order='sorted',
    )
    if cache:
        _write_cache(cache_path, stamp, table)
    return table, False

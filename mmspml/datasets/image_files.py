"""Every image file a dataset cannot read, found at once before training:
missing, not a file, empty or not readable. Only ``os.stat`` and
``os.access`` per file, nothing is opened or decoded (about 1 s per
100,000 images on a 2-core machine); ``on_bad_image='skip'`` is the full,
decoding check."""

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from typing import List, Optional, Sequence, Tuple

# Files per task of the thread pool: stat releases the GIL, which pays on a
# network or cold file system; the pool is not started for fewer files.
_CHUNK = 4096
_THREADS = 8


def file_problem(path: str) -> Optional[str]:
    """Why the local file at ``path`` cannot be an image, from its metadata
    only (the file is not opened).

    Args:
        path (str): A local path.

    Returns:
        str | None: ``'missing'``, ``'not a file'``, ``'empty (0 bytes)'``,
        ``'not readable (permissions)'`` or the error of ``os.stat``; None
        when the file may be read.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return 'missing'
    except OSError as err:
        return f'cannot stat ({type(err).__name__}: {err.strerror or err})'
    if not stat.S_ISREG(info.st_mode):
        return 'not a file'
    if info.st_size == 0:
        return 'empty (0 bytes)'
    if not os.access(path, os.R_OK):
        return 'not readable (permissions)'
    return None


def file_problems(paths: Sequence[str]) -> List[Tuple[str, str]]:
    """:func:`file_problem` of every path, in order.

    Args:
        paths (Sequence[str]): Local paths.

    Returns:
        list[tuple[str, str]]: ``(path, problem)`` of the paths with one.
    """

    def check(chunk):
        found = ((path, file_problem(path)) for path in chunk)
        return [(path, problem) for path, problem in found if problem]

    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    if len(chunks) < 2:
        return check(paths)
    with ThreadPoolExecutor(_THREADS) as pool:
        return [item for part in pool.map(check, chunks) for item in part]


def image_paths_of(dataset, rows=None) -> List[Optional[str]]:
    """The ``img_path`` of every row of ``dataset`` (or of ``rows``).

    Uses the dataset's own ``image_paths(rows)`` when it has one (the
    mmspml datasets: without building each sample's labels), else each
    row's ``get_data_info``; a dataset with neither (an iterable dataset)
    has no paths to give. A row whose image is held in memory (``img``)
    or that has no ``img_path`` gives None.

    Args:
        dataset (Dataset): Any map-style dataset.
        rows (Sequence[int], optional): Only these rows, in that order.
            Defaults to None (all rows).

    Returns:
        list[str | None]: One path (or None) per row.
    """
    own = getattr(dataset, 'image_paths', None)
    if callable(own):
        return own(rows)
    info_of = getattr(dataset, 'get_data_info', None)
    if not callable(info_of):
        return []
    rows = range(len(dataset)) if rows is None else rows
    paths = []
    for row in rows:
        info = info_of(int(row))
        paths.append(None if 'img' in info else info.get('img_path'))
    return paths


def reads_local_files(dataset) -> bool:
    """Whether the image loaders of ``dataset`` (and of the datasets it
    wraps) read local paths: False when one of them has ``backend_args``
    or ``file_client_args`` that name another backend or map paths to one
    (an ``img_path`` that looks local is then read from elsewhere).

    Args:
        dataset (Dataset): The dataset.

    Returns:
        bool: True when every loader found reads from the local disk.
    """
    pending, seen = [dataset], set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        pipeline = getattr(current, 'pipeline', None)
        for transform in getattr(pipeline, 'transforms', None) or []:
            for key in ('backend_args', 'file_client_args'):
                args = getattr(transform, key, None) or {}
                if args.get('path_mapping') or args.get('backend') not in (
                    None,
                    'local',
                    'disk',
                ):
                    return False
        pending.append(getattr(current, 'dataset', None))
        pending.extend(getattr(current, 'datasets', None) or [])
    return True


def unreadable_images(dataset) -> Tuple[List[Tuple[str, str]], int]:
    """The local image files of ``dataset`` that cannot be read
    (:func:`file_problem`), each file checked once.

    Rows without a path, rows held in memory and paths of another file
    backend (a URI such as ``s3://...``, or loaders with ``backend_args``
    of another backend) are not checked.

    Args:
        dataset (Dataset): The dataset.

    Returns:
        tuple[list[tuple[str, str]], int]: ``(path, problem)`` of each bad
        file, in row order, and how many files were checked.
    """
    if not reads_local_files(dataset):
        return [], 0
    paths = list(
        dict.fromkeys(
            path
            for path in image_paths_of(dataset)
            if isinstance(path, str) and '://' not in path
        )
    )
    return file_problems(paths), len(paths)


def check_image_files(
    datasets: Sequence[Tuple[str, object]], before: str = 'training'
) -> None:
    """Raise one error that lists, for every dataset, how many of its image
    files cannot be read and the first ten (:func:`unreadable_images`).

    Args:
        datasets (Sequence[tuple[str, Dataset]]): ``(name, dataset)``
            pairs; the name (e.g. ``'train_dataloader'``) starts the
            dataset's part of the error, followed by the dataset's
            ``describe()`` (its annotation file) when it has one.
        before (str): What the check comes before, in the error. Defaults
            to ``'training'``.

    Raises:
        FileNotFoundError: Some image file of some dataset is missing,
            not a file, empty or not readable.
    """
    parts, total = [], 0
    for name, dataset in datasets:
        bad, checked = unreadable_images(dataset)
        if not bad:
            continue
        total += len(bad)
        describe = getattr(dataset, 'describe', None)
        where = describe() if callable(describe) else type(dataset).__name__
        hint = (
            ' (all of them: check data_root and the img_path prefix)'
            if len(bad) == checked
            else ''
        )
        lines = [f'{name} {where}: {len(bad)} of {checked} images{hint}']
        lines += [f'  {path}: {problem}' for path, problem in bad[:10]]
        if len(bad) > 10:
            lines.append(f'  ... and {len(bad) - 10} more')
        parts.append('\n'.join(lines))
    if parts:
        raise FileNotFoundError(
            f'{total} image {"file" if total == 1 else "files"} cannot be '
            f'read (missing, empty or not readable), found before {before}. '
            'Fix the paths, or set '
            "on_bad_image='skip' on the dataset that reads them to leave "
            'them out:\n' + '\n'.join(parts)
        )

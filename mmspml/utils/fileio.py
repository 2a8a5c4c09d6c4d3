"""Files that are either complete or absent."""

import errno
import os
import os.path as osp
import tempfile
from typing import Union


def no_space_error(err: BaseException, folder: str, what: str) -> OSError:
    """A clear ``OSError(ENOSPC)`` for ``err`` if it is a full disk (an
    ``OSError`` 28, or torch's zip writer failing on one), else None.

    Args:
        err (BaseException): The error a write raised.
        folder (str): The folder written to (named in the message, and
            checked for free space when torch's writer failed without
            saying why).
        what (str): What was being written, for the message.

    Returns:
        OSError | None: An ``OSError`` with ``errno.ENOSPC`` whose message
        names ``folder`` and ``what``, or None when ``err`` is not a full
        disk.
    """
    full = isinstance(err, OSError) and err.errno == errno.ENOSPC
    if not full and isinstance(err, RuntimeError):
        full = 'No space left' in str(err) or (
            'file write failed' in str(err) and _nearly_full(folder)
        )
    if not full:
        return None
    return OSError(
        errno.ENOSPC,
        f'no space left on {folder} while writing {what}; the '
        'partial file was removed',
    )


def _nearly_full(folder: str) -> bool:
    try:
        usage = os.statvfs(folder)
    except OSError:
        return False
    return usage.f_bavail * usage.f_frsize < 1 << 20


def write_atomically(path: str, data: Union[str, bytes]) -> None:
    """Write ``data`` (text or bytes) to a temporary file next to ``path``,
    flush it to disk and rename it into place: a reader (or a restart after
    a kill) sees the old file or the new one, never half of it. On a full
    disk the temporary file is removed and the ``OSError`` says so.

    Args:
        path (str): The file to write; its folder is created if needed.
        data (str | bytes): The content; text is written in text mode.

    Raises:
        OSError: The disk is full (``errno.ENOSPC``, from
            :func:`no_space_error`); any other error is re-raised as it
            is, once the temporary file is removed.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=folder
    )
    try:
        with os.fdopen(fd, 'wb' if isinstance(data, bytes) else 'w') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        if osp.exists(tmp):
            os.remove(tmp)
        full = no_space_error(err, folder, path)
        if full is not None:
            raise full from err
        raise


def first_line(text: str, limit: int = 300) -> str:
    """The first non-blank line of ``text``, at most ``limit`` characters
    (for error messages that quote another error).

    Args:
        text (str): The text; any other object is turned into one.
        limit (int): The most characters kept. Defaults to 300.

    Returns:
        str: The line, or the start of ``text`` when no line has more than
        white space.
    """
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return (lines[0] if lines else str(text))[:limit]


def unique_keys(pairs: list) -> dict:
    """A JSON object whose keys are unique (``json.load``'s
    ``object_pairs_hook``): a key given twice would silently keep only its
    last value, so it is a ``ValueError``.

    Args:
        pairs (list): The ``(key, value)`` pairs of one JSON object, in
            order.

    Returns:
        dict: The object.

    Raises:
        ValueError: A key is given twice.
    """
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f'the key {key!r} is given twice in one object')
        result[key] = value
    return result


def read_json(path: str, what: str, expected: type = dict):
    """The JSON value in ``path``, which must be a ``expected`` (dict or
    list); every failure is a ``ValueError`` (``FileNotFoundError`` for a
    missing file) that names the file, says what it should be (``what``,
    e.g. ``'a thresholds file of calibrate_thresholds.py'``) and what is
    wrong: not JSON (with line and column), binary, nested too deeply, or
    another type at the top.

    Args:
        path (str): The JSON file, read as UTF-8.
        what (str): What the file should be, for the messages.
        expected (type): The type the top-level value must have. Defaults
            to ``dict``.

    Returns:
        dict | list: The value, of type ``expected``.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        ValueError: The file is not valid JSON, is binary, is nested too
            deeply, gives a key twice in one object, or holds another type
            at the top.
    """
    import json

    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: not found; expected {what}')

    try:
        with open(path, encoding='utf-8') as f:
            value = json.load(f, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as err:
        raise ValueError(
            f'{path}: not valid JSON (line {err.lineno}, column '
            f'{err.colno}: {err.msg}); expected {what}'
        ) from None
    except UnicodeDecodeError:
        raise ValueError(
            f'{path}: a binary file, not JSON text; expected {what}'
        ) from None
    except RecursionError:
        raise ValueError(
            f'{path}: JSON nested too deeply to be {what}'
        ) from None
    except ValueError as err:  # a key twice, a number of 5000 digits
        if str(err).startswith(path):
            raise
        raise ValueError(f'{path}: {err}; expected {what}') from None
    if not isinstance(value, expected):
        kind = {dict: 'an object', list: 'an array'}.get(
            expected, expected.__name__
        )
        raise ValueError(
            f'{path}: the JSON holds {type(value).__name__} at '
            f'the top, not {kind}; expected {what}'
        )
    return value

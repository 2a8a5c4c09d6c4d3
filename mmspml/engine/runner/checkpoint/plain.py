"""mmspml's plain checkpoint format: writing it, and rebuilding from it.

MMEngine's message hub keeps its log as ``HistoryBuffer`` objects and its
runtime information holds numpy scalars; ``weights_only=True`` refuses
both. They are written as tagged plain data::

    {'__mmspml_type__': 'HistoryBuffer', 'log_history': <array record>,
     'count_history': <array record>, 'max_length': int}
    {'__mmspml_type__': 'ndarray', 'dtype': '<f8', 'shape': [2, 3],
     'data': bytearray}                    # numbers and booleans only
    {'__mmspml_type__': 'numpy_scalar', ...}   # the same, shape []

and ``meta[FORMAT_KEY] = FORMAT_VERSION``. Everything else is kept as it is
(tensors, numbers, strings, containers, a state dict's ``_metadata``).
"""

import collections
import math
from typing import Any, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

from .errors import CheckpointError
from .validate import LEAVES, PLAIN_KEYS, walk

FORMAT_KEY = 'mmspml_checkpoint_format'
FORMAT_VERSION = 1
TYPE_KEY = '__mmspml_type__'
# numpy dtypes a plain checkpoint may hold: numbers and booleans, either
# byte order; never objects, strings, structured or void dtypes.
PLAIN_DTYPES = frozenset(
    np.dtype(name).newbyteorder(order).str
    for name in (
        'bool',
        'int8',
        'int16',
        'int32',
        'int64',
        'uint8',
        'uint16',
        'uint32',
        'uint64',
        'float16',
        'float32',
        'float64',
        'complex64',
        'complex128',
    )
    for order in ('<', '>')
)
MAX_DIM = 1 << 40


# ---------------------------------------------------------------- saving
def _array_record(array: np.ndarray, where: str) -> dict:
    if array.dtype.str not in PLAIN_DTYPES:
        raise TypeError(
            f'checkpoint{where}: a numpy array of dtype {array.dtype} cannot '
            'be saved as plain data (numbers and booleans only); store a '
            'list or a tensor instead.'
        )
    # bytearray, not bytes: torch pickles b'' through builtins.bytes, which
    # weights_only=True refuses.
    return {
        TYPE_KEY: 'ndarray',
        'dtype': array.dtype.str,
        'shape': list(array.shape),
        'data': bytearray(np.ascontiguousarray(array).tobytes()),
    }


def _plain_key(key: Any, where: str) -> Any:
    if isinstance(key, np.generic) and type(key.item()) in PLAIN_KEYS:
        return key.item()
    if type(key) in PLAIN_KEYS:
        return key
    raise TypeError(
        f'checkpoint{where}: a dict key of type '
        f'{type(key).__name__} cannot be saved as plain data '
        '(str, int, float, bool, None).'
    )


def to_plain(obj: Any, where: str = '') -> Any:
    """``obj`` with every ``HistoryBuffer``, numpy array and numpy scalar
    replaced by tagged plain data, in new containers (the live objects a
    checkpoint refers to are never changed).

    Args:
        obj: A checkpoint or a part of it.
        where (str): The key path of ``obj``, for error messages.

    Returns:
        The plain copy.

    Raises:
        TypeError: An object that has no plain form, named by its key path
            (``checkpoint['meta']['x']``).
    """
    if isinstance(obj, torch.Tensor) or type(obj) in LEAVES:
        return obj
    if isinstance(obj, (np.str_, np.bytes_)):
        return obj.item()
    if isinstance(obj, HistoryBuffer):
        log_history, count_history = obj.data
        return {
            TYPE_KEY: 'HistoryBuffer',
            'log_history': _array_record(log_history, where),
            'count_history': _array_record(count_history, where),
            'max_length': int(obj.max_length),
        }
    if isinstance(obj, np.ndarray):
        return _array_record(obj, where)
    if isinstance(obj, np.generic):
        record = _array_record(np.asarray(obj), where)
        record[TYPE_KEY] = 'numpy_scalar'
        return record
    if isinstance(obj, dict):
        if TYPE_KEY in obj:
            raise TypeError(
                f'checkpoint{where}: the key {TYPE_KEY!r} is '
                "reserved for mmspml's plain format."
            )
        items = [
            (_plain_key(k, where), to_plain(v, f'{where}[{k!r}]'))
            for k, v in obj.items()
        ]
        if not isinstance(obj, collections.OrderedDict):
            return dict(items)
        ordered = collections.OrderedDict(items)
        metadata = getattr(obj, '_metadata', None)
        if metadata is not None:  # a state dict's module versions
            ordered._metadata = to_plain(metadata, f'{where}._metadata')
        return ordered
    if isinstance(obj, (list, tuple)):
        values = [to_plain(v, f'{where}[{i}]') for i, v in enumerate(obj)]
        return values if isinstance(obj, list) else tuple(values)
    if isinstance(obj, (set, frozenset)):
        return {_plain_key(v, f'{where}{{}}') for v in obj}
    raise TypeError(
        f'checkpoint{where}: {type(obj).__module__}.{type(obj).__name__} '
        'cannot be saved as plain data (tensors, numbers, strings, lists, '
        'tuples, dicts, numpy arrays and MMEngine log buffers can); a '
        'loader with weights_only=True could not read it back.'
    )


def plain_checkpoint(checkpoint: dict) -> dict:
    """What :class:`~mmspml.engine.SPMLRunner` saves: ``checkpoint`` as
    plain data (:func:`to_plain`) with ``meta[FORMAT_KEY]`` set.

    Args:
        checkpoint (dict): The checkpoint MMEngine's runner assembled; it
            is not changed.

    Returns:
        dict: The plain copy, with ``meta[FORMAT_KEY] = FORMAT_VERSION``.

    Raises:
        TypeError: An object that has no plain form, named by its key
            path.
    """
    plain = to_plain(checkpoint)
    meta = dict(plain.get('meta') or {})
    meta[FORMAT_KEY] = FORMAT_VERSION
    plain['meta'] = meta
    return plain


# ------------------------------------------------------------ rebuilding
class _Budget:
    """Bytes that records may rebuild: a file cannot make many records
    share one buffer and have it copied each time."""

    def __init__(self, limit: Optional[int], filename: str):
        self.left, self.limit, self.filename = limit, limit, filename

    def spend(self, nbytes: int, where: str) -> None:
        if self.left is None:
            return
        self.left -= nbytes
        if self.left < 0:
            raise CheckpointError(
                f'{self.filename}: checkpoint{where}: its numpy records '
                f"rebuild more than the file's {self.limit} bytes; a "
                'crafted file.'
            )


def _array_from_record(
    record: Any, where: str, filename: str, budget: _Budget
) -> np.ndarray:
    fields = {TYPE_KEY, 'dtype', 'shape', 'data'}
    problem = None
    if not isinstance(record, dict) or set(record) != fields:
        fields_found = (
            sorted(map(str, record)) if isinstance(record, dict) else record
        )
        problem = f'has the fields {fields_found!r}'
    else:
        dtype, shape, data = (
            dict.get(record, k) for k in ('dtype', 'shape', 'data')
        )
        if type(dtype) is not str or dtype not in PLAIN_DTYPES:
            problem = f'has the dtype {dtype!r} (numbers and booleans only)'
        elif (
            type(shape) is not list
            or len(shape) > 32
            or not all(type(n) is int and 0 <= n < MAX_DIM for n in shape)
        ):
            problem = f'has the shape {shape!r}'
        elif (
            type(data) not in (bytes, bytearray)
            or len(data) != math.prod(shape) * np.dtype(dtype).itemsize
        ):
            size = len(data) if type(data) in (bytes, bytearray) else data
            problem = (
                f'has {size!r} bytes of data for the shape {shape} '
                f'and dtype {dtype}'
            )
    if problem:
        raise CheckpointError(
            f'{filename}: checkpoint{where} (a numpy '
            f'array) {problem}; the file is corrupt.'
        )
    budget.spend(len(data), where)
    return (
        np.frombuffer(bytes(data), dtype=np.dtype(dtype)).reshape(shape).copy()
    )


def _history_buffer_from_record(
    record: dict, where: str, filename: str, budget: _Budget
) -> HistoryBuffer:
    fields = {TYPE_KEY, 'log_history', 'count_history', 'max_length'}
    problem = None
    if set(record) != fields:
        problem = f'has the fields {sorted(map(str, record))}'
    else:
        log = _array_from_record(
            dict.get(record, 'log_history'), where, filename, budget
        )
        count = _array_from_record(
            dict.get(record, 'count_history'), where, filename, budget
        )
        max_length = dict.get(record, 'max_length')
        if log.ndim != 1 or count.shape != log.shape:
            problem = (
                f'has histories of shapes {log.shape} and '
                f'{count.shape} (two 1-D arrays of one length)'
            )
        elif type(max_length) is not int or max_length < 1:
            problem = f'has max_length {max_length!r}'
        elif not (
            np.issubdtype(log.dtype, np.number)
            and np.issubdtype(count.dtype, np.number)
        ):
            problem = 'has non-numeric histories'
    if problem:
        raise CheckpointError(
            f'{filename}: checkpoint{where} (a log '
            f'buffer) {problem}; the file is corrupt.'
        )
    return HistoryBuffer(log, count, max_length)


def restore_checkpoint(
    checkpoint: Any, filename: str, max_bytes: Optional[int] = None
) -> Any:
    """Rebuild the objects :func:`plain_checkpoint` wrote as tagged plain
    data (log buffers, numpy arrays and scalars), in fresh built-in
    containers (an ``OrderedDict`` keeps its ``_metadata``).

    Args:
        checkpoint: What ``torch.load`` returned (and
            :func:`~.validate.check_plain` accepted).
        filename (str): The file, for error messages.
        max_bytes (int, optional): The most bytes the records may rebuild
            in all (the file's size). Defaults to None (no limit).

    Returns:
        The checkpoint. Records are rebuilt only when ``meta[FORMAT_KEY]``
        is set; a newer format is refused.
    """
    meta = (
        dict.get(checkpoint, 'meta') if isinstance(checkpoint, dict) else None
    )
    version = dict.get(meta, FORMAT_KEY) if isinstance(meta, dict) else None
    if version is not None and (
        type(version) is not int or not 1 <= version <= FORMAT_VERSION
    ):
        raise CheckpointError(
            f'{filename}: meta.{FORMAT_KEY} is {version!r}; this mmspml '
            f'reads format 1 to {FORMAT_VERSION}: the file was written by a '
            'newer mmspml (upgrade) or is corrupt.'
        )
    budget = _Budget(max_bytes, filename)

    def visit(obj, where, recurse=None):
        if version is not None and isinstance(obj, dict) and TYPE_KEY in obj:
            kind = dict.get(obj, TYPE_KEY)
            if kind == 'HistoryBuffer':
                return _history_buffer_from_record(
                    obj, where, filename, budget
                )
            if kind in ('ndarray', 'numpy_scalar'):
                array = _array_from_record(obj, where, filename, budget)
                if kind == 'ndarray':
                    return array
                if array.shape != ():
                    raise CheckpointError(
                        f'{filename}: checkpoint{where} (a numpy scalar) has '
                        f'the shape {array.shape}; the file is corrupt.'
                    )
                return array[()]
            raise CheckpointError(
                f'{filename}: checkpoint{where} is tagged {kind!r}, which '
                'this mmspml does not know; the file is corrupt.'
            )
        if isinstance(obj, dict):
            values = [
                (k, recurse(v, f'{where}[{k!r}]'[:200]))
                for k, v in dict.items(obj)
            ]
            if isinstance(obj, collections.OrderedDict):
                rebuilt = collections.OrderedDict(values)
                if '_metadata' in obj.__dict__:
                    rebuilt._metadata = obj.__dict__['_metadata']
                return rebuilt
            return dict(values)
        if isinstance(obj, (list, tuple)):
            values = [
                recurse(v, f'{where}[{i}]'[:200]) for i, v in enumerate(obj)
            ]
            return values if isinstance(obj, list) else tuple(values)
        if isinstance(obj, set):
            return set(obj)
        return obj

    return walk(checkpoint, visit, filename)

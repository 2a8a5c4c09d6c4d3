"""Checkpoints as plain data, and loading them without running code.

A PyTorch checkpoint is a pickle. ``torch.load(weights_only=True)`` rebuilds
only tensors, numbers, strings and containers, and refuses everything else
-- unless a program allow-lists more types, and every allow-listed class
with a free ``__dict__`` or a numpy constructor lets a crafted file forge
pointers (a segfault, or a read of process memory). So mmspml allows
nothing beyond torch's own list:

- **Saving** (:func:`plain_checkpoint`): MMEngine's message hub keeps its
  log as ``HistoryBuffer`` objects and its runtime information holds numpy
  scalars. They are written as tagged plain data -- ``{'__mmspml_type__':
  'HistoryBuffer', 'log_history': ..., 'count_history': ..., 'max_length':
  int}``, numpy arrays and scalars as their dtype string, shape and raw
  bytes -- and the checkpoint's ``meta`` gets :data:`FORMAT_KEY` =
  :data:`FORMAT_VERSION`. Plain MMEngine (no mmspml imported) loads such a
  file with torch's default ``weights_only=True``.
- **Loading** (:func:`load_checkpoint_file`): ``weights_only=True`` with no
  extra allow-list, then :func:`check_plain` walks what came back (only
  plain tensors with no attributes, containers whose ``__dict__`` holds at
  most a state dict's ``_metadata``, no reference cycles, bounded nesting),
  then :func:`restore_checkpoint` rebuilds the tagged objects, validating
  each (numeric dtypes only, sizes that match the bytes).
- **Trusted files** need an explicit opt-in per call: ``trust=True``
  (``--trust-checkpoint`` of the tools, ``trust_checkpoint = True`` in a
  config) or the ``trusted://`` prefix for ``init_cfg=dict(type=
  'Pretrained')``. That is full unpickling: it runs any code the file
  holds. ``tools/convert_checkpoint.py`` rewrites a trusted old checkpoint
  in the plain format once.

Errors name the file and say what to do (:class:`CheckpointError`).
"""
import collections
import io
import math
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import Any, Callable, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import CheckpointLoader

from mmspml.utils.fileio import write_atomically

FORMAT_KEY = 'mmspml_checkpoint_format'
FORMAT_VERSION = 1
TYPE_KEY = '__mmspml_type__'
# A prefix for init_cfg=dict(type='Pretrained', checkpoint=...): full
# unpickling of that file (it can run code), the explicit opt-in.
TRUSTED_PREFIX = 'trusted://'
# A prefix that loads the rest with load_checkpoint_file: SPMLRunner gives
# it to every Pretrained checkpoint (MMEngine downloads URLs with full
# unpickling, torch.hub's default).
SAFE_PREFIX = 'safe://'
MAX_DEPTH = 64

# numpy dtypes a plain checkpoint may hold: numbers and booleans, native or
# explicit byte order; never objects, strings, structured or void dtypes.
_PLAIN_DTYPES = frozenset(
    np.dtype(name).newbyteorder(order).str
    for name in ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8',
                 'uint16', 'uint32', 'uint64', 'float16', 'float32',
                 'float64', 'complex64', 'complex128')
    for order in ('<', '>'))
_LEAVES = (type(None), bool, int, float, complex, str, bytes, bytearray,
           torch.Size, torch.dtype, torch.device)
_DOWNLOAD = re.compile(r'^(https?|torchvision|modelzoo|open-mmlab|openmmlab)'
                       r'://')


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message names the file
    and what to do."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint that holds objects safe loading does not rebuild."""


def _ways_out(filename: str) -> str:
    stem = osp.splitext(osp.basename(str(filename)))[0]
    return (
        'If the file comes from a source you trust (loading it this way '
        'runs any code it holds), either convert it once: `python '
        f'tools/convert_checkpoint.py {filename} {stem}_plain.pth`, or load '
        'it with --trust-checkpoint (tools/train.py, test.py, predict.py, '
        'deployment/export_onnx.py; the config key trust_checkpoint=True; '
        f"for init_cfg Pretrained: checkpoint='{TRUSTED_PREFIX}{filename}').")


# ---------------------------------------------------------------- saving
def _array_record(array: np.ndarray, where: str) -> dict:
    if array.dtype.str not in _PLAIN_DTYPES:
        raise TypeError(
            f'checkpoint{where}: a numpy array of dtype {array.dtype} cannot '
            'be saved as plain data (numbers and booleans only); store a '
            'list or a tensor instead.')
    return {TYPE_KEY: 'ndarray', 'dtype': array.dtype.str,
            'shape': list(array.shape),
            'data': np.ascontiguousarray(array).tobytes()}


def to_plain(obj: Any, where: str = '') -> Any:
    """``obj`` with every ``HistoryBuffer``, numpy array and numpy scalar
    replaced by tagged plain data, in new containers (the live objects a
    checkpoint refers to are never changed).

    Raises:
        TypeError: An object that has no plain form, named by its key path
            (``checkpoint['meta']['x']``).
    """
    if isinstance(obj, torch.Tensor) or type(obj) in _LEAVES:
        return obj
    if isinstance(obj, HistoryBuffer):
        log_history, count_history = obj.data
        return {TYPE_KEY: 'HistoryBuffer',
                'log_history': _array_record(log_history, where),
                'count_history': _array_record(count_history, where),
                'max_length': int(obj.max_length)}
    if isinstance(obj, np.ndarray):
        return _array_record(obj, where)
    if isinstance(obj, np.generic):
        record = _array_record(np.asarray(obj), where)
        record[TYPE_KEY] = 'numpy_scalar'
        return record
    if isinstance(obj, dict):
        if TYPE_KEY in obj:
            raise TypeError(f'checkpoint{where}: the key {TYPE_KEY!r} is '
                            'reserved for mmspml\'s plain format.')
        items = []
        for key, value in obj.items():
            if type(key) not in (str, int, float, bool, type(None)):
                raise TypeError(f'checkpoint{where}: a dict key of type '
                                f'{type(key).__name__} cannot be saved as '
                                'plain data (str, int, float, bool, None).')
            items.append((key, to_plain(value, f'{where}[{key!r}]')))
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
    if isinstance(obj, set):
        return {to_plain(v, f'{where}{{}}') for v in obj}
    raise TypeError(
        f'checkpoint{where}: {type(obj).__module__}.{type(obj).__name__} '
        'cannot be saved as plain data (tensors, numbers, strings, lists, '
        'tuples, dicts, numpy arrays and MMEngine log buffers can); a '
        'loader with weights_only=True could not read it back.')


def plain_checkpoint(checkpoint: dict) -> dict:
    """What :class:`~mmspml.engine.SPMLRunner` saves: ``checkpoint`` as
    plain data (:func:`to_plain`) with ``meta[FORMAT_KEY]`` set."""
    plain = to_plain(checkpoint)
    meta = dict(plain.get('meta') or {})
    meta[FORMAT_KEY] = FORMAT_VERSION
    plain['meta'] = meta
    return plain


# --------------------------------------------------------------- loading
def _walk(obj: Any, visit: Callable, where: str, filename: str,
          depth: int, done: dict, active: set) -> Any:
    """Depth-first over containers, each container once (a file can make a
    small pickle refer to one list 2**60 times), refusing cycles and
    nesting past :data:`MAX_DEPTH`."""
    if not isinstance(obj, (dict, list, tuple, set)):
        return visit(obj, where)
    key = id(obj)
    if key in done:
        return done[key]
    if key in active:
        raise CheckpointError(f'{filename}: checkpoint{where} contains '
                              'itself (a reference cycle); not a checkpoint.')
    if depth > MAX_DEPTH:
        raise CheckpointError(
            f'{filename}: checkpoint{where} is nested deeper than '
            f'{MAX_DEPTH} levels; not a checkpoint.')
    active.add(key)
    try:
        result = visit(obj, where, lambda value, sub: _walk(
            value, visit, sub, filename, depth + 1, done, active))
    finally:
        active.discard(key)
    done[key] = result
    return result


def _check_tensor(tensor: torch.Tensor, where: str, filename: str) -> None:
    problem = None
    if type(tensor) not in (torch.Tensor, torch.nn.Parameter):
        problem = f'a tensor subclass {type(tensor).__name__}'
    elif tensor.layout != torch.strided or tensor.is_quantized or \
            tensor.is_nested:
        problem = f'a {tensor.layout} / quantized / nested tensor'
    elif tensor.is_meta:
        problem = 'a tensor without data (meta device)'
    elif tensor.__dict__:
        problem = ('a tensor with attributes '
                   f'{sorted(map(str, tensor.__dict__))[:5]}')
    if problem:
        raise CheckpointError(
            f'{filename}: checkpoint{where} is {problem}; a checkpoint holds '
            'plain dense tensors only.')


def _check_state_dict_metadata(obj: collections.OrderedDict, where: str,
                               filename: str) -> None:
    attributes = dict(obj.__dict__)
    metadata = attributes.pop('_metadata', None)
    if attributes:
        raise CheckpointError(
            f'{filename}: checkpoint{where} is an OrderedDict with the '
            f'attributes {sorted(map(str, attributes))[:5]}; a state dict '
            'has at most _metadata.')
    if metadata is None:
        return
    ok = isinstance(metadata, dict) and all(
        isinstance(k, str) and isinstance(v, dict) and all(
            isinstance(name, str) and type(value) in (
                (int, ) if name == 'version' else (int, bool, str))
            for name, value in v.items())
        for k, v in metadata.items())
    if not ok:
        raise CheckpointError(
            f'{filename}: checkpoint{where}._metadata is not a state dict\'s '
            "metadata (module name -> {'version': int})")


def check_plain(checkpoint: Any, filename: str) -> None:
    """Raise :class:`CheckpointError` unless ``checkpoint`` (what
    ``torch.load(weights_only=True)`` returned) is plain data: dense tensors
    with no attributes, numbers, strings, bytes, lists, tuples, sets and
    dicts with plain keys; no cycles; at most :data:`MAX_DEPTH` levels."""

    def visit(obj, where, recurse=None):
        if isinstance(obj, torch.Tensor):
            _check_tensor(obj, where, filename)
        elif type(obj) in (dict, collections.OrderedDict, collections.Counter):
            if isinstance(obj, collections.OrderedDict):
                _check_state_dict_metadata(obj, where, filename)
            for key, value in obj.items():
                if type(key) not in (str, int, float, bool, type(None),
                                     tuple, bytes):
                    raise CheckpointError(
                        f'{filename}: checkpoint{where} has a key of type '
                        f'{type(key).__name__}; not a checkpoint.')
                recurse(value, f'{where}[{key!r}]'[:200])
        elif type(obj) in (list, tuple, set):
            for i, value in enumerate(obj):
                recurse(value, f'{where}[{i}]'[:200])
        elif type(obj) not in _LEAVES:
            raise UnsafeCheckpointError(
                f'{filename}: checkpoint{where} is a '
                f'{type(obj).__module__}.{type(obj).__name__}, which a '
                'checkpoint does not hold. ' + _ways_out(filename))

    _walk(checkpoint, visit, '', filename, 0, {}, set())


def _array_from_record(record: dict, where: str, filename: str) -> np.ndarray:
    fields = {TYPE_KEY, 'dtype', 'shape', 'data'}
    dtype, shape, data = (record.get(k) for k in ('dtype', 'shape', 'data'))
    problem = None
    if set(record) != fields:
        problem = f'has the fields {sorted(map(str, record))}'
    elif not isinstance(dtype, str) or dtype not in _PLAIN_DTYPES:
        problem = f'has the dtype {dtype!r} (numbers and booleans only)'
    elif not isinstance(shape, list) or not all(
            type(n) is int and n >= 0 for n in shape) or len(shape) > 32:
        problem = f'has the shape {shape!r}'
    elif not isinstance(data, bytes) or len(data) != \
            math.prod(shape) * np.dtype(dtype).itemsize:
        problem = (f'has {len(data) if isinstance(data, bytes) else data!r}'
                   f' bytes of data for the shape {shape} and dtype {dtype}')
    if problem:
        raise CheckpointError(f'{filename}: checkpoint{where} (a numpy '
                              f'array) {problem}; the file is corrupt.')
    return np.frombuffer(data, dtype=np.dtype(dtype)).reshape(shape).copy()


def _history_buffer_from_record(record: dict, where: str,
                                filename: str) -> HistoryBuffer:
    fields = {TYPE_KEY, 'log_history', 'count_history', 'max_length'}
    problem = None
    if set(record) != fields:
        problem = f'has the fields {sorted(map(str, record))}'
    else:
        log = _array_from_record(record['log_history'], where, filename)
        count = _array_from_record(record['count_history'], where, filename)
        max_length = record['max_length']
        if log.ndim != 1 or count.shape != log.shape:
            problem = (f'has histories of shapes {log.shape} and '
                       f'{count.shape} (two 1-D arrays of one length)')
        elif type(max_length) is not int or max_length < 1:
            problem = f'has max_length {max_length!r}'
        elif not (np.issubdtype(log.dtype, np.number)
                  and np.issubdtype(count.dtype, np.number)):
            problem = 'has non-numeric histories'
    if problem:
        raise CheckpointError(f'{filename}: checkpoint{where} (a log '
                              f'buffer) {problem}; the file is corrupt.')
    return HistoryBuffer(log, count, max_length)


def restore_checkpoint(checkpoint: Any, filename: str) -> Any:
    """Rebuild the objects :func:`plain_checkpoint` wrote as tagged plain
    data (log buffers, numpy arrays and scalars); everything else is
    returned as it is. A file of a newer format is refused."""
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    version = meta.get(FORMAT_KEY) if isinstance(meta, dict) else None
    if version is None:
        return checkpoint
    if type(version) is not int or not 1 <= version <= FORMAT_VERSION:
        raise CheckpointError(
            f'{filename}: meta.{FORMAT_KEY} is {version!r}; this mmspml '
            f'reads format 1 to {FORMAT_VERSION}: the file was written by a '
            'newer mmspml (upgrade) or is corrupt.')

    def visit(obj, where, recurse=None):
        if isinstance(obj, dict) and TYPE_KEY in obj:
            kind = obj[TYPE_KEY]
            if kind == 'HistoryBuffer':
                return _history_buffer_from_record(obj, where, filename)
            if kind in ('ndarray', 'numpy_scalar'):
                array = _array_from_record(obj, where, filename)
                if kind == 'ndarray':
                    return array
                if array.shape != ():
                    raise CheckpointError(
                        f'{filename}: checkpoint{where} (a numpy scalar) has '
                        f'the shape {array.shape}; the file is corrupt.')
                return array[()]
            raise CheckpointError(
                f'{filename}: checkpoint{where} is tagged {kind!r}, which '
                'this mmspml does not know; the file is corrupt.')
        if isinstance(obj, dict):
            values = [(k, recurse(v, f'{where}[{k!r}]'[:200]))
                      for k, v in obj.items()]
            if isinstance(obj, collections.OrderedDict):
                rebuilt = collections.OrderedDict(values)
                if '_metadata' in obj.__dict__:
                    rebuilt._metadata = obj._metadata
                return rebuilt
            return dict(values)
        if isinstance(obj, (list, tuple)):
            values = [recurse(v, f'{where}[{i}]'[:200])
                      for i, v in enumerate(obj)]
            return values if isinstance(obj, list) else tuple(values)
        return obj

    return _walk(checkpoint, visit, '', filename, 0, {}, set())


def _refused_type(message: str) -> Optional[str]:
    found = (re.search(r'GLOBAL ([\w.]+)', message)
             or re.search(r"but got <class '([\w.]+)'>", message))
    return found.group(1) if found else None


def _download_url(filename: str) -> str:
    """The http(s) URL of a ``torchvision://``, ``modelzoo://``,
    ``open-mmlab://`` or http(s) checkpoint, as MMEngine resolves them."""
    from mmengine.runner import checkpoint as mmengine_checkpoint
    scheme, name = filename.split('://', 1)
    if scheme in ('http', 'https'):
        return filename
    if scheme in ('torchvision', 'modelzoo'):
        urls = mmengine_checkpoint.get_torchvision_models()
    else:
        urls = mmengine_checkpoint.get_external_models()
        name = mmengine_checkpoint.get_deprecated_model_names().get(
            name, name)
    url = urls.get(name)
    if not isinstance(url, str) or not url.startswith(
            ('http://', 'https://')):
        raise CheckpointError(
            f'{filename}: {scheme}:// does not name a downloadable model '
            f'{name!r}; give the file or its URL.')
    return url


def _check_zip_members(filename: str) -> None:
    """A zip checkpoint's member names, from its central directory: no
    name twice (readers would disagree on which one is the file), none
    outside the archive's folder."""
    if not zipfile.is_zipfile(filename):
        return  # torch's legacy format, or not a checkpoint: torch says
    try:
        with zipfile.ZipFile(filename) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise CheckpointError(f'{filename}: a damaged zip archive: '
                              f'{err}') from None
    seen = set()
    for name in names:
        if name in seen or name.startswith('/') or '..' in name.split('/'):
            raise CheckpointError(
                f'{filename}: the zip archive holds the member {name!r} '
                + ('twice' if name in seen else 'outside its folder') +
                '; torch.save never writes that: a crafted file.')
        seen.add(name)


def _downloaded(filename: str) -> str:
    """The local copy of a download (torch.hub's cache, where MMEngine
    keeps it too), fetched first if it is not there."""
    from urllib.parse import urlparse
    url = _download_url(filename)
    cache = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(cache, exist_ok=True)
    cached = osp.join(cache, osp.basename(urlparse(url).path))
    if not osp.isfile(cached):
        torch.hub.download_url_to_file(url, cached, progress=True)
    return cached


def _read(filename: str, map_location, weights_only: bool) -> Any:
    if _DOWNLOAD.match(filename):
        filename = _downloaded(filename)
    elif '://' in filename:
        if not weights_only:
            raise CheckpointError(
                f'{filename}: trusted loading reads local files and '
                'http(s) URLs; copy the file to a local path.')
        # Remote file backends (s3://, petrel://): MMEngine's loaders call
        # torch.load with its default, weights_only=True.
        return CheckpointLoader.load_checkpoint(filename, map_location)
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint {filename!r} not found' +
            (' (it is a folder)' if osp.isdir(filename) else ''))
    size = osp.getsize(filename)
    if size == 0:
        raise CheckpointError(f'{filename}: the file is empty (0 bytes); a '
                              'write was interrupted or the copy failed.')
    _check_zip_members(filename)
    return torch.load(filename, map_location=map_location,
                      weights_only=weights_only)


def load_checkpoint_file(filename: Union[str, os.PathLike],
                         map_location: Union[str, Callable, None] = 'cpu',
                         trust: bool = False) -> Any:
    """Load a checkpoint without running code from it.

    Local files, http(s) URLs, ``torchvision://``, ``open-mmlab://`` (both
    downloaded as MMEngine does) and remote backends are read with
    ``torch.load(weights_only=True)`` and torch's own allow-list only; the
    result must pass :func:`check_plain`; then :func:`restore_checkpoint`
    rebuilds what mmspml wrote as tagged plain data.

    Args:
        filename (str | PathLike): The file or URL; a ``trusted://`` prefix
            is the same as ``trust=True``, ``safe://`` is ignored.
        map_location (str | callable, optional): As for ``torch.load``.
            Defaults to ``'cpu'``.
        trust (bool): Full unpickling, for files from a source you trust:
            it runs any code the file holds. Defaults to False.

    Returns:
        The checkpoint (usually a dict with ``state_dict`` and ``meta``).

    Raises:
        FileNotFoundError: A local file that does not exist.
        UnsafeCheckpointError: The file holds objects safe loading does not
            rebuild (the message names the type and the two ways out).
        CheckpointError: An empty, truncated, corrupt or crafted file.
    """
    filename = os.fspath(filename)
    if filename.startswith(TRUSTED_PREFIX):
        filename, trust = filename[len(TRUSTED_PREFIX):], True
    elif filename.startswith(SAFE_PREFIX):
        filename = filename[len(SAFE_PREFIX):]
    try:
        checkpoint = _read(filename, map_location, weights_only=not trust)
    except (FileNotFoundError, CheckpointError):
        raise
    except pickle.UnpicklingError as err:
        message = str(err)
        refused = _refused_type(message)
        if refused:
            raise UnsafeCheckpointError(
                f'{filename}: holds {refused}, which safe loading '
                '(torch.load weights_only=True) does not rebuild: a '
                'checkpoint mmspml writes holds only tensors, numbers, '
                'strings and containers; files written by plain MMEngine or '
                'an older mmspml hold numpy and HistoryBuffer objects. '
                + _ways_out(filename)) from None
        detail = message.split('WeightsUnpickler error:', 1)[-1]
        raise CheckpointError(
            f'{filename}: not a loadable checkpoint (truncated, corrupt or '
            f'crafted): the unpickler says {_first_line(detail)!r}') from None
    except (EOFError, RuntimeError, OSError, ValueError, KeyError,
            IndexError, TypeError, AttributeError, MemoryError,
            RecursionError, OverflowError, NotImplementedError,
            UnicodeDecodeError, AssertionError) as err:
        raise CheckpointError(
            f'{filename}: not a loadable checkpoint (truncated, corrupt or '
            f'not a PyTorch file): {type(err).__name__}: '
            f'{_first_line(str(err))}') from None
    if trust:
        return restore_checkpoint(checkpoint, filename)
    check_plain(checkpoint, filename)
    return restore_checkpoint(checkpoint, filename)


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[0] if lines else text)[:300]


def save_plain_checkpoint(checkpoint: dict, path: str) -> None:
    """Write ``checkpoint`` in mmspml's plain format (what
    ``tools/convert_checkpoint.py`` does to a trusted old file)."""
    buffer = io.BytesIO()
    torch.save(plain_checkpoint(checkpoint), buffer)
    write_atomically(path, buffer.getvalue())


def check_checkpoint_layout(checkpoint, filename: str, resume: bool) -> None:
    """What the runner reads of a checkpoint, checked before it reads it:
    a dict whose ``state_dict`` (or itself) maps names to tensors; to
    resume, also ``meta.epoch`` / ``meta.iter`` (ints), ``message_hub`` and
    ``optimizer`` (dicts)."""
    def fail(problem):
        raise CheckpointError(f'{filename}: {problem}')

    if not isinstance(checkpoint, dict):
        fail(f'not a checkpoint (a dict with a state_dict), got '
             f'{type(checkpoint).__name__}')
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        fail(f'state_dict is a {type(state).__name__}, not a dict')
    keys = [k for k in state if not isinstance(k, str)]
    if keys:
        fail(f'state_dict has a key {keys[0]!r} of type '
             f'{type(keys[0]).__name__}; its keys are parameter names')
    bad = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if bad and 'state_dict' in checkpoint:
        fail(f'state_dict[{bad[0]!r}] is a {type(state[bad[0]]).__name__}, '
             'not a tensor')
    meta = checkpoint.get('meta')
    if meta is not None and not isinstance(meta, dict):
        fail(f'meta is a {type(meta).__name__}, not a dict')
    dataset_meta = (meta or {}).get('dataset_meta')
    if dataset_meta is not None:
        classes = dataset_meta.get('classes') if isinstance(
            dataset_meta, dict) else None
        if not isinstance(dataset_meta, dict) or (
                classes is not None and (not isinstance(
                    classes, (list, tuple)) or not all(
                        isinstance(c, str) for c in classes))):
            fail('meta.dataset_meta.classes must be a list of class names '
                 f'(strings), got {str(dataset_meta)[:80]}')
    if not resume:
        return
    if not isinstance(meta, dict) or not all(
            type(meta.get(k)) is int and meta[k] >= 0
            for k in ('epoch', 'iter')):
        fail('cannot resume from it: meta.epoch and meta.iter (training '
             'progress) are missing or not integers; a file of weights '
             'only is loaded with load_from, not --resume.')
    for key in ('message_hub', 'optimizer'):
        if key in checkpoint and not isinstance(checkpoint[key], dict):
            fail(f'cannot resume from it: {key} is a '
                 f'{type(checkpoint[key]).__name__}, not a dict')
    hub = checkpoint.get('message_hub')
    if isinstance(hub, dict) and not all(
            isinstance(hub.get(k, {}), dict)
            for k in ('log_scalars', 'runtime_info', 'resumed_keys')):
        fail('cannot resume from it: message_hub holds a non-dict '
             'log_scalars / runtime_info / resumed_keys')


def _load_from_prefixed(filename: str, map_location=None):
    checkpoint = load_checkpoint_file(filename, map_location)
    for prefix in (SAFE_PREFIX, TRUSTED_PREFIX):
        if filename.startswith(prefix):
            filename = filename[len(prefix):]
    check_checkpoint_layout(checkpoint, filename, resume=False)
    return checkpoint


# MMEngine's public extension point: two new prefixes, nothing replaced.
# ``safe://`` is what SPMLRunner gives Pretrained checkpoints;
# ``trusted://`` is a user's explicit opt-in for one file.
CheckpointLoader.register_scheme(prefixes=(SAFE_PREFIX, TRUSTED_PREFIX),
                                 loader=_load_from_prefixed)


def route_pretrained_through_safe_loading(model: torch.nn.Module) -> list:
    """Prefix every ``init_cfg=dict(type='Pretrained')`` checkpoint of
    ``model`` with ``safe://``, so that MMEngine loads it with
    :func:`load_checkpoint_file` (its own loader downloads URLs with full
    unpickling). ``trusted://`` and remote-backend paths are left alone.
    Returns the ``(module name, checkpoint)`` pairs changed."""
    changed = []
    for name, module in model.named_modules():
        cfgs = getattr(module, 'init_cfg', None)
        for cfg in cfgs if isinstance(cfgs, list) else [cfgs]:
            if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
                continue
            ckpt = cfg.get('checkpoint')
            if not isinstance(ckpt, str) or ckpt.startswith(
                    (TRUSTED_PREFIX, SAFE_PREFIX)):
                continue
            if '://' in ckpt and not _DOWNLOAD.match(ckpt):
                continue
            cfg['checkpoint'] = SAFE_PREFIX + ckpt
            changed.append((name or 'model', ckpt))
    return changed

"""What ``torch.load(weights_only=True)`` returned must be plain data.

torch's own allow-list still lets a file set attributes on tensors,
``OrderedDict`` and ``Counter`` objects (``__array_interface__`` on a tensor
makes ``np.asarray`` read any address; an ``items`` attribute on a
``Counter`` hides what it holds from a walk that calls ``obj.items()``),
nest containers without bound, share one list 2**70 times or make it hold
itself. :func:`check_plain` refuses all of these before anything else reads
the checkpoint.
"""

import collections
from typing import Any, Callable

import torch

from .errors import CheckpointError, UnsafeCheckpointError, ways_out

MAX_DEPTH = 64
LEAVES = (
    type(None),
    bool,
    int,
    float,
    complex,
    str,
    bytes,
    bytearray,
    torch.Size,
    torch.dtype,
    torch.device,
)
PLAIN_KEYS = (str, int, float, bool, type(None))
_CONTAINERS = (
    dict,
    collections.OrderedDict,
    collections.Counter,
    list,
    tuple,
    set,
)


def walk(obj: Any, visit: Callable, filename: str) -> Any:
    """``visit(obj, where, recurse)`` depth-first from the top; each
    container once (a small pickle can refer to one list 2**70 times),
    refusing cycles and nesting past :data:`MAX_DEPTH`.

    Args:
        obj (Any): The loaded checkpoint, or a part of it.
        visit (Callable): Called as ``visit(value, where)`` for a value
            that is not a container, and as ``visit(value, where,
            recurse)`` for a container (dict, ``OrderedDict``, ``Counter``,
            list, tuple, set); it calls ``recurse(sub, sub_where)`` on what
            the container holds. ``where`` is the key path, e.g.
            ``"['meta']['epoch']"``.
        filename (str): The file, named in the errors.

    Returns:
        Any: What ``visit`` returns for ``obj``; a container reached again
        gives the result of its first visit.

    Raises:
        CheckpointError: A container that holds itself, or nesting deeper
            than :data:`MAX_DEPTH`.
    """
    done, active = {}, set()

    def recurse(value, where, depth=0):
        if not isinstance(value, _CONTAINERS):
            return visit(value, where)
        key = id(value)
        if key in done:
            return done[key]
        if key in active:
            raise CheckpointError(
                f'{filename}: checkpoint{where} contains itself (a '
                'reference cycle); not a checkpoint.'
            )
        if depth > MAX_DEPTH:
            raise CheckpointError(
                f'{filename}: checkpoint{where[:120]}... is nested deeper '
                f'than {MAX_DEPTH} levels; not a checkpoint.'
            )
        active.add(key)
        try:
            result = visit(
                value,
                where,
                lambda sub, sub_where: recurse(sub, sub_where, depth + 1),
            )
        finally:
            active.discard(key)
        done[key] = result
        return result

    return recurse(obj, '')


def _check_tensor(tensor: torch.Tensor, where: str, filename: str) -> None:
    problem = None
    if type(tensor) not in (torch.Tensor, torch.nn.Parameter):
        problem = f'a tensor subclass {type(tensor).__name__}'
    elif (
        tensor.layout != torch.strided
        or tensor.is_quantized
        or tensor.is_nested
    ):
        problem = f'a {tensor.layout} / quantized / nested tensor'
    elif tensor.is_meta:
        problem = 'a tensor without data (meta device)'
    elif tensor.__dict__:
        problem = (
            f'a tensor with attributes {sorted(map(str, tensor.__dict__))[:5]}'
        )
    if problem:
        raise CheckpointError(
            f'{filename}: checkpoint{where} is {problem}; a checkpoint holds '
            'plain dense tensors only.'
        )


def _check_attributes(obj: Any, where: str, filename: str) -> None:
    """Only a state dict's ``_metadata`` (module name -> ``{'version':
    int}``) may sit on a container."""
    attributes = dict(getattr(obj, '__dict__', {}))
    metadata = (
        attributes.pop('_metadata', None)
        if isinstance(obj, collections.OrderedDict)
        else None
    )
    if attributes:
        raise CheckpointError(
            f'{filename}: checkpoint{where} is a {type(obj).__name__} with '
            f'the attributes {sorted(map(str, attributes))[:5]}; a '
            "checkpoint's containers have none (a state dict: _metadata)."
        )
    if metadata is None:
        return
    ok = (
        type(metadata) in (dict, collections.OrderedDict)
        and not getattr(metadata, '__dict__', None)
        and all(
            type(k) is str
            and type(v) is dict
            and all(
                type(name) is str
                and type(value)
                in ((int,) if name == 'version' else (int, bool, str))
                for name, value in dict.items(v)
            )
            for k, v in dict.items(metadata)
        )
    )
    if not ok:
        raise CheckpointError(
            f"{filename}: checkpoint{where}._metadata is not a state dict's "
            "metadata (module name -> {'version': int})"
        )


def check_plain(checkpoint: Any, filename: str) -> None:
    """Raise :class:`CheckpointError` unless ``checkpoint`` (what
    ``torch.load(weights_only=True)`` returned) is plain data.

    Plain: dense tensors with no attributes; numbers, strings and bytes;
    lists, tuples, sets and dicts with str / int / float / bool / None keys,
    none with attributes (but a state dict's ``_metadata``); no cycles; at
    most :data:`MAX_DEPTH` levels.

    Args:
        checkpoint: The loaded object.
        filename (str): The file, named in every error.
    """

    def visit(obj, where, recurse=None):
        kind = type(obj)
        if isinstance(obj, torch.Tensor):
            _check_tensor(obj, where, filename)
        elif kind in (dict, collections.OrderedDict, collections.Counter):
            _check_attributes(obj, where, filename)
            for key, value in dict.items(obj):
                if type(key) not in PLAIN_KEYS:
                    raise CheckpointError(
                        f'{filename}: checkpoint{where} has a key of type '
                        f'{type(key).__name__}; not a checkpoint.'
                    )
                recurse(value, f'{where}[{key!r}]'[:200])
        elif kind in (list, tuple, set):
            for i, value in enumerate(obj):
                recurse(value, f'{where}[{i}]'[:200])
        elif kind not in LEAVES:
            raise UnsafeCheckpointError(
                f'{filename}: checkpoint{where} is a '
                f'{kind.__module__}.{kind.__name__}, which a checkpoint does '
                'not hold. ' + ways_out(filename)
            )

    walk(checkpoint, visit, filename)

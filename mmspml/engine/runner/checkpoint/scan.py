"""Checks of a checkpoint file before ``torch.load`` reads it.

- The zip's member names (its central directory only): no name twice
  (readers would disagree on which one is the file), none outside the
  archive's folder.
- The pickle's nesting depth, from its opcodes, without building anything:
  the unpickler itself is not recursive, but hashing a dict key that is a
  tuple nested a million deep is, and crashes the process (SIGSEGV) inside
  ``torch.load(weights_only=True)``.
"""

import pickletools
import zipfile
from typing import IO, Optional

from .errors import CheckpointError

MAX_PICKLE_DEPTH = 100
# Opcodes that push one thing of no depth.
_LEAF_OPS = frozenset(
    'NONE NEWTRUE NEWFALSE INT BININT BININT1 BININT2 LONG LONG1 LONG4 '
    'FLOAT BINFLOAT STRING BINSTRING SHORT_BINSTRING UNICODE BINUNICODE '
    'SHORT_BINUNICODE BINUNICODE8 BINBYTES SHORT_BINBYTES BINBYTES8 '
    'BYTEARRAY8 GLOBAL BINPERSID PERSID EMPTY_TUPLE EMPTY_LIST EMPTY_DICT '
    'EMPTY_SET'.split()
)
_EMPTY_CONTAINERS = frozenset(
    'EMPTY_TUPLE EMPTY_LIST EMPTY_DICT EMPTY_SET'.split()
)


def check_zip_members(filename: str) -> None:
    """Refuse a zip checkpoint whose central directory lists a member twice
    or one outside the archive's folder; other files are left to torch.

    Args:
        filename (str): The local checkpoint file.

    Raises:
        CheckpointError: A damaged zip archive, or a member listed twice or
            outside the archive's folder.
    """
    if not zipfile.is_zipfile(filename):
        return
    try:
        with zipfile.ZipFile(filename) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise CheckpointError(
            f'{filename}: a damaged zip archive: {err}'
        ) from None
    seen = set()
    for name in names:
        if name in seen or name.startswith('/') or '..' in name.split('/'):
            raise CheckpointError(
                f'{filename}: the zip archive holds the member {name!r} '
                + ('twice' if name in seen else 'outside its folder')
                + '; torch.save never writes that: a crafted file.'
            )
        seen.add(name)


def pickle_depth(stream: IO[bytes]) -> Optional[int]:
    """The deepest nesting of containers one pickle in ``stream`` builds
    (read up to its STOP), or None when the opcodes are not ones this scan
    follows (then torch's unpickler decides).

    Args:
        stream (IO[bytes]): A binary stream at the start of a pickle; it
            is read up to the pickle's STOP opcode.

    Returns:
        int | None: The depth (0 for a pickle of a leaf, 1 for a flat
        container), or None.
    """
    stack, marks, memo, deepest = [], [], {}, 0

    def push(depth):
        nonlocal deepest
        deepest = max(deepest, depth)
        stack.append(depth)

    def pop(n=1):
        taken = stack[len(stack) - n :] if n else []
        del stack[len(stack) - n :]
        return max(taken, default=0)

    def pop_mark():
        start = marks.pop()
        taken = stack[start:]
        del stack[start:]
        return max(taken, default=0)

    try:
        for opcode, arg, _ in pickletools.genops(stream):
            name = opcode.name
            if name in _EMPTY_CONTAINERS:
                push(1)
            elif name in _LEAF_OPS:
                push(0)
            elif name == 'MARK':
                marks.append(len(stack))
            elif name in ('TUPLE1', 'TUPLE2', 'TUPLE3'):
                push(1 + pop(int(name[-1])))
            elif name in ('TUPLE', 'LIST', 'DICT', 'FROZENSET'):
                push(1 + pop_mark())
            elif name in ('APPEND', 'SETITEM', 'BUILD'):
                inner = pop(2 if name == 'SETITEM' else 1)
                push(max(pop(), 1 + inner))
            elif name in ('APPENDS', 'SETITEMS', 'ADDITEMS'):
                inner = pop_mark()
                push(max(pop(), 1 + inner))
            elif name in ('REDUCE', 'NEWOBJ'):
                push(1 + pop(2))
            elif name == 'STACK_GLOBAL':
                pop(2)
                push(0)
            elif name in ('BINPUT', 'LONG_BINPUT', 'PUT', 'MEMOIZE'):
                memo[len(memo) if name == 'MEMOIZE' else arg] = stack[-1]
            elif name in ('BINGET', 'LONG_BINGET', 'GET'):
                push(memo[arg])
            elif name == 'POP':
                pop()
            elif name == 'STOP':
                return deepest
            elif name not in ('PROTO', 'FRAME'):
                return None
    except (ValueError, KeyError, IndexError, EOFError, OSError):
        return None  # not a pickle this scan can follow: torch decides
    return None


def check_pickle_depth(filename: str) -> None:
    """Refuse a checkpoint whose object pickle nests containers deeper than
    :data:`MAX_PICKLE_DEPTH` (a checkpoint nests about ten).

    Both of torch's formats are scanned: the ``.pkl`` members of a zip
    checkpoint, or the first pickles of a legacy file.

    Args:
        filename (str): The local checkpoint file.

    Raises:
        CheckpointError: A pickle nested too deeply, or a compressed
            ``.pkl`` member (``torch.save`` stores them as they are).
    """
    depths = []
    if zipfile.is_zipfile(filename):
        with zipfile.ZipFile(filename) as archive:
            for info in archive.infolist():
                if not info.filename.endswith('.pkl'):
                    continue
                if info.compress_type != zipfile.ZIP_STORED:
                    raise CheckpointError(
                        f'{filename}: the zip member {info.filename!r} is '
                        'compressed; torch.save stores members as they are: '
                        'a crafted file.'
                    )
                with archive.open(info) as member:
                    depths.append(pickle_depth(member))
    else:
        # torch's legacy format: a magic number, a protocol version and the
        # system info, then the object; storages follow.
        with open(filename, 'rb') as f:
            for _ in range(4):
                depth = pickle_depth(f)
                if depth is None:
                    break
                depths.append(depth)
    deepest = max((d for d in depths if d is not None), default=0)
    if deepest > MAX_PICKLE_DEPTH:
        raise CheckpointError(
            f'{filename}: its pickle nests containers {deepest} levels deep '
            f'(a checkpoint nests about ten; the limit is '
            f'{MAX_PICKLE_DEPTH}); a crafted file.'
        )

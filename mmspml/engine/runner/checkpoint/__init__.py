"""Checkpoints as plain data, and loading them without running code.

A PyTorch checkpoint is a pickle. ``torch.load(weights_only=True)`` rebuilds
only tensors, numbers, strings and containers, and refuses everything else
-- unless a program allow-lists more types, and every allow-listed class
with a free ``__dict__`` or a numpy constructor lets a crafted file forge
pointers (a segfault, or a read of process memory). So mmspml allows
nothing beyond torch's own list:

- :mod:`.plain` -- **saving**: MMEngine's ``HistoryBuffer`` log and numpy
  values are written as tagged plain data, ``meta[FORMAT_KEY]`` says which
  version; rebuilding them, validated, on load.
- :mod:`.scan` -- before ``torch.load``: the zip's member names and the
  pickle's nesting depth (a deeply nested tuple key crashes the unpickler).
- :mod:`.validate` -- after ``torch.load``: only plain data may come back.
- :mod:`.load` -- :func:`load_checkpoint_file`, the one reader every entry
  point uses, and the ``safe://`` / ``trusted://`` prefixes.
- :mod:`.layout` -- what the runner and the tools read of a checkpoint,
  checked before they read it (resuming trusts nothing the file says about
  paths, seeds or code).
- :mod:`.files` -- writing a file atomically, removing what a killed
  write left.
- :mod:`.weights` -- :func:`load_checkpoint_checked`: a checkpoint's
  weights into a model built from a config, shapes checked (prediction,
  export).

Trusting a file (full unpickling, which runs any code it holds) is an
explicit opt-in per call: ``trust=True``, ``--trust-checkpoint`` of the
tools, ``trust_checkpoint = True`` in a config, or ``trusted://`` for an
``init_cfg=dict(type='Pretrained')`` of a config.
"""

from .errors import CheckpointError, UnsafeCheckpointError
from .files import remove_partial_checkpoints, replace_atomically
from .layout import check_checkpoint_layout, check_resume_state
from .load import (
    SAFE_PREFIX,
    TRUSTED_PREFIX,
    load_checkpoint_file,
    route_pretrained_through_safe_loading,
    save_plain_checkpoint,
)
from .plain import (
    FORMAT_KEY,
    FORMAT_VERSION,
    TYPE_KEY,
    plain_checkpoint,
    restore_checkpoint,
    to_plain,
)
from .validate import MAX_DEPTH, check_plain
from .weights import load_checkpoint_checked

__all__ = [
    'remove_partial_checkpoints',
    'replace_atomically',
    'CheckpointError',
    'UnsafeCheckpointError',
    'check_checkpoint_layout',
    'check_resume_state',
    'load_checkpoint_file',
    'save_plain_checkpoint',
    'route_pretrained_through_safe_loading',
    'plain_checkpoint',
    'restore_checkpoint',
    'to_plain',
    'check_plain',
    'FORMAT_KEY',
    'FORMAT_VERSION',
    'TYPE_KEY',
    'SAFE_PREFIX',
    'TRUSTED_PREFIX',
    'MAX_DEPTH',
    'load_checkpoint_checked',
]

"""What the runner and the tools read of a checkpoint, checked before they
read it.

Plain data can still lie. Resuming hands the message hub's runtime
information to MMEngine's hooks: ``best_ckpt`` is a path the checkpoint
hook deletes when a better epoch comes and that ``TestBestCheckpointHook``
loads; ``meta['config']`` is Python source that ``Runner.resume`` executes;
``meta['seed']`` seeds numpy. So a checkpoint says nothing about code,
paths outside its folder, or trust.
"""

import math
import numbers
import os.path as osp
from typing import Any

import torch

from .errors import CheckpointError

_HUB_KEYS = ('log_scalars', 'runtime_info', 'resumed_keys')

# torch.nn.Module's key suffix for get_extra_state / set_extra_state.
EXTRA_STATE_KEY = '_extra_state'


def _fail(filename: str, problem: str):
    raise CheckpointError(f'{filename}: {problem}')


def check_checkpoint_layout(
    checkpoint: Any, filename: str, resume: bool
) -> None:
    """Raise :class:`CheckpointError` unless ``checkpoint`` has the layout
    the runner reads.

    Always: a dict whose ``state_dict`` (or itself) maps names to tensors
    (or, for keys ending in ``_extra_state``, to dicts),
    an optional ``meta`` dict whose ``dataset_meta.classes`` is a list of
    strings. To resume, also ``meta.epoch`` / ``meta.iter`` (ints),
    ``meta.seed`` (an int in ``[0, 2**32)`` or None), a ``message_hub`` with
    its three dicts, an ``optimizer`` with ``state`` and ``param_groups``,
    and ``param_schedulers`` as lists of dicts.

    Args:
        checkpoint: What :func:`~.load.load_checkpoint_file` returned.
        filename (str): The file, named in every error.
        resume (bool): Check what resuming reads too.
    """
    if not isinstance(checkpoint, dict):
        _fail(
            filename,
            'not a checkpoint (a dict with a state_dict), got '
            f'{type(checkpoint).__name__}',
        )
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        _fail(filename, f'state_dict is a {type(state).__name__}, not a dict')
    keys = [k for k in state if not isinstance(k, str)]
    if keys:
        _fail(
            filename,
            f'state_dict has a key {keys[0]!r} of type '
            f'{type(keys[0]).__name__}; its keys are parameter names',
        )
    # A module's extra state (the SPML losses' per-sample state) is a dict,
    # already checked to be plain data; the module checks its contents.
    bad = [
        k
        for k, v in state.items()
        if not isinstance(v, torch.Tensor)
        and not (k.endswith(EXTRA_STATE_KEY) and isinstance(v, dict))
    ]
    if bad and 'state_dict' in checkpoint:
        _fail(
            filename,
            f'state_dict[{bad[0]!r}] is a '
            f'{type(state[bad[0]]).__name__}, not a tensor',
        )
    meta = checkpoint.get('meta')
    if meta is not None and not isinstance(meta, dict):
        _fail(filename, f'meta is a {type(meta).__name__}, not a dict')
    dataset_meta = (meta or {}).get('dataset_meta')
    if dataset_meta is not None:
        classes = (
            dataset_meta.get('classes')
            if isinstance(dataset_meta, dict)
            else None
        )
        if not isinstance(dataset_meta, dict) or (
            classes is not None
            and (
                not isinstance(classes, (list, tuple))
                or not all(isinstance(c, str) for c in classes)
            )
        ):
            _fail(
                filename,
                'meta.dataset_meta.classes must be a list of '
                f'class names (strings), got {str(dataset_meta)[:80]}',
            )
    if resume:
        _check_resume_layout(checkpoint, meta, filename)


def _check_resume_layout(checkpoint: dict, meta, filename: str) -> None:
    if not isinstance(meta, dict) or not all(
        type(meta.get(k)) is int and meta[k] >= 0 for k in ('epoch', 'iter')
    ):
        _fail(
            filename,
            'cannot resume from it: meta.epoch and meta.iter '
            '(training progress) are missing or not integers; a file of '
            'weights only is loaded with load_from, not --resume.',
        )
    seed = meta.get('seed')
    if seed is not None and (type(seed) is not int or not 0 <= seed < 2**32):
        _fail(
            filename,
            f'cannot resume from it: meta.seed is {seed!r}, not '
            'an int in [0, 2**32)',
        )
    hub = checkpoint.get('message_hub')
    if hub is not None and (
        not isinstance(hub, dict)
        or not all(isinstance(hub.get(k), dict) for k in _HUB_KEYS)
    ):
        _fail(
            filename,
            'cannot resume from it: message_hub must be a dict '
            'of the dicts log_scalars, runtime_info and resumed_keys',
        )
    optimizer = checkpoint.get('optimizer')
    if optimizer is not None and not _optimizer_like(optimizer):
        _fail(
            filename,
            'cannot resume from it: optimizer is not an '
            "optimizer's state dict (state: dict, param_groups: list of "
            'dicts), nor a dict of them',
        )
    schedulers = checkpoint.get('param_schedulers')
    groups = (
        (
            list(schedulers.values())
            if isinstance(schedulers, dict)
            else [schedulers]
        )
        if schedulers is not None
        else []
    )
    for group in groups:
        if not isinstance(group, list) or not all(
            isinstance(s, dict)
            and 'optimizer' not in s
            and all(isinstance(k, str) for k in s)
            for s in group
        ):
            _fail(
                filename,
                'cannot resume from it: param_schedulers must '
                'be lists of scheduler state dicts (without an optimizer)',
            )


def _optimizer_like(state: Any) -> bool:
    if isinstance(state, dict) and 'param_groups' in state:
        return (
            isinstance(state.get('state'), dict)
            and isinstance(state['param_groups'], list)
            and all(isinstance(g, dict) for g in state['param_groups'])
        )
    # OptimWrapperDict or ChainedOptimizer: one state dict per optimizer
    # (beside the wrapper's own base_param_settings).
    parts = (
        {k: v for k, v in state.items() if k != 'base_param_settings'}
        if isinstance(state, dict)
        else {}
    )
    return bool(parts) and all(
        isinstance(v, dict) and 'param_groups' in v and _optimizer_like(v)
        for v in parts.values()
    )


def check_resume_state(
    checkpoint: dict, filename: str, work_dir: str, trusted: bool, logger
) -> None:
    """Make what ``Runner.resume`` hands on harmless, in place.

    - ``meta['config']``, which ``Runner.resume`` would execute as Python,
      is refused unless the file is trusted (mmspml and MMEngine never
      write it; MMCV 1.x did).
    - ``runtime_info`` paths (``best_ckpt*``, ``last_ckpt``): MMEngine's
      checkpoint hook deletes the old best file and
      ``TestBestCheckpointHook`` loads it. One with a scheme (``://``) is
      refused; a local one outside ``work_dir`` and the checkpoint's
      folder (a moved work dir, or a crafted path) is forgotten, with a
      warning, so that nothing outside the run is ever deleted.
    - ``best_score*`` must be finite numbers, ``keep_ckpt_ids`` a list of
      ints: else a :class:`CheckpointError`.

    Args:
        checkpoint (dict): The loaded checkpoint, already checked by
            :func:`check_checkpoint_layout` with ``resume=True``; its
            ``runtime_info`` may lose keys.
        filename (str): The file, named in every error and warning.
        work_dir (str): The run's work dir, where the paths may point.
        trusted (bool): Whether the file was loaded as trusted
            (``--trust-checkpoint``): then ``meta['config']``, paths with
            a scheme and local paths anywhere are kept.
        logger (Logger): Logs the forgotten paths.

    Raises:
        CheckpointError: An untrusted ``meta['config']``, a path that is
            not a string (or, untrusted, has a scheme), a ``best_score*``
            that is not a finite number or a ``keep_ckpt_ids`` that is not
            a list of ints.
    """
    meta = checkpoint.get('meta') or {}
    if 'config' in meta and not trusted:
        _fail(
            filename,
            'cannot resume from it: meta.config is Python source '
            "that MMEngine's resume would run (mmspml and MMEngine never "
            'write it; MMCV 1.x did); resume only a file you trust, with '
            '--trust-checkpoint.',
        )
    info = (checkpoint.get('message_hub') or {}).get('runtime_info') or {}
    folders = {osp.realpath(work_dir), osp.realpath(osp.dirname(filename))}
    for key in list(info):
        value = info[key]
        if key.startswith('best_ckpt') or key == 'last_ckpt':
            if not isinstance(value, str) or ('://' in value and not trusted):
                _fail(
                    filename,
                    f'cannot resume from it: runtime_info'
                    f'[{key!r}] is {str(value)[:120]!r}; the checkpoint '
                    'hook deletes and loads that path, which must be a '
                    'local file of the run.',
                )
            if (
                not trusted
                and '://' not in value
                and osp.realpath(osp.dirname(value)) not in folders
            ):
                info.pop(key)  # a moved work dir: forget, never delete
                logger.warning(
                    f'{filename}: ignored runtime_info[{key!r}] = '
                    f'{value[:120]!r}: not a file in {work_dir} or the '
                    "checkpoint's folder."
                )
        elif key.startswith('best_score'):
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not math.isfinite(value)
            ):
                _fail(
                    filename,
                    f'cannot resume from it: runtime_info'
                    f'[{key!r}] is {str(value)[:80]!r}, not a finite '
                    'number',
                )
        elif key == 'keep_ckpt_ids':
            if not isinstance(value, list) or not all(
                type(v) is int for v in value
            ):
                _fail(
                    filename,
                    'cannot resume from it: runtime_info'
                    "['keep_ckpt_ids'] is not a list of ints",
                )

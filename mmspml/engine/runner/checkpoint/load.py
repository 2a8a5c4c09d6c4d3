"""The one checkpoint reader every entry point uses, and the ``safe://`` /
``trusted://`` prefixes registered in MMEngine's ``CheckpointLoader``."""

import io
import os
import os.path as osp
import pickle
import re
from typing import Any, Callable, Union

import torch
from mmengine.runner import CheckpointLoader

from mmspml.utils.fileio import write_atomically

from .errors import (
    CheckpointError,
    UnsafeCheckpointError,
    first_line,
    ways_out,
)
from .layout import check_checkpoint_layout
from .plain import plain_checkpoint, restore_checkpoint
from .scan import check_pickle_depth, check_zip_members
from .validate import check_plain

# init_cfg=dict(type='Pretrained', checkpoint='trusted://...'): full
# unpickling of that one file (it can run code), the explicit opt-in.
TRUSTED_PREFIX = 'trusted://'
# What SPMLRunner gives every Pretrained checkpoint, so that MMEngine reads
# it with load_checkpoint_file (its own loader unpickles downloads fully).
SAFE_PREFIX = 'safe://'
# Downloads, resolved as MMEngine resolves them, then read like local files.
_DOWNLOAD = re.compile(
    r'^(https?|torchvision|modelzoo|open-mmlab|openmmlab)'
    r'://'
)
# Remote file backends whose MMEngine loaders call torch.load with its
# default, weights_only=True.
_REMOTE = ('s3://', 'petrel://', 'pavi://')


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
        name = mmengine_checkpoint.get_deprecated_model_names().get(name, name)
    url = urls.get(name)
    if not isinstance(url, str) or not url.startswith(('http://', 'https://')):
        raise CheckpointError(
            f'{filename}: {scheme}:// does not name a downloadable model '
            f'{name!r}; give the file or its URL.'
        )
    return url


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


def _read(filename: str, map_location, weights_only: bool):
    """``(checkpoint, size in bytes or None)``."""
    if _DOWNLOAD.match(filename):
        filename = _downloaded(filename)
    elif filename.startswith(_REMOTE):
        if not weights_only:
            raise CheckpointError(
                f'{filename}: trusted loading reads local files and '
                'http(s) URLs; copy the file to a local path.'
            )
        return CheckpointLoader.load_checkpoint(filename, map_location), None
    elif '://' in filename:
        raise CheckpointError(
            f'{filename}: safe loading reads local files, http(s), '
            'torchvision://, open-mmlab:// and s3:// / petrel:// / pavi:// '
            f'paths, not {filename.split("://")[0]}://; give the file or its '
            'URL.'
        )
    if not osp.isfile(filename):
        raise FileNotFoundError(
            f'checkpoint {filename!r} not found'
            + (' (it is a folder)' if osp.isdir(filename) else '')
        )
    size = osp.getsize(filename)
    if size == 0:
        raise CheckpointError(
            f'{filename}: the file is empty (0 bytes); a '
            'write was interrupted or the copy failed.'
        )
    if weights_only:
        check_zip_members(filename)
        check_pickle_depth(filename)
    return torch.load(
        filename, map_location=map_location, weights_only=weights_only
    ), size


def _refused_type(message: str):
    found = re.search(r'GLOBAL ([\w.]+)', message) or re.search(
        r"but got <class '([\w.]+)'>", message
    )
    return found.group(1) if found else None


def load_checkpoint_file(
    filename: Union[str, os.PathLike],
    map_location: Union[str, Callable, None] = 'cpu',
    trust: bool = False,
) -> Any:
    """Load a checkpoint without running code from it.

    Local files, http(s) URLs, ``torchvision://`` and ``open-mmlab://``
    (downloaded as MMEngine does) are checked (:mod:`.scan`), read with
    ``torch.load(weights_only=True)`` and torch's own allow-list only, must
    be plain data (:func:`~.validate.check_plain`), and then have what
    mmspml wrote as tagged plain data rebuilt
    (:func:`~.plain.restore_checkpoint`). ``s3://``, ``petrel://`` and
    ``pavi://`` go through MMEngine's loaders (``weights_only=True`` too)
    and the same checks. A ``safe://`` prefix is ignored; ``trusted://`` is
    refused here: it is the opt-in of a config's ``Pretrained`` weights,
    and a path read from a checkpoint must not be able to opt in.

    Args:
        filename (str | PathLike): The file or URL.
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
        raise CheckpointError(
            f'{filename}: the trusted:// prefix is for init_cfg '
            'Pretrained in a config; for this file use --trust-checkpoint '
            '(trust_checkpoint=True).'
        )
    if filename.startswith(SAFE_PREFIX):
        filename = filename[len(SAFE_PREFIX) :]
    try:
        checkpoint, size = _read(
            filename, map_location, weights_only=not trust
        )
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
                + ways_out(filename)
            ) from None
        detail = message.split('WeightsUnpickler error:', 1)[-1]
        raise CheckpointError(
            f'{filename}: not a loadable checkpoint (truncated, corrupt or '
            f'crafted): the unpickler says {first_line(detail)!r}'
        ) from None
    except Exception as err:  # noqa: B902 (any failure of a bad file)
        raise CheckpointError(
            f'{filename}: not a loadable checkpoint (truncated, corrupt or '
            f'not a PyTorch file): {type(err).__name__}: '
            f'{first_line(str(err))}'
        ) from None
    if not trust:
        check_plain(checkpoint, filename)
    return restore_checkpoint(checkpoint, filename, max_bytes=size)


def save_plain_checkpoint(checkpoint: dict, path: str) -> None:
    """Write ``checkpoint`` in mmspml's plain format (what
    ``tools/convert_checkpoint.py`` does to a trusted old file).

    Args:
        checkpoint (dict): The loaded checkpoint.
        path (str): The file to write; it is replaced atomically, so an
            interrupted write leaves no half-written file.

    Raises:
        TypeError: An object of the checkpoint has no plain form
            (:func:`~.plain.to_plain`).
    """
    buffer = io.BytesIO()
    torch.save(plain_checkpoint(checkpoint), buffer)
    write_atomically(path, buffer.getvalue())


def _load_from_prefixed(filename: str, map_location=None):
    """MMEngine's loader for ``safe://`` and ``trusted://`` paths (a
    config's ``Pretrained`` weights, through ``CheckpointLoader``)."""
    trust = filename.startswith(TRUSTED_PREFIX)
    path = filename.split('://', 1)[1]
    checkpoint = load_checkpoint_file(path, map_location, trust=trust)
    check_checkpoint_layout(checkpoint, path, resume=False)
    return checkpoint


# MMEngine's public extension point: two new prefixes, nothing replaced.
CheckpointLoader.register_scheme(
    prefixes=(SAFE_PREFIX, TRUSTED_PREFIX), loader=_load_from_prefixed
)


def route_pretrained_through_safe_loading(model: torch.nn.Module) -> list:
    """Prefix every ``init_cfg=dict(type='Pretrained')`` checkpoint of
    ``model`` with ``safe://``, so that MMEngine loads it with
    :func:`load_checkpoint_file` (its own loader downloads URLs with full
    unpickling, and so loads ``mmcls://`` names). ``trusted://`` paths and
    remote backends (``s3://``, ``petrel://``, ``pavi://``: MMEngine loads
    them with ``weights_only=True``) are left alone.

    Args:
        model (torch.nn.Module): The model, changed in place: the
            ``init_cfg`` of its modules are rewritten.

    Returns:
        list: The ``(module name, checkpoint)`` pairs changed.
    """
    changed = []
    for name, module in model.named_modules():
        cfgs = getattr(module, 'init_cfg', None)
        for cfg in cfgs if isinstance(cfgs, list) else [cfgs]:
            if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
                continue
            ckpt = cfg.get('checkpoint')
            if not isinstance(ckpt, str) or ckpt.startswith(
                (TRUSTED_PREFIX, SAFE_PREFIX) + _REMOTE
            ):
                continue
            cfg['checkpoint'] = SAFE_PREFIX + ckpt
            changed.append((name or 'model', ckpt))
    return changed

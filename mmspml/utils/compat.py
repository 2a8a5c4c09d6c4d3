"""Compatibility shims for the pinned OpenMMLab stack; all of them live here.

Safe checkpoint loading (``docs/checkpoints.md`` says why): torch >= 2.6
loads checkpoints with ``weights_only=True``, which rejects what MMEngine
0.10 saves in them -- its ``HistoryBuffer`` (pickled with
``builtins.getattr``, which must never be allowed: chains of ``getattr``
reach arbitrary code) and numpy arrays and scalars. On those versions
:func:`allow_mmengine_checkpoints` makes a ``HistoryBuffer`` pickle as a
plain constructor call of lists and numbers and allows exactly these
data-only types; every other object is still refused. Loading a file that
holds anything else needs an explicit opt-in, :func:`trust_checkpoints`
(``--trust-checkpoint`` of the tools). Downloaded checkpoints, which
MMEngine loads through ``torch.hub.load_state_dict_from_url`` (whose default
is full unpickling), get the same treatment (:func:`load_downloads_safely`).
"""
import contextlib
import copyreg
import os
import pickle
import re
import warnings

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.utils import digit_version

# torch.load reads this environment variable: weights_only=False unless a
# caller asks otherwise. Set only by the explicit opt-in below.
TRUST_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'

# mmcv-lite lacks the compiled ops; mmcv warns about one of them (used by no
# classifier) on every import of mmpretrain. Only that message is silenced.
warnings.filterwarnings(
    'ignore',
    message='Fail to import ``MultiScaleDeformableAttention``',
    category=UserWarning)


def needs_safe_checkpoint_types() -> bool:
    """torch >= 2.6 (``weights_only=True`` by default) with MMEngine 0.10,
    whose checkpoints hold a ``HistoryBuffer``."""
    import mmengine
    return (digit_version(torch.__version__) >= digit_version('2.6.0')
            and digit_version(mmengine.__version__) < digit_version('0.11.0'))


def _history_buffer_as_plain_types(buffer: HistoryBuffer):
    return HistoryBuffer, (buffer._log_history.tolist(),
                           buffer._count_history.tolist(), buffer.max_length)


def _numpy_scalar_reconstructor():
    core = getattr(np, '_core', None) or np.core
    return core.multiarray.scalar, core.multiarray._reconstruct


def allow_mmengine_checkpoints() -> None:
    """Let ``weights_only=True`` load the checkpoints MMEngine writes: a
    ``HistoryBuffer`` pickles as ``HistoryBuffer(list, list, int)``, and
    that class plus numpy's array and scalar reconstruction are allowed."""
    copyreg.pickle(HistoryBuffer, _history_buffer_as_plain_types)
    scalar, reconstruct = _numpy_scalar_reconstructor()
    # numpy >= 1.25 builds a dtype through its class (Float64DType, ...).
    dtype_classes = {
        type(np.dtype(name))
        for name in ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8',
                     'uint16', 'uint32', 'uint64', 'float16', 'float32',
                     'float64')
    }
    torch.serialization.add_safe_globals(
        [HistoryBuffer, scalar, reconstruct, np.ndarray, np.dtype,
         *sorted(dtype_classes, key=str)])


def trust_checkpoints() -> None:
    """Opt in to full unpickling for checkpoints you trust (runs any code a
    file holds): what ``--trust-checkpoint`` of the tools does."""
    os.environ[TRUST_ENV] = '1'
    warnings.warn('Checkpoints are loaded with full unpickling '
                  f'({TRUST_ENV}=1): load only files you trust.')


@contextlib.contextmanager
def explain_refused_checkpoint(filename):
    """Re-raise safe loading's refusal with the refused type and the
    opt-in."""
    try:
        yield
    except pickle.UnpicklingError as err:
        message = str(err)
        found = (re.search(r'GLOBAL ([\w.]+)', message)
                 or re.search(r"but got <class '([\w.]+)'>", message))
        what = found.group(1) if found else message.splitlines()[0]
        raise pickle.UnpicklingError(
            f'{filename}: safe loading (weights_only=True) refused '
            f'{what}; a checkpoint mmspml writes holds only tensors, '
            'numbers, strings and MMEngine log buffers. If you trust this '
            'file (it can run any code when loaded), load it with '
            f'--trust-checkpoint (tools/train.py, tools/test.py) or set '
            f'{TRUST_ENV}=1.') from None


def load_url_safely(url, model_dir=None, map_location=None, **kwargs):
    """``torch.hub.load_state_dict_from_url`` with ``weights_only=True``
    (torch's own default there is False), unless the user opted in with
    :func:`trust_checkpoints`."""
    trusted = os.environ.get(TRUST_ENV, '').lower() in ('1', 'yes', 'true')
    kwargs['weights_only'] = not trusted
    with explain_refused_checkpoint(url):
        return torch.hub.load_state_dict_from_url(
            url, model_dir=model_dir, map_location=map_location, **kwargs)


def load_downloads_safely() -> None:
    """Make MMEngine load http(s), ``torchvision://`` and ``open-mmlab://``
    checkpoints (pretrained weights, ``load_from`` URLs) with
    ``weights_only=True``, as it loads local files: its loaders all go
    through ``mmengine.runner.checkpoint.load_url``."""
    from mmengine.runner import checkpoint
    checkpoint.load_url = load_url_safely


if needs_safe_checkpoint_types():
    allow_mmengine_checkpoints()
load_downloads_safely()


def close_distributed() -> None:
    """Wait for every rank, then destroy the process group, if there is
    one. Left to interpreter exit, the group's teardown can abort a rank
    (SIGABRT) after its work is done."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def setup_cpu_distributed(cfg) -> None:
    """Make ``--launcher pytorch`` work on a machine without CUDA.

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` and the
    runner gives DDP ``device_ids``, both of which fail without a GPU. Here
    the process group is initialised with gloo from torchrun's environment
    (the Runner then skips its own init) and DDP gets ``device_ids=None``.
    Does nothing when CUDA is available or the launcher is not pytorch.
    """
    import datetime

    import torch.distributed as dist
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        # The config's collective timeout (seconds): a rank whose peer died
        # fails after it instead of waiting forever.
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        dist.init_process_group(
            backend='gloo',
            timeout=datetime.timedelta(seconds=timeout) if timeout else None)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper.setdefault('device_ids', None)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper

"""Compatibility shims for the pinned OpenMMLab stack; all of them live here.

torch >= 2.6 loads checkpoints with ``weights_only=True``, but mmengine
0.10.7 writes training state (message hub buffers, numpy scalars) that this
mode rejects, so ``--resume`` and ``load_from`` of a checkpoint the user
saved fail. Local checkpoint files are therefore loaded with
``weights_only=False``, as torch did before 2.6. Only load checkpoints you
trust (the same rule as any pickle); remote ones keep mmengine's loaders.
"""
import os.path as osp
import warnings

import torch
from mmengine.runner import CheckpointLoader

# mmcv-lite lacks the compiled ops; mmcv warns about one of them (used by no
# classifier) on every import of mmpretrain. Only that message is silenced.
warnings.filterwarnings(
    'ignore',
    message='Fail to import ``MultiScaleDeformableAttention``',
    category=UserWarning)


def load_local_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint file with full unpickling."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    return torch.load(filename, map_location=map_location, weights_only=False)


CheckpointLoader.register_scheme(
    prefixes='', loader=load_local_checkpoint, force=True)


def setup_cpu_distributed(cfg) -> None:
    """Make ``--launcher pytorch`` work on a machine without CUDA.

    mmengine's pytorch launcher calls ``torch.cuda.set_device`` and the
    runner gives DDP ``device_ids``, both of which fail without a GPU. Here
    the process group is initialised with gloo from torchrun's environment
    (the Runner then skips its own init) and DDP gets ``device_ids=None``.
    Does nothing when CUDA is available or the launcher is not pytorch.
    """
    import torch.distributed as dist
    if cfg.get('launcher', 'none') != 'pytorch' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper.setdefault('device_ids', None)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper

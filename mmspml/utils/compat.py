"""Compatibility shims for the pinned OpenMMLab stack; all of them live here.

torch >= 2.6 loads checkpoints with ``weights_only=True``, but mmengine
0.10.7 writes training state (message hub buffers, numpy scalars) that this
mode rejects, so ``--resume`` and ``load_from`` of a checkpoint the user
saved fail. Local checkpoint files are therefore loaded with
``weights_only=False``, as torch did before 2.6. Only load checkpoints you
trust (the same rule as any pickle); remote ones keep mmengine's loaders.
"""
import os.path as osp

import torch
from mmengine.runner import CheckpointLoader


def load_local_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint file with full unpickling."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    return torch.load(filename, map_location=map_location, weights_only=False)


CheckpointLoader.register_scheme(
    prefixes='', loader=load_local_checkpoint, force=True)

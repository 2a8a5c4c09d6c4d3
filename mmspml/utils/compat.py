"""Compatibility shims for the pinned OpenMMLab stack; all of them live here.

Importing this module changes nothing: each shim is a function that the
tools call. Safe checkpoint loading is not a shim: mmspml writes
checkpoints as plain data and loads them with torch's ``weights_only=True``
and no extra allow-list (:mod:`mmspml.engine.runner.checkpoint`).
"""

import torch


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

    Args:
        cfg (Config): The run's config, changed in place: its
            ``model_wrapper_cfg`` (MMEngine's DDP wrapper without buffer
            broadcast when it has none) gets ``device_ids=None`` and the
            config's ``find_unused_parameters`` unless it sets them. The
            ``env_cfg.dist_cfg.timeout`` (seconds), when set, is the
            process group's collective timeout.
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
            timeout=datetime.timedelta(seconds=timeout) if timeout else None,
        )
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False
    )
    wrapper.setdefault('device_ids', None)
    wrapper.setdefault(
        'find_unused_parameters', cfg.get('find_unused_parameters', False)
    )
    cfg.model_wrapper_cfg = wrapper

"""Small helpers for keeping per-sample state identical across ranks."""

import torch
from mmengine.dist import all_gather_object, get_world_size


def gather_rows(idx: torch.Tensor, values: torch.Tensor):
    """(index, row) pairs of every rank, concatenated in rank order; the
    inputs unchanged without distributed training.

    Args:
        idx (Tensor): This rank's training-set indices, shape (M,).
        values (Tensor): This rank's rows, one per index (M, ...).

    Returns:
        tuple[Tensor, Tensor]: The indices and the rows of all ranks, on
        the devices of ``idx`` and ``values``.
    """
    if get_world_size() == 1:
        return idx, values
    parts = all_gather_object((idx.cpu(), values.cpu()))
    return (
        torch.cat([p[0] for p in parts]).to(idx.device),
        torch.cat([p[1] for p in parts]).to(values.device),
    )

"""Say how to use a local file when pretrained weights cannot be loaded.

Configs load weights with MMEngine's own ``init_cfg=dict(type='Pretrained',
...)``: mmengine and mmpretrain's backbones leave loaded weights alone only
for that exact type name (ResNet would otherwise zero-initialise its
residual BatchNorms after the load), so a custom initialiser type cannot
carry the hint. The runner wraps weight initialisation in
:func:`pretrained_hint` instead.
"""

import contextlib
from typing import List, Tuple

import torch.nn as nn


def pretrained_checkpoints(model: nn.Module) -> List[Tuple[str, str]]:
    """``(module name, checkpoint)`` of every ``Pretrained`` init_cfg in
    ``model``.

    Args:
        model (nn.Module): The model; every sub-module's ``init_cfg`` (a
            dict or a list of dicts) is read.

    Returns:
        list[tuple[str, str]]: The module's name (``'model'`` for the model
        itself) and the ``checkpoint`` of its ``Pretrained`` init_cfg, in
        module order.
    """
    found = []
    for name, module in model.named_modules():
        cfgs = getattr(module, 'init_cfg', None)
        for cfg in cfgs if isinstance(cfgs, list) else [cfgs]:
            if isinstance(cfg, dict) and cfg.get('type') == 'Pretrained':
                found.append((name or 'model', str(cfg.get('checkpoint'))))
    return found


@contextlib.contextmanager
def pretrained_hint(model: nn.Module):
    """Re-raise a failure inside the block (``model.init_weights()``) with
    the checkpoints the model loads and how to use local copies, when the
    model loads any.

    A failure of a model without ``Pretrained`` init_cfg is re-raised as
    it is.

    Args:
        model (nn.Module): The model whose weights the block initialises.

    Yields:
        None: The block runs once.

    Raises:
        CheckpointError: The block raised one (the same type, with the
            checkpoints named and, for an unsafe one, how to opt in).
        RuntimeError: The block raised any other error, with the
            checkpoints named and how to use a local file.
    """
    from mmspml.engine.runner.checkpoint import (
        SAFE_PREFIX,
        TRUSTED_PREFIX,
        CheckpointError,
        UnsafeCheckpointError,
    )

    try:
        yield
    except Exception as err:
        checkpoints = pretrained_checkpoints(model)
        if not checkpoints:
            raise
        listed = ', '.join(
            f'{ckpt.replace(SAFE_PREFIX, "", 1)!r} '
            f'(model.{name}.init_cfg.checkpoint)'
            for name, ckpt in checkpoints
        )
        if isinstance(err, CheckpointError):
            hint = (
                ' For init_cfg Pretrained the opt-in is the prefix: '
                '--cfg-options model.<module>.init_cfg.checkpoint='
                f'{TRUSTED_PREFIX}<file>.'
                if isinstance(err, UnsafeCheckpointError)
                else ''
            )
            raise type(err)(
                f'Could not initialise the model from pretrained weights '
                f'{listed}: {err}{hint}'
            ) from None
        raise RuntimeError(
            f'Could not initialise the model from pretrained weights '
            f'{listed}: {type(err).__name__}: {err}. Without internet '
            'access, download the file elsewhere (torchvision://resnet50 is '
            'resnet50-0676ba61.pth, the V1 ImageNet weights) and either put '
            'it in ~/.cache/torch/hub/checkpoints/ or point the config at '
            'it, e.g. --cfg-options '
            'model.backbone.init_cfg.checkpoint=/path/to/file.pth'
        ) from err

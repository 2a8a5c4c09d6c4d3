"""bf16 autocast on any device, without a loss scaler."""

from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmpretrain.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """An ``OptimWrapper`` whose forward runs under ``torch.autocast`` in
    bfloat16, on whatever device the model is (CUDA or CPU).

    MMEngine's ``AmpOptimWrapper`` refuses CPU training and always builds a
    gradient scaler; bfloat16 has float32's exponent range and needs none,
    so this wrapper only adds the autocast context. Convolutions and matrix
    products run in bfloat16; the SPML losses compute in float32 (they cast
    the logits). The gradients and the optimizer state stay float32.

    Args:
        dtype (str): The autocast dtype; only ``'bfloat16'`` (float16 needs
            loss scaling: use ``AmpOptimWrapper`` on a GPU for it).
            Defaults to ``'bfloat16'``.
        **kwargs: The arguments of ``OptimWrapper`` (``optimizer``,
            ``accumulative_counts``, ``clip_grad``).
    """

    def __init__(self, dtype: str = 'bfloat16', **kwargs):
        if dtype != 'bfloat16':
            raise ValueError(
                f"AutocastOptimWrapper: dtype must be 'bfloat16', got "
                f'{dtype!r}; float16 needs loss scaling, which '
                'AmpOptimWrapper (GPU only) provides.'
            )
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model: torch.nn.Module):
        device_type = next(model.parameters()).device.type
        if device_type == 'cuda' and not torch.cuda.is_bf16_supported():
            raise RuntimeError(
                'AutocastOptimWrapper: this GPU has no bfloat16 support '
                f'({torch.cuda.get_device_name()}); train with '
                "optim_wrapper.type='AmpOptimWrapper' (float16 with loss "
                "scaling) or in float32 ('OptimWrapper')."
            )
        with (
            super().optim_context(model),
            torch.autocast(device_type=device_type, dtype=self.cast_dtype),
        ):
            yield

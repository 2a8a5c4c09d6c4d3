"""Small helpers on models: the model inside a wrapper, channels-last."""

import torch
from mmengine.model import is_model_wrapper


def unwrap_model(model):
    """The model inside a DDP-style wrapper, or the model itself.

    Args:
        model (nn.Module): A model, wrapped or not.

    Returns:
        nn.Module: ``model.module`` for a model wrapper MMEngine knows,
        else ``model``.
    """
    return model.module if is_model_wrapper(model) else model


def _inputs_to_channels_last(module, args):
    if args and isinstance(args[0], torch.Tensor) and args[0].dim() == 4:
        return (
            args[0].contiguous(memory_format=torch.channels_last),
            *args[1:],
        )
    return None


def use_channels_last(
    model: torch.nn.Module, module: str = 'backbone'
) -> torch.nn.Module:
    """Put the 4-D weights of ``model`` in the channels-last (NHWC) memory
    format and convert the images entering ``model.<module>`` to it.

    Values are unchanged up to float rounding; on GPUs, convolutions under
    bf16 autocast run much faster in NHWC. Call it before the model is
    wrapped for DDP (``SPMLRunner`` does, when the config sets
    ``channels_last = True``).

    Args:
        model (nn.Module): The model, changed in place.
        module (str): Dotted path of the submodule whose image input is
            converted. Defaults to ``'backbone'``.

    Returns:
        nn.Module: ``model``.
    """
    model.to(memory_format=torch.channels_last)
    target = model
    for name in module.split('.'):
        if not hasattr(target, name):
            raise AttributeError(
                f'channels_last: the model ({type(model).__name__}) has no '
                f'submodule {module!r} to feed channels-last images to.'
            )
        target = getattr(target, name)
    target.register_forward_pre_hook(_inputs_to_channels_last)
    return model

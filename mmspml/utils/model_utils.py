"""The model inside a DDP-style wrapper."""
from mmengine.model import is_model_wrapper


def unwrap_model(model):
    """The model inside a DDP-style wrapper, or the model itself."""
    return model.module if is_model_wrapper(model) else model

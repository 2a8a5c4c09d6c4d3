"""Loading a checkpoint's weights into a model built from a config, to
predict or export with it."""

import re

import torch
from mmengine.runner import load_state_dict

from .layout import EXTRA_STATE_KEY, check_checkpoint_layout
from .load import load_checkpoint_file


def load_checkpoint_checked(
    model: torch.nn.Module, filename: str, trust: bool = False
) -> dict:
    """Load ``filename`` into ``model`` with safe loading
    (:func:`.load_checkpoint_file`) and
    check that it fits: every parameter and buffer of the model must be in
    the checkpoint with the same shape. Extra entries (a loss's per-sample
    training state) are not loaded.

    Args:
        model (nn.Module): The model built from the config.
        filename (str): The checkpoint file.
        trust (bool): Full unpickling, for a file you trust (it can run
            code). Defaults to False.

    Returns:
        dict: The loaded checkpoint (``meta`` holds ``dataset_meta``).
    """
    checkpoint = load_checkpoint_file(filename, 'cpu', trust=trust)
    check_checkpoint_layout(checkpoint, filename, resume=False)
    state = checkpoint.get('state_dict', checkpoint)
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    missing, mismatched = [], []
    # A module's extra state (a loss's per-sample training state, N x C
    # tensors of ROLE, EM + APL, LL-Cp) is not needed to predict: it is
    # neither required nor loaded.
    own = {
        key: value
        for key, value in model.state_dict().items()
        if not key.endswith(EXTRA_STATE_KEY)
    }
    for key, value in own.items():
        if key not in state:
            missing.append(key)
        elif tuple(getattr(state[key], 'shape', ())) != tuple(value.shape):
            mismatched.append(
                f'{key}: {tuple(state[key].shape)} in the '
                f'checkpoint, {tuple(value.shape)} in the '
                'model'
            )
    if missing or mismatched:
        details = (
            [
                f'missing: {", ".join(missing[:5])}'
                f'{" ..." if len(missing) > 5 else ""}'
            ]
            if missing
            else []
        ) + mismatched[:5]
        raise ValueError(
            f'checkpoint {filename} does not fit the model of the config '
            f'({len(missing)} weights missing, {len(mismatched)} of another '
            f'shape; e.g. a different num_classes or backbone): '
            + '; '.join(details)
        )
    load_state_dict(
        model, {k: v for k, v in state.items() if k in own}, strict=False
    )
    return checkpoint

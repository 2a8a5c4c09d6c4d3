"""The errors of checkpoint loading, and the two ways out they name."""

import os.path as osp
import pickle

from mmspml.utils.fileio import first_line  # noqa: F401 (re-exported)


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message names the file
    and what to do."""


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """A checkpoint that holds objects safe loading does not rebuild."""


def ways_out(filename: str) -> str:
    """How to load a file that safe loading refuses, if it is trusted.

    Args:
        filename (str): The refused checkpoint.

    Returns:
        str: The sentence naming both ways out, for the end of an error:
        converting the file once with ``tools/convert_checkpoint.py``, or
        loading it with ``--trust-checkpoint``.
    """
    stem = osp.splitext(osp.basename(str(filename)))[0]
    return (
        'If the file comes from a source you trust (loading it this way '
        'runs any code it holds), either convert it once: `python '
        f'tools/convert_checkpoint.py {filename} {stem}_plain.pth`, or load '
        'it with --trust-checkpoint (tools/train.py, test.py, predict.py, '
        'deployment/export_onnx.py; the config key trust_checkpoint=True; '
        "for init_cfg Pretrained: checkpoint='trusted://"
        f"{filename}')."
    )

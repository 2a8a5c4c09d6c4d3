"""Deployment: a trained classifier as an ONNX graph that takes raw images
and returns sigmoid scores (``tools/deployment/export_onnx.py``)."""

from .images_to_scores import ImagesToScores
from .input_size import input_size_from_config
from .onnx_export import (
    CHECK_ATOL,
    INPUT_NAME,
    OUTPUT_NAME,
    describe_input,
    export_onnx,
    max_abs_difference,
    require,
    write_metadata,
)

__all__ = [
    'ImagesToScores',
    'input_size_from_config',
    'export_onnx',
    'describe_input',
    'write_metadata',
    'max_abs_difference',
    'require',
    'CHECK_ATOL',
    'INPUT_NAME',
    'OUTPUT_NAME',
]

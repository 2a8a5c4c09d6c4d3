from mmspml.deploy import (
    ImagesToScores,
    describe_input,
    export_onnx,
    input_size_from_config,
    max_abs_difference,
    write_metadata,
)

from .experiment import (
    format_table,
    method_by_dataset,
    run_configs,
    summarize,
    train_and_test,
)
from .inferencer import SPMLInferencer
from .inputs import expand_inputs, list_images

# The export functions moved to mmspml.deploy in 0.2; they are re-exported
# here for one release.
__all__ = [
    'train_and_test',
    'run_configs',
    'summarize',
    'format_table',
    'method_by_dataset',
    'SPMLInferencer',
    'expand_inputs',
    'list_images',
    'ImagesToScores',
    'input_size_from_config',
    'export_onnx',
    'describe_input',
    'write_metadata',
    'max_abs_difference',
]

from .cli import ConfigError, stop_with_message
from .compat import close_distributed, setup_cpu_distributed
from .config_utils import (
    find_checkpoint,
    latest_complete_checkpoint,
    set_data_root,
    test_dataset_config,
    test_on_annotation_file,
)
from .fileio import no_space_error, read_json, write_atomically
from .model_utils import unwrap_model, use_channels_last
from .registry_hints import close_registered_names, suggest_registered_names

__all__ = [
    'setup_cpu_distributed',
    'close_distributed',
    'set_data_root',
    'find_checkpoint',
    'test_dataset_config',
    'test_on_annotation_file',
    'suggest_registered_names',
    'close_registered_names',
    'write_atomically',
    'no_space_error',
    'read_json',
    'latest_complete_checkpoint',
    'unwrap_model',
    'use_channels_last',
    'stop_with_message',
    'ConfigError',
]

from .compat import (close_distributed, explain_refused_checkpoint,
                     setup_cpu_distributed, trust_checkpoints)
from .config_utils import (find_checkpoint, latest_complete_checkpoint,
                           set_data_root, test_dataset_config)
from .model_utils import unwrap_model, use_channels_last
from .fileio import write_atomically
from .registry_hints import close_registered_names, suggest_registered_names

__all__ = [
    'setup_cpu_distributed', 'trust_checkpoints', 'close_distributed',
    'explain_refused_checkpoint', 'set_data_root', 'find_checkpoint',
    'test_dataset_config',
    'suggest_registered_names', 'close_registered_names', 'write_atomically',
    'latest_complete_checkpoint', 'unwrap_model', 'use_channels_last'
]

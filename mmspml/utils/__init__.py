from .compat import load_local_checkpoint, setup_cpu_distributed
from .config_utils import find_checkpoint, set_data_root
from .registry_hints import close_registered_names, suggest_registered_names

__all__ = [
    'load_local_checkpoint', 'setup_cpu_distributed', 'set_data_root',
    'find_checkpoint', 'suggest_registered_names', 'close_registered_names'
]

from .checkpoint import (
    FORMAT_KEY,
    FORMAT_VERSION,
    SAFE_PREFIX,
    TRUSTED_PREFIX,
    CheckpointError,
    UnsafeCheckpointError,
    check_checkpoint_layout,
    check_plain,
    load_checkpoint_file,
    plain_checkpoint,
    restore_checkpoint,
    save_plain_checkpoint,
    to_plain,
)
from .spml_runner import SPMLRunner
from .work_dir import WorkDirLock

__all__ = [
    'SPMLRunner',
    'WorkDirLock',
    'CheckpointError',
    'UnsafeCheckpointError',
    'load_checkpoint_file',
    'plain_checkpoint',
    'restore_checkpoint',
    'save_plain_checkpoint',
    'to_plain',
    'check_plain',
    'check_checkpoint_layout',
    'FORMAT_KEY',
    'FORMAT_VERSION',
    'SAFE_PREFIX',
    'TRUSTED_PREFIX',
]

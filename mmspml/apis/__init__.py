from .experiment import (format_table, method_by_dataset, run_configs,
                         summarize, train_and_test)
from .inferencer import SPMLInferencer

__all__ = [
    'train_and_test', 'run_configs', 'summarize', 'format_table',
    'method_by_dataset', 'SPMLInferencer'
]

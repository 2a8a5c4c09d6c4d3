from .experiment import format_table, run_configs, summarize, train_and_test

__all__ = ['train_and_test', 'run_configs', 'summarize', 'format_table']

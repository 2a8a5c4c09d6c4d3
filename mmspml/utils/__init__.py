from .compat import load_local_checkpoint, setup_cpu_distributed

__all__ = ['load_local_checkpoint', 'setup_cpu_distributed']

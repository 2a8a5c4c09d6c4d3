"""What the speed benchmarks (``tools/analysis/benchmark_*.py``,
``tools/benchmark_loss.py``) share: the reference-style training loop and
loss they compare mmspml with, an in-memory dataset and timers. Not
imported by ``import mmspml``."""

from .metrics import *  # noqa: F401,F403
from .metrics import __all__ as _metrics_all
from .thresholds import (best_f1_threshold, expected_count_threshold,
                         f1_curve, load_thresholds, predicted_labels,
                         save_thresholds, search_f1_thresholds,
                         threshold_metrics)

__all__ = _metrics_all + [
    'best_f1_threshold', 'expected_count_threshold', 'f1_curve',
    'load_thresholds', 'predicted_labels', 'save_thresholds',
    'search_f1_thresholds', 'threshold_metrics'
]

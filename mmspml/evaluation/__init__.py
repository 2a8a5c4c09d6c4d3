from .diagnostics import gr_curve_grid, gr_curves, pseudo_label_diagnostics
from .metrics import *  # noqa: F401,F403
from .metrics import __all__ as _metrics_all
from .scoring import (
    build_split_dataloader,
    observed_labels,
    one_hot,
    score_dataloader,
)
from .threshold_metrics import (
    format_metrics_table,
    observed_positive_recall,
    observed_threshold_metrics,
    threshold_metrics,
)
from .thresholds import (
    best_f1_threshold,
    expected_count_threshold,
    f1_curve,
    predicted_labels,
    search_f1_thresholds,
    search_observed_f1_thresholds,
)
from .thresholds_file import class_thresholds, load_thresholds, save_thresholds

__all__ = _metrics_all + [
    'gr_curve_grid',
    'gr_curves',
    'pseudo_label_diagnostics',
    'build_split_dataloader',
    'observed_labels',
    'one_hot',
    'score_dataloader',
    'best_f1_threshold',
    'expected_count_threshold',
    'f1_curve',
    'load_thresholds',
    'predicted_labels',
    'save_thresholds',
    'search_f1_thresholds',
    'search_observed_f1_thresholds',
    'threshold_metrics',
    'class_thresholds',
    'format_metrics_table',
    'observed_positive_recall',
    'observed_threshold_metrics',
]

from .spml_ap import (
    SPMLAveragePrecision,
    average_precision,
    f1_scores,
    observed_average_precision,
)

__all__ = [
    'SPMLAveragePrecision',
    'average_precision',
    'f1_scores',
    'observed_average_precision',
]

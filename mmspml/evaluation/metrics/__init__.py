from .ap_functions import (
    average_precision,
    f1_scores,
    observed_average_precision,
)
from .spml_ap import SPMLAveragePrecision

__all__ = [
    'SPMLAveragePrecision',
    'average_precision',
    'f1_scores',
    'observed_average_precision',
]

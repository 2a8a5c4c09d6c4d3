from .spml_ap import SPMLAveragePrecision, average_precision, f1_scores

__all__ = ['SPMLAveragePrecision', 'average_precision', 'f1_scores']

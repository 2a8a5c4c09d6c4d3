from .spml_loss_hook import SPMLLossHook

__all__ = ['SPMLLossHook']

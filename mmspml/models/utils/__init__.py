from .pretrained import pretrained_checkpoints, pretrained_hint

__all__ = ['pretrained_hint', 'pretrained_checkpoints']

from .pretrained import PretrainedWithHint

__all__ = ['PretrainedWithHint']

"""Pretrained weights that explain what to do when they cannot be fetched."""
from mmengine.model.weight_init import PretrainedInit
from mmpretrain.registry import WEIGHT_INITIALIZERS


@WEIGHT_INITIALIZERS.register_module()
class PretrainedWithHint(PretrainedInit):
    """``Pretrained`` init whose failure says how to use a local file.

    Same arguments as mmengine's ``Pretrained``: ``checkpoint`` (a path, an
    URL or ``torchvision://resnet50``), ``prefix``, ``map_location``.
    """

    def __call__(self, module):
        try:
            super().__call__(module)
        except Exception as err:
            raise RuntimeError(
                f'Could not load pretrained weights {self.checkpoint!r} '
                f'({type(err).__name__}: {err}). Without internet access, '
                'download the file elsewhere (torchvision://resnet50 is '
                'resnet50-0676ba61.pth, the V1 ImageNet weights) and either '
                'put it in ~/.cache/torch/hub/checkpoints/ or pass '
                '--cfg-options model.backbone.init_cfg.checkpoint='
                '/path/to/resnet50.pth') from err

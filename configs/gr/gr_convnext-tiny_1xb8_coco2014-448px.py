# GR loss on MS-COCO with a ConvNeXt-T backbone, 448 px, the SPML recipe.
# The one difference from gr_resnet50_1xb8_coco2014-448px.py: the backbone (MMPretrain's own
# ConvNeXt-T model base) and so the head's input width, 768.
# Checkpoint: MMPretrain's ImageNet-1k ConvNeXt-T (convnext-tiny_32xb128_in1k,
# URL below); loading it needs the internet or a local copy
# (--cfg-options model.backbone.init_cfg.checkpoint=/path/to/the.pth).
_base_ = [
    'mmpretrain::_base_/models/convnext/convnext-tiny.py',
    '../_base_/datasets/coco2014_spml.py',
    '../_base_/schedules/spml_adam_8e.py',
    '../_base_/spml_protocol_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        # type='Pretrained' by name: only then do the backbones keep the
        # loaded weights (tests/test_configs/test_backbone_configs.py).
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'convnext/convnext-tiny_32xb128_in1k_20221207-998cf3e9.pth',
            prefix='backbone',
        )
    ),
    # ConvNeXt pools (then layer-norms) inside the backbone: no neck.
    neck=None,
    head=dict(
        _delete_=True,
        type='SPMLLinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=768,
        loss=dict(type='GRLoss'),
    ),
    # No Mixup / CutMix (the ImageNet recipe's batch augments, wrong for
    # single-positive labels) and no model-wide TruncNormal init: as
    # gr_resnet50_1xb8_coco2014-448px.py.
    train_cfg=None,
    init_cfg=None,
)

# GR loss on MS-COCO with an EfficientNet-B0 backbone, 448 px, the SPML recipe.
# The one difference from gr_resnet50_1xb8_coco2014-448px.py: the backbone (MMPretrain's own
# EfficientNet-B0 model base) and so the head's input width, 1280.
# Checkpoint: MMPretrain's ImageNet-1k EfficientNet-B0
# (efficientnet-b0_3rdparty_8xb32_in1k, converted from TensorFlow; URL
# below); loading it needs the internet or a local copy
# (--cfg-options model.backbone.init_cfg.checkpoint=/path/to/the.pth).
_base_ = [
    'mmpretrain::_base_/models/efficientnet_b0.py',
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
            'efficientnet/'
            'efficientnet-b0_3rdparty_8xb32_in1k_20220119-a7e2a0b1.pth',
            prefix='backbone',
        )
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        _delete_=True,
        type='SPMLLinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=1280,
        loss=dict(type='GRLoss'),
    ),
)

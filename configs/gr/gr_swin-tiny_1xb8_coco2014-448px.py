# GR loss on MS-COCO with a Swin-T backbone, 448 px, the SPML recipe.
# The one difference from gr_resnet50_1xb8_coco2014-448px.py: the backbone (MMPretrain's own
# Swin-T model base, at img_size 448) and so the head's input width, 768.
# Checkpoint: MMPretrain's ImageNet-1k Swin-T (swin-tiny_16xb64_in1k, URL
# below); loading it needs the internet or a local copy
# (--cfg-options model.backbone.init_cfg.checkpoint=/path/to/the.pth).
_base_ = [
    'mmpretrain::_base_/models/swin_transformer/tiny_224.py',
    '../_base_/datasets/coco2014_spml.py',
    '../_base_/schedules/spml_adam_8e.py',
    '../_base_/spml_protocol_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        # Stages of 112, 56, 28 and 14 tokens a side at 448 px: the 7 x 7
        # windows (and so the checkpoint's relative position tables) fit.
        # Inputs must be at least 224 px (7 x 7 tokens in the last stage).
        img_size=448,
        # type='Pretrained' by name: only then do the backbones keep the
        # loaded weights (tests/test_configs/test_backbone_configs.py).
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'swin-transformer/'
            'swin_tiny_224_b16x64_300e_imagenet_20210616_090925-66df6be6.pth',
            prefix='backbone',
        ),
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        _delete_=True,
        type='SPMLLinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=768,
        loss=dict(type='GRLoss'),
    ),
    # No Mixup / CutMix (the ImageNet recipe's batch augments, wrong for
    # single-positive labels) and no model-wide init: as gr_resnet50_1xb8_coco2014-448px.py.
    train_cfg=None,
    init_cfg=None,
)

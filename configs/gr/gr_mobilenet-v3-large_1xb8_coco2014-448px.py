# GR loss on MS-COCO with a MobileNetV3-Large backbone, 448 px, the SPML
# recipe. The one difference from gr_resnet50_1xb8_coco2014-448px.py: the backbone
# (MMPretrain's own MobileNetV3-Large model base) and so the head's input
# width, 960 (mmpretrain's ImageNet head is a 960 -> 1280 -> 1000 MLP; here,
# as for every backbone, one linear layer on the pooled backbone feature).
# Checkpoint: MMPretrain's ImageNet-1k MobileNetV3-Large
# (mobilenet-v3-large_3rdparty_in1k, converted from torchvision; URL below);
# loading it needs the internet or a local copy
# (--cfg-options model.backbone.init_cfg.checkpoint=/path/to/the.pth).
_base_ = [
    'mmpretrain::_base_/models/mobilenet_v3/mobilenet_v3_large_imagenet.py',
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
            'mobilenet_v3/convert/mobilenet_v3_large-3ea3c186.pth',
            prefix='backbone',
        )
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        _delete_=True,
        type='SPMLLinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=960,
        loss=dict(type='GRLoss'),
    ),
)

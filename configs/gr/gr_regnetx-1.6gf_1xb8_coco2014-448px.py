# GR loss on MS-COCO with a RegNetX-1.6GF backbone, 448 px, the SPML recipe.
# The one difference from gr_resnet50_1xb8_coco2014-448px.py: the backbone (MMPretrain's own
# RegNetX-1.6GF model base) and so the head's input width, 912 -- plus BGR
# normalisation: the checkpoint comes from pycls, which feeds BGR images
# (as mmpretrain's regnetx-1.6gf_8xb128_in1k config does).
# Checkpoint: MMPretrain's ImageNet-1k RegNetX-1.6GF
# (regnetx-1.6gf_8xb128_in1k, URL below); loading it needs the internet or a
# local copy (--cfg-options model.backbone.init_cfg.checkpoint=/path/to/.pth).
_base_ = [
    'mmpretrain::_base_/models/regnet/regnetx_1.6gf.py',
    '../_base_/datasets/coco2014_spml.py',
    '../_base_/schedules/spml_adam_8e.py',
    '../_base_/spml_protocol_runtime.py',
]
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        # The ImageNet mean / std in BGR order, images kept BGR.
        mean=[103.53, 116.28, 123.675],
        std=[57.375, 57.12, 58.395],
        to_rgb=False,
    ),
    backbone=dict(
        # type='Pretrained' by name: only then do the backbones keep the
        # loaded weights (tests/test_configs/test_backbone_configs.py).
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'regnet/regnetx-1.6gf_8xb128_in1k_20211213-d1b89758.pth',
            prefix='backbone',
        )
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        _delete_=True,
        type='SPMLLinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=912,
        loss=dict(type='GRLoss'),
    ),
)

# GR loss on MS-COCO with a ViT-B/16 backbone, 448 px, the SPML recipe.
# The one difference from gr_resnet50_1xb8_coco2014-448px.py: the backbone (MMPretrain's own
# ViT-B/16 model base, at img_size 448, class-token output) and so the head's
# input width, 768.
# Checkpoint: MMPretrain's ImageNet-1k ViT-B/16 (vit-base-p16_32xb128-mae_in1k:
# supervised on ImageNet-1k only with the MAE paper's recipe, 224 px, ImageNet
# mean/std; URL below); loading it needs the internet or a local copy
# (--cfg-options model.backbone.init_cfg.checkpoint=/path/to/the.pth).
_base_ = [
    'mmpretrain::_base_/models/vit-base-p16.py',
    '../_base_/datasets/coco2014_spml.py',
    '../_base_/schedules/spml_adam_8e.py',
    '../_base_/spml_protocol_runtime.py',
]
model = dict(
    type='ImageClassifier',
    backbone=dict(
        # 28 x 28 patches at 448 px: the checkpoint's 14 x 14 position
        # embeddings are resized when it is loaded.
        img_size=448,
        # The layer-normed class token, (N, 768): what the linear head reads.
        out_type='cls_token',
        # type='Pretrained' by name: only then do the backbones keep the
        # loaded weights (tests/test_configs/test_backbone_configs.py).
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/'
            'vit/vit-base-p16_pt-32xb128-mae_in1k_20220623-4c544545.pth',
            prefix='backbone',
        ),
    ),
    neck=None,
    head=dict(
        _delete_=True,
        type='SPMLLinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=768,
        loss=dict(type='GRLoss'),
    ),
    # As gr_resnet50_1xb8_coco2014-448px.py: no batch augments, no model-wide init.
    train_cfg=None,
    init_cfg=None,
)

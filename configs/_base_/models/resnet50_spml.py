# ResNet-50 from torchvision's ImageNet (V1) weights, global average pooling
# and a linear multi-label head: the model behind the published SPML numbers.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        style='pytorch',
        init_cfg=dict(
            type='PretrainedWithHint', checkpoint='torchvision://resnet50')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='SPMLLinearClsHead',
        num_classes=20,
        in_channels=2048,
        loss=dict(type='GRLoss')))

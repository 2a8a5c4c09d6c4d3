# A half-width ResNet-18 (32 base channels) for small images on CPU. Configs
# set head.num_classes from the dataset base and head.loss (the method).
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor',
        mean=[33.3, 33.3, 33.3],
        std=[78.6, 78.6, 78.6],
        to_rgb=True,
    ),
    backbone=dict(
        type='ResNet',
        depth=18,
        stem_channels=32,
        base_channels=32,
        num_stages=4,
        out_indices=(3,),
        style='pytorch',
    ),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='SPMLLinearClsHead', in_channels=256),
)

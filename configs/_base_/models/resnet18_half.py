# A half-width ResNet-18 (32 base channels) for small images on CPU. Configs
# set head.num_classes from the dataset base and head.loss (the method).
# No data_preprocessor: the normalisation belongs to the data, so the dataset
# base sets the top-level `data_preprocessor`, which the Runner (and
# mmpretrain.get_model) gives to a model that has none.
model = dict(
    type='ImageClassifier',
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

# CUB-200-2011, 312 binary attributes: official train -> 80/20 train/val with
# one positive per training image; official test is the test set.
_base_ = ['./spml_448.py']
data_root = 'data/cub'
num_classes = 312
source = dict(type='SPMLCUB', data_root=data_root, split='train')
train_dataloader = dict(
    dataset=dict(
        type='SinglePositiveDataset',
        dataset=dict(source, pipeline={{_base_.train_pipeline}}),
        split='train',
    )
)
val_dataloader = dict(
    dataset=dict(
        type='SinglePositiveDataset',
        dataset=dict(source, pipeline={{_base_.test_pipeline}}),
        split='val',
    )
)
test_dataloader = dict(
    dataset=dict(
        type='SPMLCUB',
        data_root=data_root,
        split='test',
        pipeline={{_base_.test_pipeline}},
        test_mode=True,
    )
)

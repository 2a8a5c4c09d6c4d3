# PASCAL VOC 2012, 20 classes: official train -> 80/20 train/val with one
# positive per training image; official val is the test set.
_base_ = ['./spml_448.py']
data_root = 'data/voc'
num_classes = 20
source = dict(type='SPMLVOC', data_root=data_root, split='train')
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
        type='SPMLVOC',
        data_root=data_root,
        split='val',
        pipeline={{_base_.test_pipeline}},
        test_mode=True,
    )
)

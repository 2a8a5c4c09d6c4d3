# NUS-WIDE, 81 concepts, from Cole et al.'s formatted files (the protocol's
# source for NUS-WIDE); images under Flickr/. For the official release use
# type='SPMLNUSWIDE' with split='train' / 'test' instead.
_base_ = ['./spml_448.py']
data_root = 'data/nuswide'
num_classes = 81
source = dict(
    type='SPMLFormatted',
    data_root=data_root,
    split='train',
    img_prefix='Flickr',
)
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
        type='SPMLFormatted',
        data_root=data_root,
        split='val',
        img_prefix='Flickr',
        pipeline={{_base_.test_pipeline}},
        test_mode=True,
    )
)

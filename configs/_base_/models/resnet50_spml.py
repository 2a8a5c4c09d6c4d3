# MMPretrain's ResNet-50 with torchvision's ImageNet (V1) weights, global
# average pooling and a linear multi-label head: the model behind the
# published SPML numbers. Configs set head.num_classes from the dataset base
# and head.loss (the method).
_base_ = ['mmpretrain::_base_/models/resnet50.py']
model = dict(
    # type='Pretrained' by name: only then does ResNet keep the loaded
    # weights (else it zero-initialises every residual BatchNorm after the
    # load). Offline: see docs/datasets.md, "Pretrained weights".
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')
    ),
    head=dict(_delete_=True, type='SPMLLinearClsHead', in_channels=2048),
)

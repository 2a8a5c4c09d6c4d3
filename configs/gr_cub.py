# GR loss, ResNet-50, 448 px, the SPML recipe (SPEC section 5).
_base_ = [
    '_base_/models/resnet50_spml.py', '_base_/datasets/cub_spml.py',
    '_base_/schedules/spml_adam_8e.py', '_base_/spml_protocol_runtime.py'
]
model = dict(head=dict(num_classes=312, loss=dict(type='GRLoss')))

# The fast recipe of gr_resnet50_1xb8_coco2014-448px.py (docs/fast_recipe.md):
# the forward in bfloat16 autocast, channels-last, fused Adam, batch 32 with
# the learning rate scaled by the square root of the batch ratio
# (_base_/schedules/spml_adam_8e_bf16.py).
_base_ = [
    '../_base_/models/resnet50_spml.py',
    '../_base_/datasets/coco2014_spml.py',
    '../_base_/schedules/spml_adam_8e_bf16.py',
    '../_base_/spml_protocol_runtime.py',
]
train_dataloader = dict(batch_size=32)
model = dict(
    head=dict(num_classes={{_base_.num_classes}}, loss=dict(type='GRLoss'))
)

# The fast recipe of gr_resnet18-half_1xb64_mnist-mosaic.py
# (docs/fast_recipe.md): the forward in bfloat16 autocast, channels-last, fused
# Adam, batch 128 with the learning rate scaled by the square root of the batch
# ratio (_base_/schedules/demo_adam_bf16.py).
_base_ = [
    '../_base_/models/resnet18_half.py',
    '../_base_/datasets/mnist_mosaic.py',
    '../_base_/schedules/demo_adam_bf16.py',
    '../_base_/demo_runtime.py',
]
train_dataloader = dict(batch_size=128)
model = dict(
    head=dict(num_classes={{_base_.num_classes}}, loss=dict(type='GRLoss'))
)

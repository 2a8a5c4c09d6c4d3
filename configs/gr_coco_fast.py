# The fast recipe for configs/gr_coco.py (docs/fast_recipe.md): the forward
# in bfloat16 autocast (no loss scaler), channels-last weights and images,
# fused Adam, batch 32 (4x the paper's 8) with the base learning rate scaled
# by the square root of the batch ratio (2e-5 = sqrt(4) x 1e-5, as for Adam;
# the head keeps its 10x).
_base_ = ['./gr_coco.py']
channels_last = True
optim_wrapper = dict(
    type='AutocastOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(lr=2e-5, fused=True))
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=32)

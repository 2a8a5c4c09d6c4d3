# The fast recipe for configs/gr_nus.py (docs/fast_recipe.md): the forward
# in bfloat16 autocast (no loss scaler), channels-last weights and images,
# fused Adam, batch 32 (4x the paper's 8) with the base learning rate scaled
# linearly (4e-5; the head keeps its 10x).
_base_ = ['./gr_nus.py']
channels_last = True
optim_wrapper = dict(
    type='AutocastOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(lr=4e-5, fused=True))
train_dataloader = dict(batch_size=32)
auto_scale_lr = dict(base_batch_size=32)

# The fast recipe of the SPML schedule (docs/fast_recipe.md): the forward in
# bfloat16 autocast (no loss scaler), channels-last weights and images, fused
# Adam, for batch 32 (4x the paper's 8; the config sets the batch) with the
# base learning rate scaled by the square root of the batch ratio (2e-5 =
# sqrt(4) x 1e-5, as for Adam; the head keeps its 10x).
_base_ = ['./spml_adam_8e.py']
channels_last = True
optim_wrapper = dict(
    type='AutocastOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(lr=2e-5, fused=True),
)
auto_scale_lr = dict(base_batch_size=32)

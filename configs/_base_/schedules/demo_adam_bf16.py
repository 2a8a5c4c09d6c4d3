# The fast recipe of the demo schedule (docs/fast_recipe.md): the forward in
# bfloat16 autocast (CPU or GPU, no loss scaler), channels-last weights and
# images, fused Adam, for batch 128 (2x; the config sets the batch) with the
# learning rate scaled by the square root of the batch ratio (1.4e-3, about
# sqrt(2) x 1e-3), as for Adam.
_base_ = ['./demo_adam.py']
channels_last = True
optim_wrapper = dict(
    type='AutocastOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(lr=1.4e-3, fused=True),
)
auto_scale_lr = dict(base_batch_size=128)

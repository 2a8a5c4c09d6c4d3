# Online label estimation (ROLE), estimates at 10x the lr on CUB-200-2011
# attributes: configs/gr_cub.py with one loss changed.
_base_ = ['../gr_cub.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='ROLELoss',
            expected_num_pos=31.4,
            estimator_lr=1e-4)))

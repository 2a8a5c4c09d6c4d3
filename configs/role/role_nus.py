# Online label estimation (ROLE), estimates at 10x the lr on NUS-WIDE:
# configs/gr_nus.py with one loss changed.
_base_ = ['../gr_nus.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='ROLELoss',
            expected_num_pos=1.9,
            estimator_lr=1e-4)))

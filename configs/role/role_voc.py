# Online label estimation (ROLE), estimates at 10x the lr on PASCAL VOC 2012:
# configs/gr_voc.py with one loss changed.
_base_ = ['../gr_voc.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='ROLELoss',
            expected_num_pos=1.5,
            estimator_lr=1e-4)))

# Expected positive regulariser (EPR) on PASCAL VOC 2012: configs/gr_voc.py
# with one loss changed.
_base_ = ['../gr_voc.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='EPRLoss',
            expected_num_pos=1.5)))

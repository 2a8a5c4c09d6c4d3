# Large loss temporary correction (LL-Ct) on PASCAL VOC 2012: configs/gr_voc.py
# with one loss changed.
_base_ = ['../gr_voc.py']
model = dict(
    head=dict(
        loss=dict(
            _delete_=True,
            type='LLCtLoss',
            delta_rel=0.002)))

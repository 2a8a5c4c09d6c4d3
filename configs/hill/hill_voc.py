# Hill loss on PASCAL VOC 2012: configs/gr_voc.py with one loss changed.
_base_ = ['../gr_voc.py']
model = dict(head=dict(loss=dict(_delete_=True, type='HillLoss', lamb=1.5)))

# default_runtime plus the pseudo-label diagnostics after each epoch (PNGs
# and scalars under the work dir's diagnostics/; docs/diagnostics.md), on for
# the demo configs only.
_base_ = ['./default_runtime.py']
custom_hooks = [dict(type='PseudoLabelDiagnosticsHook')]

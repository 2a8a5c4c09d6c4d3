"""Pictures: predicted labels drawn on images and the pseudo-label
diagnostics. Imported on demand (matplotlib is loaded only when drawing)."""

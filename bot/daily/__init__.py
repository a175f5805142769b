"""The daily featured brief: when each channel's post is due (pure scheduling logic)."""

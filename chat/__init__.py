"""A real-time room chat built on NiceGUI: room model and storage here, the pages in `chat.ui`."""

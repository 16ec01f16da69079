"""The NiceGUI layer: pages, message list, composer and header; it talks only to `chat.domain.rooms`."""

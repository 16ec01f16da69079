"""Start the chat: `python app.py --help` lists the options."""

from chat.config import parse_settings
from chat.server import run

if __name__ in {'__main__', '__mp_main__'}:
    run(parse_settings())

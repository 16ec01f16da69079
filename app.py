"""Start the chat: `python app.py --help` lists the options."""

from chat.application import run
from chat.config import parse_settings

if __name__ in {'__main__', '__mp_main__'}:
    run(parse_settings())

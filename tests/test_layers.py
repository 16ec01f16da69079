"""The architecture as the folders show it, held by the imports: each layer uses only what it may know."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

CHAT = Path(__file__).resolve().parent.parent / 'chat'
FRAMEWORK_INTERNALS = ('nicegui.core', 'nicegui.server', 'nicegui.storage', 'nicegui.helpers', 'socketio', 'engineio',
                       'uvicorn')  # fmt: skip
STORAGE_ENGINES = ('aiosqlite', 'sqlite3', 'redis')
WEB = ('nicegui', 'fastapi', 'starlette')
# what each layer may not import; the domain sees the stores only through their protocols
FORBIDDEN = {
    'domain': (*WEB, *STORAGE_ENGINES, 'chat.ui', 'chat.internals', 'chat.application', 'chat.stores.messages.',
               'chat.stores.presence.'),
    'stores': (*WEB, 'chat.ui', 'chat.internals', 'chat.application'),
    'ui': (*STORAGE_ENGINES, 'chat.stores', 'chat.application'),
}  # fmt: skip


def imports(path: Path) -> set[str]:
    """Every module `path` imports, with `from x import y` counted as `x.y` too when `y` is a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(
                f'{node.module}.{alias.name}' for alias in node.names if is_module(f'{node.module}.{alias.name}')
            )
    return found


def is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def breaks(module: str, rule: str) -> bool:
    return module == rule or module.startswith(rule if rule.endswith('.') else f'{rule}.')


def modules(folder: str) -> list[Path]:
    return sorted((CHAT / folder).rglob('*.py')) if folder else sorted(CHAT.rglob('*.py'))


@pytest.mark.parametrize('layer', FORBIDDEN)
def test_each_layer_imports_only_what_it_may_know(layer: str) -> None:
    wrong = {
        f'{path.relative_to(CHAT.parent)} imports {module}'
        for path in modules(layer)
        for module in imports(path)
        if any(breaks(module, rule) for rule in FORBIDDEN[layer])
    }
    assert not wrong


def test_only_chat_internals_touches_framework_internals() -> None:
    wrong = {
        f'{path.relative_to(CHAT.parent)} imports {module}'
        for path in modules('')
        if 'internals' not in path.relative_to(CHAT).parts
        for module in imports(path)
        if any(breaks(module, rule) for rule in FRAMEWORK_INTERNALS)
    }
    assert not wrong


def test_the_rules_catch_a_breach() -> None:
    """The checks above would see a store importing NiceGUI, or a page reaching into the socket server."""
    assert breaks('nicegui.ui', 'nicegui') and breaks('nicegui.core', 'nicegui.core')
    assert breaks('chat.stores.messages.sqlite', 'chat.stores.messages.')
    assert not breaks('chat.stores.messages', 'chat.stores.messages.'), 'the protocol itself is allowed'
    assert not breaks('chat.ui.composer', 'chat.u')

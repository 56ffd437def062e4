"""Show lic_lab's own code in a notebook, next to the equation it implements.

The code is read from the running package (``inspect``), so what the page shows is exactly what
produced its numbers and cannot drift from it.
"""

from __future__ import annotations

import inspect
from typing import Any

from lic_lab import PACKAGE_DIR


def source_markdown(*objects: Any) -> str:
    """Markdown with the source of each function, class or method, headed by where it lives."""
    parts = []
    for obj in objects:
        # a decorated function (e.g. @torch.no_grad()) shows its own file, not the decorator's
        obj = inspect.unwrap(obj)
        lines, start = inspect.getsourcelines(obj)
        path = inspect.getsourcefile(obj) or "?"
        where = path.split(str(PACKAGE_DIR.parent) + "/")[-1]
        name = f"{obj.__module__}.{getattr(obj, '__qualname__', obj.__name__)}"
        parts.append(f"`{name}` ({where}, line {start}):\n\n```python\n{''.join(lines).rstrip()}\n```")
    return "\n\n".join(parts)


def show_source(*objects: Any) -> None:
    """Display :func:`source_markdown` in the notebook."""
    from IPython.display import Markdown, display

    display(Markdown(source_markdown(*objects)))

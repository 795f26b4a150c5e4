"""The wizard's reusable widgets, each with its own DEFAULT_CSS.

Their names are in `__init__.pyi` and load on first use (lazy_loader): the Welcome screen's first
frame needs `plain` and `age`, not the run views and the engine types they import."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

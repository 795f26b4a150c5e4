"""The resumable clone: engine, journal, registry, credentials, names, API session.

Its public names are in `__init__.pyi` and load on first use (lazy_loader): the wizard's first
frame needs the API session, not the engine, pydantic and pglast behind it."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)

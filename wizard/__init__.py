"""MuseKit clone wizard: launch a Muse on its own Supabase project, resumably."""

import os
import sys

__version__ = "0.1.0"

# httpx's __init__ imports its command-line client (click, rich.console, pygments: about 0.1 s of every
# musekit command that talks to the API) whenever click is installed, and uvicorn (the sandbox) installs
# it. musekit never runs that client: a None entry in sys.modules makes that import fail at once, and
# httpx falls back to its stub `main`.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

# pydantic hands every value it validates to the plugins any installed package registers (entry points
# of group `pydantic`): an observability plugin would see access tokens and passwords. musekit uses none,
# and finding them scans every installed package's metadata (about 0.05 s of each command).
os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"

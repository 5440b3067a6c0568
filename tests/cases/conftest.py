"""Real-world failure cases of Telegram shop bots (C01 to C32), each as a test that names it.

The flow fixtures (both emulators, settings on a SQLite file in tmp_path, the bot runner and the
customer's chat) are the ones of tests/flows, with whatever fixtures they are built from.
"""

from __future__ import annotations

# F403: every fixture of the flow tests, so that a new one they depend on comes along too
from tests.flows.conftest import *  # noqa: F403

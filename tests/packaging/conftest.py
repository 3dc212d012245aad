"""The package as users get it: the wheel and sdist `make dist` builds, installed into a fresh
virtualenv outside the repository, serving an app written as a user writes one."""

from __future__ import annotations

# user_app/ is the user's project (its own tests included), run by test_package.py in a fresh
# virtualenv; it is not part of this suite.
collect_ignore = ["user_app"]

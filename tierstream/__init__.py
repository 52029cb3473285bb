"""tierstream: real-time bank customer tiering on Kafka.

The version is the installed distribution's, so `tierstream --version` names exactly
what pip installed.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tierstream")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

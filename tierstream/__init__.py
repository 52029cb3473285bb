"""tierstream: real-time bank customer tiering on Kafka.

The version is the installed distribution's, so `tierstream --version` names exactly
what pip installed. It is read when asked for: reading the installed metadata costs
a command's start-up a tenth of its time.
"""


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'tierstream' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tierstream")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"

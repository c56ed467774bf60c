"""jjfeed: fetch feeds, strip boilerplate, merge near-duplicates, publish one feed."""

__version__ = "0.1.0"

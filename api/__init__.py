"""The collector API (FastAPI): thin HTTP routes over `core.collector`. Start it with `bloomtune serve`."""

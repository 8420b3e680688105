"""Local fake servers that real clients talk to over loopback (no test reaches the internet)."""

"""Benchmark of the real server: encrypted upload/download against a plain Django baseline."""

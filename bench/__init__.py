"""Benchmark: a synthetic corpus from the shipped paragraphs, our index against two peers."""

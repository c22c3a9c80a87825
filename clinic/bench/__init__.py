"""The load benchmark behind `make bench`: run.py orchestrates, the *.lua files drive wrk.

See clinic/bench/run.py for what it does and README.md ("Benchmark") for the latest results.
"""

"""The baseline bots the benchmarks compare Kindred with: bare echo bots on two frameworks."""

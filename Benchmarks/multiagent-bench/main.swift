// Placeholder so the target builds; the benchmark lands with the parsers.
print("multiagent-bench: no benchmarks yet")

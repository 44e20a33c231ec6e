#ifndef MULTIAGENT_CFUZZDRIVER_H
#define MULTIAGENT_CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// One fuzz input: libFuzzer's callback shape (LLVMFuzzerTestOneInput).
typedef int (*MultiAgentFuzzCallback)(const uint8_t *data, size_t size);

/// Runs libFuzzer's driver (command-line flags, corpus, mutation loop) on `callback`.
int multiagent_fuzz_run(int argc, char **argv, MultiAgentFuzzCallback callback);

#endif

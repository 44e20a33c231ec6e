#include "CFuzzDriver.h"

// libFuzzer's entry for programs with their own main (libclang_rt.fuzzer_no_main).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *, size_t));

int multiagent_fuzz_run(int argc, char **argv, MultiAgentFuzzCallback callback) {
  return LLVMFuzzerRunDriver(&argc, &argv, callback);
}

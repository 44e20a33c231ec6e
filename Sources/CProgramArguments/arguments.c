// `CommandLine.arguments` for the statically linked `multiagent` executable, without reading
// /proc/self/maps at every start.
//
// The Swift standard library asks its runtime for the program's arguments through
// `_swift_stdlib_getUnsafeArgvArgc`. On Linux the runtime's own definition (CommandLine.cpp in the
// static libswiftCore.a) finds them with a static constructor that runs in every process: it reads
// /proc/self/maps line by line (the kernel formats every mapping, with its file's path) to find the
// stack, then walks back from `environ`. For this executable that is a fifth of the instructions
// of `multiagent --version`, and a start-up every command, spawn and supervisor pays.
//
// glibc calls each function of the main program's `.init_array` with argc, argv and envp; the
// function below keeps the first two, and the two runtime entry points are defined here with the
// runtime's signatures (Swift calling convention). The linker takes a symbol from an archive only
// when nothing already defines it, so CommandLine.cpp's object — and its constructor — is left out
// of the executable. With a shared Swift runtime (an embedder's program) this object is not linked.
//
// (The standard library counts the arguments up to argv's terminating null pointer; the count is
// returned too, as the runtime's signature has it.)

#include "CProgramArguments.h"

static int captured_count;
static char **captured_arguments;
static int override_count;
static char **override_arguments;

static void multiagent_capture_arguments(int argc, char **argv, char **envp) {
  (void)envp;
  captured_count = argc;
  captured_arguments = argv;
}

__attribute__((used, section(".init_array"))) static void (*const multiagent_capture_arguments_entry)(
  int, char **, char **) = multiagent_capture_arguments;

__attribute__((swiftcall)) void _swift_stdlib_overrideUnsafeArgvArgc(char **argv, int argc) {
  override_arguments = argv;
  override_count = argc;
}

__attribute__((swiftcall)) char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
  static char *empty[] = {0};
  if (override_arguments) {
    *outArgLen = override_count;
    return override_arguments;
  }
  if (!captured_arguments) {
    *outArgLen = 0;
    return empty;
  }
  *outArgLen = captured_count;
  return captured_arguments;
}

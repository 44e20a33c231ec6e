#ifndef C_PROGRAM_ARGUMENTS_H
#define C_PROGRAM_ARGUMENTS_H

// The `multiagent` executable's own source of `CommandLine.arguments` (see arguments.c): nothing to
// call; the module only has to be linked into the executable.

#endif

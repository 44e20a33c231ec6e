#ifndef C_PROGRAM_ARGUMENTS_H
#define C_PROGRAM_ARGUMENTS_H

// The `multiagent` executable's own source of `CommandLine.arguments`: see arguments.c. Nothing to
// call; the module only has to be linked into the executable.

/// The number of arguments the program was started with, as captured before `main` (0 if not).
int multiagent_program_argument_count(void);

#endif

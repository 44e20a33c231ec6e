#ifndef C_SUPERVISOR_AHEAD_H
#define C_SUPERVISOR_AHEAD_H

/// The supervisor the `multiagent` executable's start-up launched for a `spawn`, before the Swift
/// runtime started (see supervisor_ahead.c).
typedef struct {
  /// The supervisor process, this process's child (the taker reaps it).
  int pid;
  /// This process's end of the socket the supervisor has as its descriptor 3.
  int socket;
  /// The id the agent is to be recorded under: 16 lowercase hexadecimal digits.
  char agent_id[17];
  /// The `MULTIAGENT_SPAWN_ID` in the supervisor's environment: 32 lowercase hexadecimal digits.
  char spawn_id[33];
} multiagent_supervisor_ahead;

/// Takes the supervisor the start-up launched: returns 1 and fills `taken` (the caller then owns
/// the socket and the child), or 0 when none was launched or it was taken already.
int multiagent_take_supervisor_ahead(multiagent_supervisor_ahead *taken);

#endif

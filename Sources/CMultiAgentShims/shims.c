#define _GNU_SOURCE
#include <spawn.h>
#include "CMultiAgentShims.h"

int multiagent_posix_spawn_setsid_flag(void) {
#ifdef POSIX_SPAWN_SETSID
  return POSIX_SPAWN_SETSID;
#else
  return 0x80;
#endif
}

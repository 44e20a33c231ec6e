#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#include "CMultiAgentShims.h"

int multiagent_posix_spawn_setsid_flag(void) {
#ifdef POSIX_SPAWN_SETSID
  return POSIX_SPAWN_SETSID;
#else
  return 0x80;
#endif
}

int multiagent_posix_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  return posix_spawn_file_actions_addclosefrom_np(actions, lowfd);
#else
  (void)actions;
  (void)lowfd;
  return ENOSYS;
#endif
}

int multiagent_posix_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
  return posix_spawn_file_actions_addchdir_np(actions, path);
#elif defined(__APPLE__)
  return posix_spawn_file_actions_addchdir_np(actions, path);
#else
  (void)actions;
  (void)path;
  return ENOSYS;
#endif
}

void multiagent_sigset_fill_all(sigset_t *set) {
  sigfillset(set);
  memset(set, 0xff, sizeof(*set));
}

int multiagent_pidfd_open(int pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
  return (int)syscall(SYS_pidfd_open, pid, 0);
#elif defined(__linux__)
  return (int)syscall(434, pid, 0);
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

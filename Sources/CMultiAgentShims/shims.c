#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#if defined(__linux__)
#include <sys/prctl.h>
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

int multiagent_pipe_cloexec(int descriptors[2]) {
#if defined(__linux__)
  return pipe2(descriptors, O_CLOEXEC);
#else
  if (pipe(descriptors) != 0) return -1;
  fcntl(descriptors[0], F_SETFD, FD_CLOEXEC);
  fcntl(descriptors[1], F_SETFD, FD_CLOEXEC);
  return 0;
#endif
}

int multiagent_become_child_subreaper(void) {
#if defined(__linux__)
  return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#else
  errno = ENOSYS;
  return -1;
#endif
}

int multiagent_reap_exited_children(int keep) {
  for (;;) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return 0; /* ECHILD: no children at all */
    }
    if (info.si_pid == 0 || info.si_pid == keep) return 1;
    while (waitpid(info.si_pid, NULL, 0) < 0 && errno == EINTR) {
    }
  }
}

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int multiagent_use_one_malloc_arena(void) {
#if defined(__GLIBC__)
  return mallopt(M_ARENA_MAX, 1) == 1 ? 0 : -1;
#else
  return 0;
#endif
}

int multiagent_send_descriptor(int socket, int descriptor, unsigned char byte) {
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
  } control;
  memset(&control, 0, sizeof(control));
  struct iovec part = {.iov_base = &byte, .iov_len = 1};
  struct msghdr message = {0};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control.space;
  message.msg_controllen = sizeof(control.space);
  struct cmsghdr *header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(header), &descriptor, sizeof(int));
  return sendmsg(socket, &message, MSG_NOSIGNAL) == 1 ? 1 : -1;
}

long multiagent_receive_with_descriptor(int socket, void *buffer, unsigned long length, int *descriptor) {
  union {
    struct cmsghdr header;
    char space[CMSG_SPACE(sizeof(int))];
  } control;
  struct iovec part = {.iov_base = buffer, .iov_len = length};
  struct msghdr message = {0};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control.space;
  message.msg_controllen = sizeof(control.space);
  *descriptor = -1;
  ssize_t count = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  if (count < 0) return -1;
  for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS &&
        header->cmsg_len == CMSG_LEN(sizeof(int))) {
      memcpy(descriptor, CMSG_DATA(header), sizeof(int));
    }
  }
  return (long)count;
}

int multiagent_rename_noreplace(const char *from, const char *to) {
#if defined(__linux__) && defined(SYS_renameat2)
  int result = (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */);
  if (result == 0 || (errno != ENOSYS && errno != EINVAL)) return result;
#endif
  // A kernel or file system without RENAME_NOREPLACE: checked, then renamed.
  struct stat status;
  if (lstat(to, &status) == 0) {
    errno = EEXIST;
    return -1;
  }
  return rename(from, to);
}

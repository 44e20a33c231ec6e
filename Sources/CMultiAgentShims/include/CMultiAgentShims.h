#ifndef CMULTIAGENT_SHIMS_H
#define CMULTIAGENT_SHIMS_H

#include <signal.h>
#include <spawn.h>

/// POSIX_SPAWN_SETSID (glibc 2.26+, needs _GNU_SOURCE, which Swift's Glibc module does not set).
int multiagent_posix_spawn_setsid_flag(void);

/// Adds "close every descriptor >= lowfd" to `actions`
/// (posix_spawn_file_actions_addclosefrom_np, glibc 2.34+).
/// Returns 0, or an errno value; ENOSYS when the C library lacks it.
int multiagent_posix_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd);

/// Adds "change the working directory to `path`" to `actions`
/// (posix_spawn_file_actions_addchdir_np, glibc 2.29+, macOS 10.15+).
/// Returns 0, or an errno value; ENOSYS when the C library lacks it.
int multiagent_posix_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// Fills `set` with every signal, including the C library's internal ones (glibc's SIGCANCEL and
/// SIGSETXID, which sigfillset leaves out). Used as the POSIX_SPAWN_SETSIGDEF set so the child
/// starts with every disposition at SIG_DFL: otherwise glibc sets those two to SIG_IGN in the
/// child of a threaded parent, and an ignored signal stays ignored across exec.
void multiagent_sigset_fill_all(sigset_t *set);

/// A descriptor that becomes readable when process `pid` exits (pidfd_open, Linux 5.3+), or -1
/// with errno set (ENOSYS where the system has no pidfds).
int multiagent_pidfd_open(int pid);

/// Creates a pipe whose two ends are close-on-exec from the start (pipe2 with O_CLOEXEC, which
/// needs _GNU_SOURCE), so a process spawned concurrently by another thread never inherits them.
/// Returns 0, or -1 with errno set.
int multiagent_pipe_cloexec(int descriptors[2]);

/// Makes the calling process a child subreaper (Linux PR_SET_CHILD_SUBREAPER): orphaned
/// descendants are reparented to it instead of init. Returns 0, or -1 with errno set.
int multiagent_become_child_subreaper(void);

/// Reaps every exited child except `keep` (0: none kept), without blocking.
/// Returns 1 when children remain (running, or `keep` itself), 0 when there are none left.
int multiagent_reap_exited_children(int keep);

/// Makes glibc's malloc keep to one arena (mallopt M_ARENA_MAX = 1), so that a worker thread does
/// not reserve and grow an arena of its own. Returns 0, or -1 when glibc refuses; a no-op elsewhere.
int multiagent_use_one_malloc_arena(void);

/// Sends one byte, `byte`, over the connected socket `socket` with a copy of descriptor `descriptor`
/// (SCM_RIGHTS), without SIGPIPE. Returns 1 when sent, or -1 with errno set.
int multiagent_send_descriptor(int socket, int descriptor, unsigned char byte);

/// Receives up to `length` bytes from `socket` into `buffer`, and the descriptor that came with
/// them (SCM_RIGHTS, made close-on-exec) into `descriptor`, -1 when none did. Returns the number of
/// bytes (0 at the end of the stream), or -1 with errno set.
long multiagent_receive_with_descriptor(int socket, void *buffer, unsigned long length, int *descriptor);

/// rename(2) that fails with EEXIST instead of replacing `to` (renameat2's RENAME_NOREPLACE): a
/// directory renamed into place never replaces an empty one made meanwhile. Where the kernel or file
/// system lacks the flag, `to` is checked first, then renamed. -1 with errno set.
int multiagent_rename_noreplace(const char *from, const char *to);

#endif

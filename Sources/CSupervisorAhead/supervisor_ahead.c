// A `spawn`'s supervisor, launched by the `multiagent` executable before its own runtime starts.
//
// A spawn starts its agent's supervisor ahead of its own work (`PendingSupervisor`), so that the
// supervisor's start-up — the program loaded, the catalog and the database opened — overlaps the
// spawn's checks and record instead of following them. Started from Swift, it comes only once the
// Swift runtime has started and the command line is read (~1.4 ms after the spawn's exec on a slow
// virtual machine), and `posix_spawn` holds the spawn until the supervisor's exec. Both are on the
// path to the CLI's start: the supervisor's start-up took as long as the spawn's own work.
//
// glibc calls each function of the main program's `.init_array` with argc, argv and envp, in order
// of priority, before any C++ or Swift initializer: the function below recognises a spawn on the
// command line and starts the supervisor with `vfork`, while the process has one thread. The child
// runs at once, on this processor, while the spawn waits for its exec (~0.25 ms); a forked child
// was placed on the other, idle processor and took ~1.4 ms to get there on a virtual machine whose
// idle processors sleep. Until its exec the child only makes system calls. It sets itself up as
// `ProcessLauncher` sets up a detached supervisor (a new session, every signal at its default and
// none blocked, mask 077, `/`, `/dev/null` for 0-2, the socket as descriptor 3 and nothing else
// open), and execs `multiagent __supervise [--home H] --early AGENT-ID`: its words and environment
// come first on descriptor 3, sent by the spawn once it has read its command line, and are checked
// there (`Supervisor.main`). Its exec environment is the spawn's without an agent's identity, the
// signal file's path or the spawn's own spawn id, plus its own spawn id.
//
// The recogniser is conservative: global options (`--home X`, `--store X`, `--json`, with `=` or
// not), then the word `spawn`, and no `--help`, `-h`, `--version` or `--host` before `--`. It never
// decides anything: a spawn the Swift side does not take this supervisor for (a usage error, a
// remote host) closes the socket, and the supervisor exits having touched nothing.

#define _GNU_SOURCE
#include "CSupervisorAhead.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static multiagent_supervisor_ahead launched = {.pid = -1, .socket = -1};

int multiagent_take_supervisor_ahead(multiagent_supervisor_ahead *taken) {
  if (launched.pid <= 0) return 0;
  *taken = launched;
  launched.pid = -1;
  launched.socket = -1;
  return 1;
}

static int starts_with(const char *word, const char *prefix) {
  return strncmp(word, prefix, strlen(prefix)) == 0;
}

/// Whether `argv` is a local spawn; `*home` is set to its `--home` value, if any.
static int is_spawn(int argc, char **argv, const char **home) {
  int index = 1;
  int seen_spawn = 0;
  *home = NULL;
  for (; index < argc; index++) {
    const char *word = argv[index];
    if (strcmp(word, "--") == 0) break;
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "--version") == 0
        || strcmp(word, "--host") == 0 || starts_with(word, "--host=")) {
      return 0;
    }
    if (strcmp(word, "--home") == 0 || strcmp(word, "--store") == 0) {
      if (index + 1 >= argc) return 0;
      if (word[2] == 'h') *home = argv[index + 1];
      index++;
      continue;
    }
    if (starts_with(word, "--home=")) {
      *home = word + strlen("--home=");
      continue;
    }
    if (seen_spawn || starts_with(word, "--store=") || strcmp(word, "--json") == 0) continue;
    // The first word that is not a global option names the command.
    if (strcmp(word, "spawn") != 0) return 0;
    seen_spawn = 1;
  }
  return seen_spawn;
}

static int hex_random(char *out, size_t digits) {
  unsigned char bytes[32];
  size_t count = digits / 2;
  if (count > sizeof bytes || getrandom(bytes, count, 0) != (ssize_t)count) return -1;
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < count; i++) {
    out[2 * i] = hex[bytes[i] >> 4];
    out[2 * i + 1] = hex[bytes[i] & 15];
  }
  out[digits] = 0;
  return 0;
}

/// Whether `entry` (`NAME=value`) is one a supervisor must not inherit.
static int is_withheld(const char *entry) {
  static const char *const names[] = {
    "MULTIAGENT_AGENT_ID=", "MULTIAGENT_TOKEN=", "MULTIAGENT_SIGNAL_FILE=", "MULTIAGENT_SPAWN_ID=",
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (starts_with(entry, names[i])) return 1;
  }
  return 0;
}

/// Closes every descriptor from 4 up.
static void close_from_four(void) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 4U, ~0U, 0U) == 0) return;
#endif
  long limit = sysconf(_SC_OPEN_MAX);
  if (limit < 0 || limit > 65536) limit = 65536;
  for (int descriptor = 4; descriptor < limit; descriptor++) close(descriptor);
}

/// The child of `vfork`, on the spawn's stack and memory: set up as a detached supervisor with
/// system calls only, then exec. Never returns.
static void become_supervisor(int socket, const char *executable, char **argv, char **envp) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int number = 1; number < NSIG; number++) {
    if (number != SIGKILL && number != SIGSTOP) signal(number, SIG_DFL);
  }
  setsid();
  umask(077);
  if (chdir("/") != 0) _exit(127);
  int null = open("/dev/null", O_RDWR);
  if (null < 0) _exit(127);
  if (socket != 3 && dup2(socket, 3) != 3) _exit(127);
  if (socket == 3) fcntl(3, F_SETFD, 0);
  for (int target = 0; target < 3; target++) {
    if (null != target && dup2(null, target) != target) _exit(127);
  }
  close_from_four();
  execve(executable, argv, envp);
  _exit(127);
}

__attribute__((constructor(101))) static void multiagent_start_supervisor_ahead(
  int argc, char **argv, char **envp) {
  const char *home;
  if (argc < 2 || !is_spawn(argc, argv, &home)) return;

  char executable[PATH_MAX + 1];
  ssize_t length = readlink("/proc/self/exe", executable, PATH_MAX);
  if (length <= 0) return;
  executable[length] = 0;

  multiagent_supervisor_ahead child = {.pid = -1, .socket = -1};
  if (hex_random(child.agent_id, 16) != 0 || hex_random(child.spawn_id, 32) != 0) return;

  size_t count = 0;
  while (envp && envp[count]) count++;
  char **environment = calloc(count + 2, sizeof(char *));
  if (!environment) return;
  size_t kept = 0;
  for (size_t i = 0; i < count; i++) {
    if (!is_withheld(envp[i])) environment[kept++] = envp[i];
  }
  char spawn_entry[sizeof "MULTIAGENT_SPAWN_ID=" + 32];
  memcpy(spawn_entry, "MULTIAGENT_SPAWN_ID=", sizeof "MULTIAGENT_SPAWN_ID=" - 1);
  memcpy(spawn_entry + sizeof "MULTIAGENT_SPAWN_ID=" - 1, child.spawn_id, 33);
  environment[kept++] = spawn_entry;
  environment[kept] = NULL;

  char *words[8];
  int word = 0;
  words[word++] = executable;
  words[word++] = "__supervise";
  // Only for the eyes of `ps` and of those looking for a home's processes: the home counts once
  // the spawn has resolved it and sent it.
  if (home) {
    words[word++] = "--home";
    words[word++] = (char *)home;
  }
  words[word++] = "--early";
  words[word++] = child.agent_id;
  words[word] = NULL;

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    free(environment);
    return;
  }
  pid_t pid = vfork();
  if (pid == 0) become_supervisor(pair[1], executable, words, environment);
  free(environment);
  close(pair[1]);
  if (pid < 0) {
    close(pair[0]);
    return;
  }
  child.pid = pid;
  child.socket = pair[0];
  launched = child;
}

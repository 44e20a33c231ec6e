#ifndef CMULTIAGENT_SHIMS_H
#define CMULTIAGENT_SHIMS_H

/// POSIX_SPAWN_SETSID (glibc 2.26+, needs _GNU_SOURCE, which Swift's Glibc module does not set).
int multiagent_posix_spawn_setsid_flag(void);

#endif

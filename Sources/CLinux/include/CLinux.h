#ifndef LASTWORD_CLINUX_H
#define LASTWORD_CLINUX_H

/// CPUs this process may run on (sched_getaffinity's mask, as `taskset` sets it); 0 if unknown.
/// In C because CPU_COUNT is a macro and sched_getaffinity needs _GNU_SOURCE.
int lw_available_cpus(void);



#include <sys/socket.h>

/// accept4(2), which glibc declares only under _GNU_SOURCE.
int lw_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
#endif

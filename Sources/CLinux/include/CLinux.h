#ifndef LASTWORD_CLINUX_H
#define LASTWORD_CLINUX_H

/// CPUs this process may run on (sched_getaffinity's mask, as `taskset` sets it); 0 if unknown.
/// In C because CPU_COUNT is a macro and sched_getaffinity needs _GNU_SOURCE.
int lw_available_cpus(void);



#include <sys/socket.h>

/// accept4(2), which glibc declares only under _GNU_SOURCE.
int lw_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
#include <stdint.h>

/// One readiness event, unpacked (the kernel's epoll_event is packed on x86-64, which Swift imports awkwardly).
struct lw_event {
    uint64_t data;
    uint32_t events;
    uint32_t reserved;
};

enum {
    LW_EPOLLIN = 0x001,
    LW_EPOLLOUT = 0x004,
    LW_EPOLLERR = 0x008,
    LW_EPOLLHUP = 0x010,
};

/// epoll_create1(EPOLL_CLOEXEC).
int lw_epoll_create(void);
/// epoll_ctl with the event mask and user data spelled out.
int lw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
/// epoll_wait into unpacked events; returns the count or -1 with errno.
int lw_epoll_wait(int epfd, struct lw_event *events, int max, int timeout);

/// glibc's allocator: at most `arenas` malloc arenas (mallopt M_ARENA_MAX); 1 on success.
int lw_malloc_limit_arenas(int arenas);
/// glibc's malloc_trim(0): gives the free pages of every arena back to the kernel; 1 if any were.
int lw_malloc_trim(void);
/// glibc's mallinfo2 over every arena: bytes in live blocks (mmapped ones included), and free bytes the arenas hold.
void lw_malloc_usage(uint64_t *in_use, uint64_t *free_held);

#endif

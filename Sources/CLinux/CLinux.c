#define _GNU_SOURCE
#include <malloc.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <errno.h>
#include "CLinux.h"

int lw_available_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return 0;
    }
    return CPU_COUNT(&set);
}

int lw_accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    return accept4(fd, address, length, flags);
}

int lw_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int lw_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event event;
    event.events = events;
    event.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &event);
}

int lw_epoll_wait(int epfd, struct lw_event *events, int max, int timeout) {
    struct epoll_event raw[256];
    if (max > 256) max = 256;
    int count = epoll_wait(epfd, raw, max, timeout);
    for (int i = 0; i < count; i++) {
        events[i].data = raw[i].data.u64;
        events[i].events = raw[i].events;
        events[i].reserved = 0;
    }
    return count;
}

int lw_malloc_limit_arenas(int arenas) {
    return mallopt(M_ARENA_MAX, arenas);
}

int lw_malloc_trim(void) {
    return malloc_trim(0);
}

void lw_malloc_usage(uint64_t *in_use, uint64_t *free_held) {
    struct mallinfo2 info = mallinfo2();
    *in_use = (uint64_t)info.uordblks + (uint64_t)info.hblkhd;
    *free_held = (uint64_t)info.fordblks;
}

// NOTIFY throughput and latency of one PostgreSQL, for bench/pg-ceiling: one publisher connection sends
// notifications on one channel, K per transaction; L listener connections LISTEN on it and time every receipt.
//
//   notify-bench URL [--listeners L] [--payload BYTES] [--per-txn K] [--seconds S] [--rate R] [--max N]
//
// Without --rate the publisher sends as fast as its connection allows (throughput); with --rate it paces
// transactions to R notifications per second (latency at a moderate rate). Every payload is unique (its sequence
// number, zero-padded, then 'x' up to BYTES): PostgreSQL folds identical payloads within one transaction.
// K = 1 sends `SELECT pg_notify(...)` autocommitted, one transaction per statement; K > 1 sends BEGIN and K
// pg_notify calls as one query string, then COMMIT.
//
// Latency is from the moment the publisher sends the transaction's COMMIT (for K = 1 the autocommitted statement)
// to the moment a listener's libpq hands over the notification, on one monotonic clock (all threads are in this
// process). Throughput is the notifications every listener received divided by the time from the first send to
// the slowest listener's last receipt: what the server delivered, not only what it accepted.
//
// Prints one line of key=value pairs (see the printf at the end), including the CPU the publisher thread, the busiest
// listener thread, the publisher's backend and the listeners' backends (together) used, in % of one core (from
// /proc: the server runs on this machine), so that a client-bound run can be told from a server-bound one.
#define _GNU_SOURCE
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL "lastword_bench"
#define MAX_LISTENERS 16
#define NO_TIME UINT32_MAX

static const char *url;
static int listeners = 3, payload = 200, per_txn = 1;
static double seconds = 10, rate = 0;
static uint64_t max_notes = 4000000;

static struct timespec origin;
static uint32_t *commit_us;              // per transaction: when its COMMIT was sent, µs since origin
static uint32_t *receipt_us[MAX_LISTENERS];  // per listener and notification: when it arrived
static atomic_uint_fast64_t published;   // notifications committed so far
static atomic_int publishing_done;
static atomic_uint_fast64_t received[MAX_LISTENERS];
static atomic_int listeners_ready;
static atomic_int may_close;  // the main thread has read the backends' CPU
static int listener_pid[MAX_LISTENERS];
static double listener_cpu[MAX_LISTENERS];
static uint32_t last_receipt[MAX_LISTENERS];
static uint64_t duplicates[MAX_LISTENERS];

static uint32_t now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint32_t)((t.tv_sec - origin.tv_sec) * 1000000LL + (t.tv_nsec - origin.tv_nsec) / 1000);
}

static double thread_cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

// utime + stime of a process, in seconds (a server backend: the same machine).
static double process_cpu_seconds(int pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');  // the command name may hold spaces
    if (!p) return -1;
    unsigned long utime = 0, stime = 0;
    // fields after ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15)
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
    return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

static PGconn *connect_or_die(void) {
    PGconn *conn = PQconnectdb(url);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "notify-bench: cannot connect: %s", PQerrorMessage(conn));
        exit(1);
    }
    return conn;
}

static void exec_or_die(PGconn *conn, const char *sql) {
    PGresult *r = PQexec(conn, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        fprintf(stderr, "notify-bench: %.80s…: %s", sql, PQerrorMessage(conn));
        exit(1);
    }
    PQclear(r);
}

static void *listen_thread(void *arg) {
    int index = (int)(intptr_t)arg;
    PGconn *conn = connect_or_die();
    listener_pid[index] = PQbackendPID(conn);
    exec_or_die(conn, "LISTEN " CHANNEL);
    atomic_fetch_add(&listeners_ready, 1);
    double cpu0 = thread_cpu_seconds();
    uint32_t *mine = receipt_us[index];
    uint64_t count = 0;
    uint32_t done_at = NO_TIME;
    struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
    for (;;) {
        if (atomic_load(&publishing_done)) {
            if (count >= atomic_load(&published)) break;
            if (done_at == NO_TIME) done_at = now_us();
            if (now_us() - done_at > 30000000) break;  // 30 s after the last commit: the rest is lost
        }
        int ready = poll(&pfd, 1, 50);
        if (ready < 0 && errno != EINTR) { perror("poll"); exit(1); }
        if (ready <= 0) continue;
        if (!PQconsumeInput(conn)) {
            fprintf(stderr, "notify-bench: listener %d: %s", index, PQerrorMessage(conn));
            exit(1);
        }
        PGnotify *note;
        while ((note = PQnotifies(conn)) != NULL) {
            uint32_t t = now_us();
            uint64_t seq = strtoull(note->extra, NULL, 10);
            if (seq < max_notes && mine[seq] == NO_TIME) {
                mine[seq] = t;
                count++;
                atomic_store(&received[index], count);
                last_receipt[index] = t;
            } else {
                duplicates[index]++;
            }
            PQfreemem(note);
        }
    }
    listener_cpu[index] = thread_cpu_seconds() - cpu0;
    while (!atomic_load(&may_close)) usleep(1000);
    PQfinish(conn);
    return NULL;
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void usage(void) {
    fprintf(stderr, "usage: notify-bench URL [--listeners L] [--payload BYTES] [--per-txn K] [--seconds S] [--rate R] [--max N]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    url = argv[1];
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc) usage();
        const char *k = argv[i], *v = argv[++i];
        if (!strcmp(k, "--listeners")) listeners = atoi(v);
        else if (!strcmp(k, "--payload")) payload = atoi(v);
        else if (!strcmp(k, "--per-txn")) per_txn = atoi(v);
        else if (!strcmp(k, "--seconds")) seconds = atof(v);
        else if (!strcmp(k, "--rate")) rate = atof(v);
        else if (!strcmp(k, "--max")) max_notes = strtoull(v, NULL, 10);
        else usage();
    }
    if (listeners < 1 || listeners > MAX_LISTENERS || payload < 16 || payload > 7999 || per_txn < 1) usage();

    clock_gettime(CLOCK_MONOTONIC, &origin);
    commit_us = malloc(sizeof(uint32_t) * (max_notes / per_txn + 1));
    for (int l = 0; l < listeners; l++) {
        receipt_us[l] = malloc(sizeof(uint32_t) * max_notes);
        if (!receipt_us[l]) { perror("malloc"); return 1; }
        memset(receipt_us[l], 0xff, sizeof(uint32_t) * max_notes);  // NO_TIME
    }

    pthread_t threads[MAX_LISTENERS];
    for (int l = 0; l < listeners; l++) pthread_create(&threads[l], NULL, listen_thread, (void *)(intptr_t)l);
    while (atomic_load(&listeners_ready) < listeners) usleep(1000);

    PGconn *pub = connect_or_die();
    int pub_pid = PQbackendPID(pub);
    exec_or_die(pub, "SET synchronous_commit = on");

    // One transaction's query text: "BEGIN;" (K > 1) and K pg_notify calls; the sequence numbers are patched in.
    const char *head = per_txn > 1 ? "BEGIN;" : "";
    const char *call_open = "SELECT pg_notify('" CHANNEL "','";
    const char *call_close = "');";
    size_t call_len = strlen(call_open) + payload + strlen(call_close);
    size_t sql_len = strlen(head) + call_len * per_txn;
    char *sql = malloc(sql_len + 1);
    char *p = sql;
    p += sprintf(p, "%s", head);
    size_t seq_offset[per_txn];
    for (int k = 0; k < per_txn; k++) {
        p += sprintf(p, "%s", call_open);
        seq_offset[k] = p - sql;
        memset(p, 'x', payload);
        p += payload;
        p += sprintf(p, "%s", call_close);
    }
    *p = 0;

    double pub_cpu0 = thread_cpu_seconds();
    double pub_backend0 = process_cpu_seconds(pub_pid);
    double listener_backend0[MAX_LISTENERS];
    for (int l = 0; l < listeners; l++) listener_backend0[l] = process_cpu_seconds(listener_pid[l]);

    uint32_t start = now_us();
    uint64_t seq = 0, txn = 0;
    uint32_t publish_end = start;
    while (seq + per_txn <= max_notes) {
        uint32_t t = now_us();
        if (t - start >= seconds * 1e6) break;
        if (rate > 0) {
            double due = start + (double)seq / rate * 1e6;
            if (t < due) {
                struct timespec wait = {.tv_sec = 0, .tv_nsec = (long)((due - t) * 1000)};
                while (wait.tv_nsec >= 1000000000L) { wait.tv_sec++; wait.tv_nsec -= 1000000000L; }
                nanosleep(&wait, NULL);
            }
        }
        for (int k = 0; k < per_txn; k++) {
            char digits[32];
            snprintf(digits, sizeof digits, "%012llu", (unsigned long long)(seq + k));
            memcpy(sql + seq_offset[k], digits, 12);
        }
        if (per_txn == 1) {
            commit_us[txn] = now_us();
            exec_or_die(pub, sql);
        } else {
            exec_or_die(pub, sql);
            commit_us[txn] = now_us();
            exec_or_die(pub, "COMMIT");
        }
        seq += per_txn;
        txn++;
        atomic_store(&published, seq);
        publish_end = now_us();
    }
    double pub_cpu = thread_cpu_seconds() - pub_cpu0;
    double pub_backend = process_cpu_seconds(pub_pid) - pub_backend0;
    atomic_store(&publishing_done, 1);

    // Sample the listeners' backends once they have drained (or given up), before their connections close.
    uint32_t deliver_end = publish_end;
    double listener_backend = 0;
    for (;;) {
        int all = 1;
        for (int l = 0; l < listeners; l++) if (atomic_load(&received[l]) < seq) all = 0;
        if (all || now_us() - publish_end > 30000000) break;
        usleep(1000);
    }
    for (int l = 0; l < listeners; l++) listener_backend += process_cpu_seconds(listener_pid[l]) - listener_backend0[l];
    atomic_store(&may_close, 1);
    PGresult *usage_result = PQexec(pub, "SELECT pg_notification_queue_usage()");
    double queue_usage = PQresultStatus(usage_result) == PGRES_TUPLES_OK ? atof(PQgetvalue(usage_result, 0, 0)) : -1;
    PQclear(usage_result);
    for (int l = 0; l < listeners; l++) pthread_join(threads[l], NULL);
    PQfinish(pub);

    uint64_t min_received = UINT64_MAX, missing = 0, dups = 0;
    double listener_cpu_max = 0;
    for (int l = 0; l < listeners; l++) {
        uint64_t r = atomic_load(&received[l]);
        if (r < min_received) min_received = r;
        missing += seq - r;
        dups += duplicates[l];
        if (last_receipt[l] > deliver_end) deliver_end = last_receipt[l];
        if (listener_cpu[l] > listener_cpu_max) listener_cpu_max = listener_cpu[l];
    }

    // Latencies of every (listener, notification) receipt, from its transaction's COMMIT.
    uint64_t n = 0;
    uint32_t *lat = malloc(sizeof(uint32_t) * (seq * listeners + 1));
    for (int l = 0; l < listeners; l++)
        for (uint64_t s = 0; s < seq; s++)
            if (receipt_us[l][s] != NO_TIME) {
                uint32_t c = commit_us[s / per_txn];
                lat[n++] = receipt_us[l][s] >= c ? receipt_us[l][s] - c : 0;
            }
    qsort(lat, n, sizeof(uint32_t), compare_u32);
    double p50 = n ? lat[n / 2] / 1000.0 : -1, p99 = n ? lat[(n * 99) / 100] / 1000.0 : -1,
           pmax = n ? lat[n - 1] / 1000.0 : -1;

    double publish_seconds = (publish_end - start) / 1e6;
    double deliver_seconds = (deliver_end - start) / 1e6;
    printf("listeners=%d payload=%d per_txn=%d rate_target=%.0f published=%llu txns=%llu publish_s=%.3f "
           "publish_rate=%.0f received_min=%llu missing=%llu duplicates=%llu deliver_s=%.3f delivered_rate=%.0f "
           "deliveries_rate=%.0f lat_p50_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f publisher_cpu_pct=%.0f "
           "listener_cpu_pct_max=%.0f publisher_backend_cpu_pct=%.0f listener_backends_cpu_pct=%.0f "
           "queue_usage_end=%.6f\n",
           listeners, payload, per_txn, rate, (unsigned long long)seq, (unsigned long long)txn, publish_seconds,
           seq / publish_seconds, (unsigned long long)min_received, (unsigned long long)missing,
           (unsigned long long)dups, deliver_seconds, min_received / deliver_seconds,
           (double)(seq * listeners - missing) / deliver_seconds, p50, p99, pmax, 100 * pub_cpu / publish_seconds,
           100 * listener_cpu_max / deliver_seconds, 100 * pub_backend / publish_seconds,
           100 * listener_backend / deliver_seconds, queue_usage);
    return missing ? 3 : 0;
}

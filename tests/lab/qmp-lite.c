/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qmp-lite: drive a QEMU QMP socket from an initramfs shell.
 *
 *   qmp-lite [-t SECONDS] [-p PID] SOCKET STEP...
 *
 * Connects to the QMP UNIX socket SOCKET (retrying until it appears: QEMU
 * creates it while starting; with -p, only while process PID lives, so that
 * a QEMU that failed to start is noticed at once), negotiates capabilities
 * and runs each STEP (within SECONDS in all, default 60):
 *
 *   {...}            a QMP command in JSON: sent as is; the reply is awaited
 *   wait-migration   poll query-migrate every 100 ms until its status is
 *                    completed, failed or cancelled
 *   wait-incoming    poll query-status every 100 ms while it is inmigrate
 *
 * Every line sent is printed as "-> LINE", every line received (replies
 * and events) as "<- LINE"; of a polling step only the last reply. Nothing
 * is parsed beyond the top-level kind of a message and a "status" string.
 *
 * Exit status: 0 every step succeeded; 1 an error reply or a failed
 * migration (later steps still run); 2 bad usage or no connection within
 * the time limit; 3 QEMU closed the connection (it exited); 4 time limit.
 *
 * libc only, so that it links statically for the lab's initramfs.
 */

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
    QMP_EXIT_OK = 0,
    QMP_EXIT_ERROR_REPLY = 1,
    QMP_EXIT_USAGE = 2,
    QMP_EXIT_CLOSED = 3,
    QMP_EXIT_TIMEOUT = 4,
};

#define LINE_MAX_LEN (1024 * 1024)
#define POLL_INTERVAL_MS 100

struct qmp_conn {
    int fd;
    long pid;                   /* QEMU's (-p), or 0 */
    char *buf;                  /* received, not yet consumed */
    size_t len;
    double deadline;            /* CLOCK_MONOTONIC seconds */
};

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Is process PID gone (or a zombie)? */
static bool
process_gone(long pid)
{
    char path[64];
    char buf[512];
    FILE *f;
    size_t n;
    const char *p;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    if (!(f = fopen(path, "r")))
        return true;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');          /* "pid (comm) S ..." */
    return p && (p[2] == 'Z' || p[2] == 'X');
}

/* Connect, retrying while the socket does not exist or refuses. */
static int
qmp_connect(struct qmp_conn *c, const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    if (strlen(path) >= sizeof(addr.sun_path)) {
        fprintf(stderr, "qmp-lite: socket path too long: %s\n", path);
        return QMP_EXIT_USAGE;
    }
    strcpy(addr.sun_path, path);
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0) {
            fprintf(stderr, "qmp-lite: socket: %s\n", strerror(errno));
            return QMP_EXIT_USAGE;
        }
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
            c->fd = fd;
            return QMP_EXIT_OK;
        }
        int err = errno;
        close(fd);
        if ((err != ENOENT && err != ECONNREFUSED) || now() > c->deadline) {
            fprintf(stderr, "qmp-lite: connect %s: %s\n", path, strerror(err));
            return QMP_EXIT_USAGE;
        }
        if (c->pid && process_gone(c->pid)) {
            printf("qmp-lite: process %ld exited before it listened\n", c->pid);
            return QMP_EXIT_CLOSED;
        }
        sleep_ms(50);
    }
}

/*
 * Read one line (without the line end) into *line, which the caller frees.
 * Returns QMP_EXIT_OK, QMP_EXIT_CLOSED or QMP_EXIT_TIMEOUT.
 */
static int
qmp_read_line(struct qmp_conn *c, char **line)
{
    for (;;) {
        char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;

        if (nl) {
            size_t n = nl - c->buf;
            char *s = malloc(n + 1);

            if (!s)
                abort();
            memcpy(s, c->buf, n);
            s[n] = '\0';
            if (n && s[n - 1] == '\r')
                s[n - 1] = '\0';
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            *line = s;
            return QMP_EXIT_OK;
        }
        if (c->len >= LINE_MAX_LEN) {
            fprintf(stderr, "qmp-lite: line longer than %d bytes\n", LINE_MAX_LEN);
            return QMP_EXIT_CLOSED;
        }

        double left = c->deadline - now();
        if (left <= 0)
            return QMP_EXIT_TIMEOUT;
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            fprintf(stderr, "qmp-lite: poll: %s\n", strerror(errno));
            return QMP_EXIT_CLOSED;
        }
        if (r == 0)
            return QMP_EXIT_TIMEOUT;

        char chunk[65536];
        ssize_t got = read(c->fd, chunk, sizeof(chunk));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return QMP_EXIT_CLOSED;
        char *nb = realloc(c->buf, c->len + got);
        if (!nb)
            abort();
        c->buf = nb;
        memcpy(c->buf + c->len, chunk, got);
        c->len += got;
    }
}

static int
qmp_send(struct qmp_conn *c, const char *json)
{
    size_t len = strlen(json);
    size_t off = 0;

    while (off < len + 1) {
        const char *p = off < len ? json + off : "\n";
        size_t n = off < len ? len - off : 1;
        ssize_t w = write(c->fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return QMP_EXIT_CLOSED;
        off += w;
    }
    return QMP_EXIT_OK;
}

enum qmp_kind { QMP_GREETING, QMP_RETURN, QMP_ERROR, QMP_EVENT, QMP_OTHER };

/* The kind of a QMP message: QEMU prints the distinguishing key first,
 * except for events, which start with "timestamp". */
static enum qmp_kind
qmp_kind(const char *line)
{
    while (*line == ' ')
        line++;
    if (strncmp(line, "{\"QMP\"", 6) == 0)
        return QMP_GREETING;
    if (strncmp(line, "{\"return\"", 9) == 0)
        return QMP_RETURN;
    if (strncmp(line, "{\"error\"", 8) == 0)
        return QMP_ERROR;
    if (strstr(line, "\"event\":"))
        return QMP_EVENT;
    return QMP_OTHER;
}

/*
 * Send JSON (unless NULL) and wait for the reply (a return or an error),
 * printing events on the way. With quiet, the sent line and the reply are
 * not printed (the caller prints the last one of a poll).
 */
static int
qmp_exchange(struct qmp_conn *c, const char *json, bool quiet, char **reply)
{
    int rc;

    if (json) {
        if (!quiet)
            printf("-> %s\n", json);
        if ((rc = qmp_send(c, json)) != QMP_EXIT_OK)
            return rc;
    }
    for (;;) {
        char *line = NULL;

        fflush(stdout);
        if ((rc = qmp_read_line(c, &line)) != QMP_EXIT_OK)
            return rc;
        enum qmp_kind kind = qmp_kind(line);
        if (kind == QMP_EVENT || kind == QMP_OTHER || !quiet)
            printf("<- %s\n", line);
        if (kind == QMP_RETURN || kind == QMP_ERROR || (!json && kind == QMP_GREETING)) {
            *reply = line;
            return QMP_EXIT_OK;
        }
        free(line);
    }
}

/* The string value of the first "status" key in LINE, or "". */
static void
qmp_status(const char *line, char *out, size_t outlen)
{
    const char *p = strstr(line, "\"status\": \"");
    size_t n = 0;

    if (p) {
        p += strlen("\"status\": \"");
        while (p[n] && p[n] != '"' && n + 1 < outlen)
            n++;
        memcpy(out, p, n);
    }
    out[n] = '\0';
}

/*
 * Poll QUERY every POLL_INTERVAL_MS while the status is one of the
 * space-separated words of WHILE (wait-incoming) or until it is one of
 * UNTIL (wait-migration). Prints the last reply. *failed is set when the
 * final status is in BAD.
 */
static int
qmp_poll(struct qmp_conn *c, const char *query, const char *while_in,
         const char *until_in, const char *bad, bool *failed)
{
    char status[64];
    char word[66];

    for (;;) {
        char *reply = NULL;
        int rc = qmp_exchange(c, query, true, &reply);

        if (rc != QMP_EXIT_OK)
            return rc;
        qmp_status(reply, status, sizeof(status));
        snprintf(word, sizeof(word), " %s ", status);
        bool done = qmp_kind(reply) == QMP_ERROR ||
                    (while_in && !strstr(while_in, word)) ||
                    (until_in && strstr(until_in, word));
        if (done) {
            printf("-> %s\n<- %s\n", query, reply);
            *failed = qmp_kind(reply) == QMP_ERROR || strstr(bad, word) != NULL;
            free(reply);
            return QMP_EXIT_OK;
        }
        free(reply);
        sleep_ms(POLL_INTERVAL_MS);
    }
}

static int
usage(void)
{
    fputs("usage: qmp-lite [-t SECONDS] [-p PID] SOCKET STEP...\n"
          "STEP: a QMP command in JSON, wait-migration or wait-incoming\n",
          stderr);
    return QMP_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
    struct qmp_conn c = { .fd = -1 };
    double timeout = 60;
    int argi = 1;
    int status = QMP_EXIT_OK;
    int rc;
    char *reply = NULL;

    /* QEMU may close the socket as it quits: a write then fails with EPIPE
     * (and "quit" counts as done) instead of killing us with SIGPIPE, which
     * the lab took for a failed save */
    signal(SIGPIPE, SIG_IGN);
    while (argc - argi > 1 && argv[argi][0] == '-' && argv[argi][1] && !argv[argi][2]) {
        char *end;

        if (argv[argi][1] == 't') {
            timeout = strtod(argv[argi + 1], &end);
            if (*end || timeout <= 0)
                return usage();
        } else if (argv[argi][1] == 'p') {
            c.pid = strtol(argv[argi + 1], &end, 10);
            if (*end || c.pid <= 0)
                return usage();
        } else {
            return usage();
        }
        argi += 2;
    }
    if (argc - argi < 1)
        return usage();

    c.deadline = now() + timeout;
    if ((rc = qmp_connect(&c, argv[argi++])) != QMP_EXIT_OK)
        return rc;
    if ((rc = qmp_exchange(&c, NULL, false, &reply)) != QMP_EXIT_OK)
        goto done;
    free(reply);
    if ((rc = qmp_exchange(&c, "{\"execute\": \"qmp_capabilities\"}", false,
                           &reply)) != QMP_EXIT_OK)
        goto done;
    free(reply);

    for (; argi < argc; argi++) {
        const char *step = argv[argi];
        bool failed = false;

        if (strcmp(step, "wait-migration") == 0) {
            rc = qmp_poll(&c, "{\"execute\": \"query-migrate\"}", NULL,
                          " completed failed cancelled ", " failed cancelled ", &failed);
        } else if (strcmp(step, "wait-incoming") == 0) {
            rc = qmp_poll(&c, "{\"execute\": \"query-status\"}", " inmigrate ",
                          NULL, " ", &failed);
        } else if (step[0] == '{') {
            rc = qmp_exchange(&c, step, false, &reply);
            if (rc == QMP_EXIT_CLOSED && strstr(step, "\"quit\"")) {
                rc = status;        /* QEMU may exit before it replies */
                goto done;
            }
            if (rc == QMP_EXIT_OK) {
                failed = qmp_kind(reply) == QMP_ERROR;
                free(reply);
            }
        } else {
            fprintf(stderr, "qmp-lite: unknown step: %s\n", step);
            rc = QMP_EXIT_USAGE;
        }
        if (rc != QMP_EXIT_OK)
            goto done;
        if (failed)
            status = QMP_EXIT_ERROR_REPLY;
    }
    rc = status;

 done:
    if (rc == QMP_EXIT_CLOSED)
        printf("qmp-lite: connection closed\n");
    else if (rc == QMP_EXIT_TIMEOUT)
        printf("qmp-lite: no reply within %g s\n", timeout);
    fflush(stdout);
    if (c.fd >= 0)
        close(c.fd);
    free(c.buf);
    return rc;
}

/*
 * A queue worker for the scaling tests: it takes jobs from a Redis list, spends a set time on each, records
 * every finished job so a test can prove each was done exactly once, and on SIGTERM finishes the job in hand
 * before it exits 0. Static C speaking RESP over TCP, so it runs under supervisord and in a busybox image alike.
 *
 * Settings (environment variables):
 *   WORKER_REDIS        host:port of Redis, an IPv4 address or localhost (default 127.0.0.1:6379)
 *   WORKER_QUEUE        the queue: jobs are taken from the list queues:<name> (default "default")
 *   WORKER_JOB_MS       milliseconds spent on each job (default 100)
 *   WORKER_NAME         this worker's name, which names its processing list (default <hostname>-<pid>)
 *   WORKER_EXIT_AT_ONCE 1: exit with status 3 at start, as a worker that crashes does
 *
 * Producers RPUSH, so the oldest job is on the left: BLMOVE moves it into processing:<worker> and, once done,
 * one MULTI/EXEC does INCR done:<jobid>, RPUSH done <jobid> and LREM processing:<worker> 1 <payload>.
 * The job id is the payload's JSON "id" (or "uuid") string or number, else the whole payload.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static const char *worker_name;

static void on_stop_signal(int signal_number) { (void)signal_number; stop_requested = 1; }

static void say(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    printf("worker %s: ", worker_name);
    vprintf(format, args);
    printf("\n");
    fflush(stdout);
    va_end(args);
}

/* ---- RESP over one TCP connection ---- */

typedef struct { int fd; char buf[65536]; size_t start, end; } connection;

/* A reply: type is one of + - : $ *; for $ the text (len, or -1 for nil); for * the count (or -1). */
typedef struct { char type; long long number; char *text; long long len; } reply;

static int connect_redis(connection *c, const char *address)
{
    char host[256];
    const char *colon = strrchr(address, ':');
    int port = colon ? atoi(colon + 1) : 6379;
    size_t host_len = colon ? (size_t)(colon - address) : strlen(address);
    if (host_len >= sizeof host) return -1;
    memcpy(host, address, host_len);
    host[host_len] = 0;
    if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1) return -1;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&to, sizeof to) != 0) { close(c->fd); c->fd = -1; return -1; }
    c->start = c->end = 0;
    return 0;
}

static int send_all(connection *c, const char *data, size_t len)
{
    while (len > 0)
    {
        ssize_t sent = send(c->fd, data, len, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return -1;
        data += sent;
        len -= (size_t)sent;
    }
    return 0;
}

/* Sends one command: argc bulk strings with their lengths. */
static int send_command(connection *c, int argc, const char **argv, const size_t *lens)
{
    char head[64];
    int n = snprintf(head, sizeof head, "*%d\r\n", argc);
    if (send_all(c, head, (size_t)n)) return -1;
    for (int i = 0; i < argc; i++)
    {
        n = snprintf(head, sizeof head, "$%zu\r\n", lens[i]);
        if (send_all(c, head, (size_t)n) || send_all(c, argv[i], lens[i]) || send_all(c, "\r\n", 2)) return -1;
    }
    return 0;
}

static int fill(connection *c)
{
    if (c->start > 0)
    {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    if (c->end == sizeof c->buf) return -1;
    for (;;)
    {
        ssize_t got = recv(c->fd, c->buf + c->end, sizeof c->buf - c->end, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        c->end += (size_t)got;
        return 0;
    }
}

/* Reads one line (without CRLF) into line, at most size-1 characters. */
static int read_line(connection *c, char *line, size_t size)
{
    for (;;)
    {
        char *crlf = memmem(c->buf + c->start, c->end - c->start, "\r\n", 2);
        if (crlf)
        {
            size_t len = (size_t)(crlf - (c->buf + c->start));
            if (len >= size) return -1;
            memcpy(line, c->buf + c->start, len);
            line[len] = 0;
            c->start += len + 2;
            return 0;
        }
        if (fill(c)) return -1;
    }
}

/* Reads the header of one reply and, for a bulk string, its text (malloc'd, NUL-terminated). */
static int read_reply(connection *c, reply *r)
{
    char line[1024];
    if (read_line(c, line, sizeof line)) return -1;
    r->type = line[0];
    r->text = NULL;
    r->len = -1;
    r->number = 0;
    switch (r->type)
    {
    case '+': case '-':
        r->text = strdup(line + 1);
        r->len = (long long)strlen(r->text);
        return 0;
    case ':': case '*':
        r->number = atoll(line + 1);
        return 0;
    case '_':
        r->type = '$';
        return 0;
    case '$':
        r->len = atoll(line + 1);
        if (r->len < 0) return 0;
        r->text = malloc((size_t)r->len + 1);
        size_t have = 0;
        while (have < (size_t)r->len + 2)
        {
            if (c->start == c->end && fill(c)) { free(r->text); return -1; }
            size_t take = c->end - c->start;
            if (take > (size_t)r->len + 2 - have) take = (size_t)r->len + 2 - have;
            if (have < (size_t)r->len)
            {
                size_t text_part = take;
                if (have + text_part > (size_t)r->len) text_part = (size_t)r->len - have;
                memcpy(r->text + have, c->buf + c->start, text_part);
            }
            have += take;
            c->start += take;
        }
        r->text[r->len] = 0;
        return 0;
    default:
        return -1;
    }
}

/* Reads and discards one whole reply (nested arrays included); 1 when it was an error reply. */
static int skip_reply(connection *c)
{
    reply r;
    if (read_reply(c, &r)) return -1;
    int is_error = r.type == '-';
    if (is_error) say("redis error: %s", r.text);
    free(r.text);
    if (r.type == '*')
        for (long long i = 0; i < r.number; i++)
            if (skip_reply(c) < 0) return -1;
    return is_error;
}

/* ---- the job ---- */

/* The value of "key" in a JSON object as text: a string's content or a number; NULL when absent. */
static char *json_field(const char *payload, const char *key)
{
    char quoted[64];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    for (const char *at = strstr(payload, quoted); at; at = strstr(at + 1, quoted))
    {
        const char *p = at + strlen(quoted);
        while (*p == ' ' || *p == '\t') p++;
        if (*p != ':') continue;
        p++;
        while (*p == ' ' || *p == '\t') p++;
        const char *end;
        if (*p == '"') { p++; end = strchr(p, '"'); }
        else { end = p; while (*end == '-' || (*end >= '0' && *end <= '9')) end++; }
        if (!end || end == p) continue;
        return strndup(p, (size_t)(end - p));
    }
    return NULL;
}

static void spend(long milliseconds)
{
    struct timespec left = { milliseconds / 1000, (milliseconds % 1000) * 1000000L };
    /* A stop signal interrupts the sleep; the job in hand is still finished. */
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {}
}

static int record_done(connection *c, const char *processing, const char *payload, size_t payload_len)
{
    char *id = json_field(payload, "id");
    if (!id) id = json_field(payload, "uuid");
    if (!id) id = strndup(payload, payload_len);
    char counter[4096];
    snprintf(counter, sizeof counter, "done:%s", id);
    const char *multi[] = { "MULTI" };
    const char *incr[] = { "INCR", counter };
    const char *push[] = { "RPUSH", "done", id };
    const char *lrem[] = { "LREM", processing, "1", payload };
    size_t multi_l[] = { 5 }, incr_l[] = { 4, strlen(counter) }, push_l[] = { 5, 4, strlen(id) },
           lrem_l[] = { 4, strlen(processing), 1, payload_len };
    const char *exec[] = { "EXEC" };
    size_t exec_l[] = { 4 };
    int failed = send_command(c, 1, multi, multi_l) || send_command(c, 2, incr, incr_l) || send_command(c, 3, push, push_l)
        || send_command(c, 4, lrem, lrem_l) || send_command(c, 1, exec, exec_l);
    for (int i = 0; i < 5 && !failed; i++)
        failed = skip_reply(c) != 0;
    free(id);
    return failed ? -1 : 0;
}

int main(void)
{
    const char *redis = getenv("WORKER_REDIS") ? getenv("WORKER_REDIS") : "127.0.0.1:6379";
    const char *queue = getenv("WORKER_QUEUE") ? getenv("WORKER_QUEUE") : "default";
    long job_ms = getenv("WORKER_JOB_MS") ? atol(getenv("WORKER_JOB_MS")) : 100;
    char default_name[320], host[256] = "worker";
    gethostname(host, sizeof host - 1);
    snprintf(default_name, sizeof default_name, "%s-%d", host, (int)getpid());
    worker_name = getenv("WORKER_NAME") && *getenv("WORKER_NAME") ? getenv("WORKER_NAME") : default_name;

    if (getenv("WORKER_EXIT_AT_ONCE") && strcmp(getenv("WORKER_EXIT_AT_ONCE"), "1") == 0)
    {
        say("exiting at once (WORKER_EXIT_AT_ONCE=1)");
        return 3;
    }

    struct sigaction action = { .sa_handler = on_stop_signal, .sa_flags = SA_RESTART };
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    char source[512], processing[512];
    snprintf(source, sizeof source, "queues:%s", queue);
    snprintf(processing, sizeof processing, "processing:%s", worker_name);

    connection c = { .fd = -1 };
    int announced = 0;
    while (!stop_requested)
    {
        if (c.fd < 0)
        {
            if (connect_redis(&c, redis)) { say("cannot reach redis at %s; retrying", redis); spend(500); continue; }
            if (!announced)
            {
                const char *started[] = { "INCR", "workers:started" };
                size_t started_l[] = { 4, 15 };
                if (send_command(&c, 2, started, started_l) || skip_reply(&c) < 0) { close(c.fd); c.fd = -1; continue; }
                announced = 1;
                say("taking jobs from %s", source);
            }
        }
        const char *take[] = { "BLMOVE", source, processing, "LEFT", "RIGHT", "1" };
        size_t take_l[] = { 6, strlen(source), strlen(processing), 4, 5, 1 };
        reply job;
        if (send_command(&c, 6, take, take_l) || read_reply(&c, &job)) { close(c.fd); c.fd = -1; continue; }
        if (job.type == '-') { say("redis error: %s", job.text); free(job.text); spend(500); continue; }
        if (job.type != '$' || job.len < 0) { free(job.text); continue; }

        spend(job_ms);
        while (record_done(&c, processing, job.text, (size_t)job.len) != 0)
        {
            /* The job stays in the processing list until recorded; try again on a new connection. */
            if (c.fd >= 0) close(c.fd);
            c.fd = -1;
            spend(200);
            while (connect_redis(&c, redis)) spend(500);
        }
        say("done %.*s", job.len > 80 ? 80 : (int)job.len, job.text);
        free(job.text);
    }
    say("stopping on signal");
    if (c.fd >= 0) close(c.fd);
    return 0;
}

/*
 * mcload.c - a small, bounded memcached load for bench/real/run.sh.
 *
 *   mcload PORT CONNS REQUESTS [SECONDS]
 *
 * Connects CONNS times to 127.0.0.1:PORT (loopback only), one thread per
 * connection, and sends REQUESTS requests in total (split evenly) in the
 * memcached text protocol: a set of a 100-byte value, then a get of the same
 * key, alternating, over 1,000 keys per connection.  Every reply is read and
 * checked (STORED / VALUE ... END with the right bytes).  Stops at the count
 * or after SECONDS (default 60), whichever comes first.
 *
 * Prints "requests N errors E seconds S" on stdout; exit status 0 when every
 * request was answered correctly, 1 otherwise, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MC_VALUE_LEN 100
#define MC_KEYS 1000

struct mc_conn {
	int port;
	long count;               /* requests to send                          */
	long done, errors;
	int id;
	char buf[4096];
	size_t have;              /* bytes in buf                               */
};

static double deadline;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read until buf holds `want` bytes or a line ending in "end". */
static int read_until(int fd, struct mc_conn *c, const char *end)
{
	for (;;) {
		ssize_t r;

		if (c->have > 0) {
			size_t el = strlen(end);

			if (c->have >= el && memcmp(c->buf + c->have - el, end, el) == 0)
				return 0;
		}
		if (c->have == sizeof(c->buf))
			return -1;
		r = read(fd, c->buf + c->have, sizeof(c->buf) - c->have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->have += (size_t)r;
	}
}

static void *mc_run(void *arg)
{
	struct mc_conn *c = arg;
	struct sockaddr_in sa;
	char req[512], val[MC_VALUE_LEN + 1], key[64];
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	long i;

	if (fd < 0) {
		c->errors = c->count;
		return NULL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)c->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		c->errors = c->count;
		close(fd);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (i = 0; i < c->count && mono() < deadline; i++) {
		long k = (i / 2) % MC_KEYS;
		int n;

		snprintf(key, sizeof(key), "c%d:k%ld", c->id, k);
		memset(val, 'a' + (int)(k % 26), MC_VALUE_LEN);
		val[MC_VALUE_LEN] = 0;
		c->have = 0;
		if (i % 2 == 0) {
			n = snprintf(req, sizeof(req), "set %s 0 0 %d\r\n%s\r\n", key, MC_VALUE_LEN, val);
			if (write_all(fd, req, (size_t)n) || read_until(fd, c, "\r\n") ||
			    strncmp(c->buf, "STORED\r\n", 8) != 0)
				c->errors++;
		} else {
			n = snprintf(req, sizeof(req), "get %s\r\n", key);
			if (write_all(fd, req, (size_t)n) || read_until(fd, c, "END\r\n") ||
			    strncmp(c->buf, "VALUE ", 6) != 0 || !memmem(c->buf, c->have, val, MC_VALUE_LEN))
				c->errors++;
		}
		c->done++;
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct mc_conn *cs;
	pthread_t *th;
	long port, conns, total, errors = 0, done = 0, i;
	double secs = 60, t0;

	if (argc < 4) {
		fprintf(stderr, "usage: mcload PORT CONNS REQUESTS [SECONDS]\n");
		return 2;
	}
	port = atol(argv[1]);
	conns = atol(argv[2]);
	total = atol(argv[3]);
	if (argc > 4)
		secs = atof(argv[4]);
	if (port <= 0 || port > 65535 || conns <= 0 || conns > 64 || total <= 0 || secs <= 0) {
		fprintf(stderr, "mcload: bad arguments\n");
		return 2;
	}
	cs = calloc((size_t)conns, sizeof(*cs));
	th = calloc((size_t)conns, sizeof(*th));
	if (!cs || !th)
		return 1;
	t0 = mono();
	deadline = t0 + secs;
	for (i = 0; i < conns; i++) {
		cs[i].port = (int)port;
		cs[i].id = (int)i;
		cs[i].count = total / conns + (i < total % conns);
		if (pthread_create(&th[i], NULL, mc_run, &cs[i]) != 0)
			return 1;
	}
	for (i = 0; i < conns; i++) {
		pthread_join(th[i], NULL);
		done += cs[i].done;
		errors += cs[i].errors;
	}
	printf("requests %ld errors %ld seconds %.3f\n", done, errors + (total - done), mono() - t0);
	free(cs);
	free(th);
	return errors == 0 && done == total ? 0 : 1;
}

/*
 * cli_progress.c - "lockhound: analyzing… N%" on stderr while a long
 * analysis runs.  A helper thread sleeps a second first (LOCKHOUND_PROGRESS_MS
 * milliseconds), so short analyses print nothing; on a terminal the line is rewritten in place, otherwise a
 * line is printed at most once a second when the figure changed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static pthread_mutex_t prog_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t prog_cv = PTHREAD_COND_INITIALIZER;
static pthread_t prog_thread;
static int prog_running, prog_stop, prog_percent, prog_printed;
static long prog_delay_ms = 1000;   /* LOCKHOUND_PROGRESS_MS */

static void *progress_main(void *arg)
{
	int tty = isatty(2), last = -1;
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += prog_delay_ms / 1000;
	ts.tv_nsec += (prog_delay_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&prog_mu);
	while (!prog_stop) {
		if (pthread_cond_timedwait(&prog_cv, &prog_mu, &ts) == 0 || prog_stop)
			continue;
		if (prog_percent != last) {
			fprintf(stderr, tty ? "\rlockhound: analyzing\xe2\x80\xa6 %d%%" :
				"lockhound: analyzing\xe2\x80\xa6 %d%%\n", prog_percent);
			fflush(stderr);
			last = prog_percent;
			prog_printed = tty;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		if (tty) {
			ts.tv_nsec += 250000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
		} else {
			ts.tv_sec += 1;
		}
	}
	pthread_mutex_unlock(&prog_mu);
	return NULL;
}

void cli_progress_start(void)
{
	const char *env = getenv("LOCKHOUND_PROGRESS_MS");
	char *end;

	if (env && *env) {
		long v = strtol(env, &end, 10);

		if (*end == '\0' && v >= 0 && v <= 3600000)
			prog_delay_ms = v;
	}
	prog_stop = 0;
	prog_percent = 0;
	prog_printed = 0;
	if (pthread_create(&prog_thread, NULL, progress_main, NULL) == 0)
		prog_running = 1;
}

void cli_progress_set(int percent)
{
	pthread_mutex_lock(&prog_mu);
	prog_percent = percent;
	pthread_mutex_unlock(&prog_mu);
}

void cli_progress_stop(void)
{
	if (!prog_running)
		return;
	pthread_mutex_lock(&prog_mu);
	prog_stop = 1;
	pthread_cond_signal(&prog_cv);
	pthread_mutex_unlock(&prog_mu);
	pthread_join(prog_thread, NULL);
	prog_running = 0;
	if (prog_printed)
		fputs("\rlockhound: analyzing\xe2\x80\xa6 100%\n", stderr);
}

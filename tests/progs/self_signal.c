/*
 * self_signal.c - takes and releases a lock, then kills itself with the
 * named signal through raise() (TERM, SEGV, ABRT).  No lock is held when it
 * dies.  Expected: no finding; the status seen by the parent is the signal.
 * Usage: self_signal TERM|SEGV|ABRT
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

pthread_mutex_t some_lock = PTHREAD_MUTEX_INITIALIZER;

int main(int argc, char **argv)
{
	int sig;

	if (argc < 2)
		return 2;
	if (strcmp(argv[1], "TERM") == 0)
		sig = SIGTERM;
	else if (strcmp(argv[1], "SEGV") == 0)
		sig = SIGSEGV;
	else if (strcmp(argv[1], "ABRT") == 0)
		sig = SIGABRT;
	else
		return 2;
	pthread_mutex_lock(&some_lock);
	pthread_mutex_unlock(&some_lock);
	printf("self_signal: raising SIG%s\n", argv[1]);
	fflush(stdout);
	raise(sig);
	return 3;     /* not reached */
}

/*
 * output_exit.c - prints a known text (partly buffered, partly from threads
 * that take locks) and exits with status 7.  Its stdout and status must be
 * byte-identical with and without the shim.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static int lines;

static void *printer(void *arg)
{
	long id = (long)arg;
	int i;

	for (i = 0; i < 5; i++) {
		pthread_mutex_lock(&print_lock);
		lines++;
		pthread_mutex_unlock(&print_lock);
	}
	pthread_mutex_lock(&print_lock);
	printf("printer %ld done\n", id);
	pthread_mutex_unlock(&print_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	long i;

	printf("output_exit: argc=%d argv[0] ends with output_exit\n", argc);
	for (i = 1; i < argc; i++)
		printf("arg %ld: [%s]\n", i, argv[i]);
	for (i = 0; i < 3; i++) {
		/* one at a time so the output order is fixed */
		pthread_create(&t, NULL, printer, (void *)i);
		pthread_join(t, NULL);
	}
	printf("lines=%d\n", lines);
	fputs("output_exit: a line on stderr\n", stderr);
	return 7;
}

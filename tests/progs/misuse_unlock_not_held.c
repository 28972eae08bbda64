/*
 * misuse_unlock_not_held.c - unlock of a normal mutex nobody holds (glibc
 * does not notice for a default mutex).  Expected `misuse`.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t never_locked = PTHREAD_MUTEX_INITIALIZER;

int main(void)
{
	pthread_mutex_unlock(&never_locked);
	puts("misuse_unlock_not_held: done");
	return 0;
}

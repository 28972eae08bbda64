/*
 * abba_single_thread.c - one thread takes lock_a then lock_b, later lock_b
 * then lock_a (as a unit test exercising both code paths would).  One thread
 * cannot deadlock with itself: expected `lock-order`, exit 0 without
 * --strict, 66 with --strict.
 */
#include <pthread.h>
#include <stdio.h>

pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;

static void path_ab(void)
{
	pthread_mutex_lock(&lock_a);
	pthread_mutex_lock(&lock_b);
	pthread_mutex_unlock(&lock_b);
	pthread_mutex_unlock(&lock_a);
}

static void path_ba(void)
{
	pthread_mutex_lock(&lock_b);
	pthread_mutex_lock(&lock_a);
	pthread_mutex_unlock(&lock_a);
	pthread_mutex_unlock(&lock_b);
}

int main(void)
{
	path_ab();
	path_ba();
	puts("abba_single_thread: done");
	return 0;
}

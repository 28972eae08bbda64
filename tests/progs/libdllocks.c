/*
 * libdllocks.c - a shared library, loaded with dlopen by dlopen_locks, that
 * owns two global mutexes and takes them in both orders.  The report must
 * name the locks by the library's global symbols (dl_lock_a, dl_lock_b).
 */
#include <pthread.h>

pthread_mutex_t dl_lock_a = PTHREAD_MUTEX_INITIALIZER;
pthread_mutex_t dl_lock_b = PTHREAD_MUTEX_INITIALIZER;

void dl_take_ab(void);
void dl_take_ba(void);

void dl_take_ab(void)
{
	pthread_mutex_lock(&dl_lock_a);
	pthread_mutex_lock(&dl_lock_b);
	pthread_mutex_unlock(&dl_lock_b);
	pthread_mutex_unlock(&dl_lock_a);
}

void dl_take_ba(void)
{
	pthread_mutex_lock(&dl_lock_b);
	pthread_mutex_lock(&dl_lock_a);
	pthread_mutex_unlock(&dl_lock_a);
	pthread_mutex_unlock(&dl_lock_b);
}

/*
 * cxx_mutex_abba.cpp - AB-BA with std::mutex and std::thread.
 *
 * std::mutex is a pthread mutex underneath (libstdc++ calls
 * pthread_mutex_lock).  The threads are concurrent and take turns through a
 * pthread barrier: expected finding `potential-deadlock`.
 */
#include <cstdio>
#include <mutex>
#include <pthread.h>
#include <thread>

std::mutex cxx_a;
std::mutex cxx_b;
static pthread_barrier_t turn;

static void worker_ab()
{
	{
		std::lock_guard<std::mutex> ga(cxx_a);
		std::lock_guard<std::mutex> gb(cxx_b);
	}
	pthread_barrier_wait(&turn);
}

static void worker_ba()
{
	pthread_barrier_wait(&turn);
	std::lock_guard<std::mutex> gb(cxx_b);
	std::lock_guard<std::mutex> ga(cxx_a);
}

int main()
{
	pthread_barrier_init(&turn, nullptr, 2);
	std::thread t1(worker_ab);
	std::thread t2(worker_ba);
	t1.join();
	t2.join();
	pthread_barrier_destroy(&turn);
	std::puts("cxx_mutex_abba: done");
	return 0;
}

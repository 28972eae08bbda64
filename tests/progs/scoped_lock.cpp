/*
 * scoped_lock.cpp - std::scoped_lock on two mutexes, named in opposite
 * orders by two threads that really contend.
 *
 * std::scoped_lock (std::lock) takes the first mutex and only *tries* the
 * others, backing off on failure, so it never blocks while holding: no
 * blocking edge between the two mutexes.  Expected: no finding, exit 0.
 */
#include <cstdio>
#include <mutex>
#include <thread>

std::mutex scoped_a;
std::mutex scoped_b;
static long counter;

static void take_ab()
{
	for (int i = 0; i < 2000; i++) {
		std::scoped_lock both(scoped_a, scoped_b);
		counter++;
	}
}

static void take_ba()
{
	for (int i = 0; i < 2000; i++) {
		std::scoped_lock both(scoped_b, scoped_a);
		counter++;
	}
}

int main()
{
	std::thread t1(take_ab);
	std::thread t2(take_ba);
	t1.join();
	t2.join();
	std::printf("scoped_lock: counter=%ld\n", counter);
	return counter == 4000 ? 0 : 1;
}

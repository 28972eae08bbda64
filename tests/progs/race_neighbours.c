/*
 * race_neighbours.c - guard=counter on an ordinary global that shares its
 * page with other globals (hits, flags): the shim warns and names them.
 * One thread only: no finding expected, the counter ends at 1000.
 */
#include <stdio.h>

long hits;
long counter;
long flags;

int main(void)
{
	int i;

	for (i = 0; i < 1000; i++) {
		counter++;
		hits += 2;
	}
	flags = 1;
	printf("race_neighbours: %ld %ld %ld\n", counter, hits, flags);
	return 0;
}

/*
 * race_many.c - one thread writes 300 guarded objects with no lock
 * operation in between: more observations in one lock epoch than the
 * shim's per-thread ring holds.  Nothing is a race (one thread); the shim
 * must say at exit that observations were lost, and the program must run
 * normally.
 */
#include <lockhound/lockhound.h>
#include <stdio.h>

#define N 300

int main(void)
{
	static long *obj[N];
	long sum = 0;
	int i;

	for (i = 0; i < N; i++) {
		obj[i] = lh_guarded_alloc(sizeof(long), NULL, "obj");
		if (!obj[i])
			return 1;
	}
	for (i = 0; i < N; i++)
		*obj[i] = i;
	for (i = 0; i < N; i++) {
		sum += *obj[i];
		lh_guarded_free(obj[i]);
	}
	printf("race_many: %ld\n", sum);
	return 0;
}

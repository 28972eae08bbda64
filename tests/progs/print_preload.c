/*
 * print_preload.c - prints its own LD_PRELOAD, one line:
 * "LD_PRELOAD=<value>" ("LD_PRELOAD unset" when it is not set).
 * Expected: no finding; the output shows what `lockhound run` passed on.
 */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	const char *p = getenv("LD_PRELOAD");

	if (p)
		printf("LD_PRELOAD=%s\n", p);
	else
		puts("LD_PRELOAD unset");
	return 0;
}

/*
 * hs_alloc_churn - the malloc family under heap_sample: 1,000,000 small
 * allocations and frees (sizes 1..4096, each filled and checked), and for
 * every function (malloc, calloc, realloc up and down, reallocarray,
 * posix_memalign, aligned_alloc, memalign, valloc, strdup,
 * malloc_usable_size) that contents, zeroing and alignment are kept, many
 * times so that samples are among them.  Two threads do it at once.
 * Prints "churn ok" and exits 0, or names the first failure and exits 1.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...) do { fprintf(stderr, "churn FAIL: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static void check(const unsigned char *p, size_t n, unsigned seed, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			FAIL("%s: byte %zu of %zu changed", what, i, n);
}

static void check_zero(const unsigned char *p, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			FAIL("%s: byte %zu not zero", what, i);
}

static void *churn(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg, x = seed * 2654435761u + 1;
	void *live[64] = { 0 };
	size_t live_n[64] = { 0 };
	long i;

	for (i = 0; i < 500000; i++) {
		unsigned k = (x >> 8) & 63;
		size_t n;

		x = x * 1103515245u + 12345u;
		n = 1 + (x >> 4) % 4096;
		if (live[k]) {
			check(live[k], live_n[k], (unsigned)k, "malloc");
			free(live[k]);
		}
		live[k] = malloc(n);
		if (!live[k])
			FAIL("malloc(%zu) = NULL", n);
		if (malloc_usable_size(live[k]) < n)
			FAIL("malloc_usable_size < %zu", n);
		live_n[k] = n;
		fill(live[k], n, k);
	}
	for (i = 0; i < 64; i++)
		free(live[i]);
	for (i = 0; i < 2000; i++) {
		size_t n = 1 + (size_t)(i * 37) % 3000, align = (size_t)16 << (i % 9);
		unsigned char *p = calloc(1, n), *q;
		void *a = NULL;
		char *s;

		if (!p)
			FAIL("calloc");
		check_zero(p, n, "calloc");
		fill(p, n, (unsigned)i);
		q = realloc(p, n * 2);
		if (!q)
			FAIL("realloc up");
		check(q, n, (unsigned)i, "realloc up");
		q = realloc(q, n / 2 + 1);
		if (!q)
			FAIL("realloc down");
		check(q, n / 2 + 1, (unsigned)i, "realloc down");
		q = reallocarray(q, 2, n);
		if (!q)
			FAIL("reallocarray");
		check(q, n / 2 + 1, (unsigned)i, "reallocarray");
		free(q);
		if (posix_memalign(&a, align, n) || ((uintptr_t)a & (align - 1)))
			FAIL("posix_memalign(%zu, %zu)", align, n);
		fill(a, n, 3);
		check(a, n, 3, "posix_memalign");
		free(a);
		a = aligned_alloc(align, n);
		if (!a || ((uintptr_t)a & (align - 1)))
			FAIL("aligned_alloc(%zu)", align);
		free(a);
		a = memalign(align, n);
		if (!a || ((uintptr_t)a & (align - 1)))
			FAIL("memalign(%zu)", align);
		free(a);
		a = valloc(n);
		if (!a || ((uintptr_t)a & 4095))
			FAIL("valloc");
		free(a);
		s = strdup("a string that is copied");
		if (!s || strcmp(s, "a string that is copied"))
			FAIL("strdup");
		free(s);
		q = realloc(NULL, n);
		if (!q)
			FAIL("realloc(NULL)");
		q = realloc(q, 0);
		free(q);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, churn, (void *)1);
	churn((void *)2);
	pthread_join(t, NULL);
	printf("churn ok\n");
	return 0;
}

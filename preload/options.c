/*
 * options.c - LOCKHOUND_OPTIONS="key=value:key=value", driven by the one
 * table in common/options.def.  Parsing is forgiving (mimalloc's habit):
 * an unknown key or a bad value gives one "lockhound:" warning and the
 * default stays; nothing ever aborts the program.
 */
#include <errno.h>
#include <string.h>

#include "arena.h"
#include "shim.h"

struct lh_options lh_opt = {
#define LH_OPT(type, name, def, help) .name = def, /* NOLINT(bugprone-macro-parentheses) */
#include "options.def"
#undef LH_OPT
	.full = 0,
};

static const char *opt_dup(const char *s, size_t n)
{
	char *p = arena_alloc(n + 1);

	if (!p)
		return "";
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

static int opt_set_bool(int *dst, const char *v, size_t n)
{
	if (n == 1 && (v[0] == '0' || v[0] == '1')) {
		*dst = v[0] - '0';
		return 0;
	}
	return -EINVAL;
}

static int opt_set_uint(long *dst, const char *v, size_t n)
{
	long x = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		x = x * 10 + (v[i] - '0');
	}
	if (x > 0x7fffffffL)
		return -ERANGE;
	*dst = x;
	return 0;
}

static int opt_set_str(const char **dst, const char *v, size_t n)
{
	*dst = opt_dup(v, n);
	return 0;
}

static int opt_set_tracemode(const char **dst, const char *v, size_t n)
{
	if ((n == 7 && !memcmp(v, "summary", 7)) || (n == 4 && !memcmp(v, "full", 4))) {
		*dst = n == 4 ? "full" : "summary";
		return 0;
	}
	return -EINVAL;
}

static void opt_one(const char *kv, size_t n)
{
	const char *eq = memchr(kv, '=', n);
	size_t klen = eq ? (size_t)(eq - kv) : n;
	const char *v = eq ? eq + 1 : "";
	size_t vlen = eq ? n - klen - 1 : 0;
	char key[64], val[128];

	if (n == 0)
		return;
#define LH_OPT(type, name, def, help) \
	if (klen == sizeof(#name) - 1 && !memcmp(kv, #name, klen)) { \
		if (!eq || opt_set_##type(&lh_opt.name, v, vlen) != 0) { \
			memcpy(val, v, vlen < sizeof(val) - 1 ? vlen : sizeof(val) - 1); \
			val[vlen < sizeof(val) - 1 ? vlen : sizeof(val) - 1] = 0; \
			lh_say("bad value '", val, "' for option ", #name, " (", help, "); ignored", LH_END); \
		} \
		return; \
	}
#include "options.def"
#undef LH_OPT
	memcpy(key, kv, klen < sizeof(key) - 1 ? klen : sizeof(key) - 1);
	key[klen < sizeof(key) - 1 ? klen : sizeof(key) - 1] = 0;
	lh_say("unknown option '", key, "' in LOCKHOUND_OPTIONS; ignored", LH_END);
}

void options_parse(const char *env)
{
	const char *p = env, *c;

	while (p && *p) {
		c = strchr(p, ':');
		opt_one(p, c ? (size_t)(c - p) : strlen(p));
		p = c ? c + 1 : NULL;
	}
	lh_opt.full = !strcmp(lh_opt.trace_mode, "full");
	if (lh_opt.stack_depth > LH_MAX_DEPTH)
		lh_opt.stack_depth = LH_MAX_DEPTH;
}

static void opt_print_bool(const char *name, int v) { lh_say("option ", name, "=", v ? "1" : "0", LH_END); }
static void opt_print_uint(const char *name, long v)
{
	char b[24];

	lh_say("option ", name, "=", fmt_u64(b, (uint64_t)v), LH_END);
}
static void opt_print_str(const char *name, const char *v) { lh_say("option ", name, "=", v, LH_END); }
#define opt_print_tracemode opt_print_str

void options_print(void)
{
#define LH_OPT(type, name, def, help) opt_print_##type(#name, lh_opt.name);
#include "options.def"
#undef LH_OPT
}

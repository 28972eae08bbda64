/*
 * cli_run.c - `lockhound run [OPTIONS] [--] PROGRAM [ARGS...]`.
 *
 *   1. find PROGRAM (PATH lookup), refuse what LD_PRELOAD cannot reach
 *      (static, set-uid/set-gid: exit 2);
 *   2. make the trace directory (--out DIR, or a fresh mkdtemp one);
 *   3. environment for the child: LD_PRELOAD = shim before any existing
 *      value; LOCKHOUND_OPTIONS = our defaults, then the user's existing
 *      LOCKHOUND_OPTIONS, then each -O (the last value of a key wins), and
 *      trace_dir always ours;
 *   4. fork + exec, wait (we ignore SIGINT/SIGQUIT meanwhile, as the
 *      terminal sends them to PROGRAM too; SIGTERM/SIGHUP are forwarded);
 *   5. no new trace file at all in the directory means the shim never ran
 *      in PROGRAM (bad LOCKHOUND_SHIM, a loader that refused the preload,
 *      LD_PRELOAD stripped): say so and exit 2 rather than report "0
 *      findings" (a program killed by SIGKILL or leaving by _exit still has
 *      the header the shim wrote when it started);
 *   6. read every trace in the directory, analyze, text report on stderr,
 *      --html/--json/--sarif files; remove a temporary directory unless
 *      findings were made or --keep.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t run_child;

static void run_forward(int sig)
{
	if (run_child > 0)
		kill((pid_t)run_child, sig);
}

/* PROGRAM as execv wants it: itself when it has a '/', else found on PATH. */
static char *run_which(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(prog, '/'))
		return strdup(prog);
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);
		struct stat st;

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? path : ".", prog);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return strdup(buf);
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

static char *run_shim(void)
{
	const char *env = getenv("LOCKHOUND_SHIM");
	char exe[PATH_MAX], buf[PATH_MAX + 32];
	ssize_t n;
	char *slash;

	if (env && *env)
		return realpath(env, NULL);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	snprintf(buf, sizeof(buf), "%s/../lib/liblockhound.so", exe);
	return realpath(buf, NULL);
}

/* ---- LOCKHOUND_OPTIONS: an ordered key=value list, last value wins ---- */

typedef struct kvlist {
	char  **kv;
	size_t  n;
} kvlist;

static int kv_set(kvlist *l, const char *kv, size_t len)
{
	const char *eq = memchr(kv, '=', len);
	size_t klen = eq ? (size_t)(eq - kv) : len;
	char *copy = strndup(kv, len);
	char **nkv;

	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		if (strncmp(l->kv[i], kv, klen) == 0 &&
		    (l->kv[i][klen] == '=' || l->kv[i][klen] == '\0')) {
			free(l->kv[i]);
			l->kv[i] = copy;
			return 0;
		}
	}
	nkv = realloc(l->kv, (l->n + 1) * sizeof(*nkv));
	if (!nkv) {
		free(copy);
		return -ENOMEM;
	}
	l->kv = nkv;
	l->kv[l->n++] = copy;
	return 0;
}

char *cli_join(char *const *v, size_t n, char sep)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(v[i]);

		if (i)
			s[len++] = sep;
		memcpy(s + len, v[i], k);
		len += k;
	}
	s[len] = '\0';
	return s;
}

static void kv_free(kvlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->kv[i]);
	free(l->kv);
}

static int run_env(const lh_cli *c, const char *shim, const char *dir, const char *levels)
{
	const char *old_pre = getenv("LD_PRELOAD");
	const char *old_opt = getenv("LOCKHOUND_OPTIONS");
	kvlist l = { NULL, 0 };
	char *pre = NULL, *opts = NULL, *td = NULL;
	int rc = 0;

	rc |= kv_set(&l, "halt_on_deadlock=1", 18);
	rc |= kv_set(&l, "deadlock_timeout_ms=10000", 25);
	if (levels && asprintf(&td, "levels=%s", levels) > 0) {
		rc |= kv_set(&l, td, strlen(td));
		free(td);
		td = NULL;
	}
	while (old_opt && *old_opt) {
		size_t n = strcspn(old_opt, ":");

		if (n)
			rc |= kv_set(&l, old_opt, n);
		old_opt += n;
		if (*old_opt)
			old_opt++;
	}
	for (size_t i = 0; i < c->nshim_opts; i++) {
		if (strncmp(c->shim_opts[i], "trace_dir=", 10) == 0) {
			lh_diag("-O trace_dir is ignored: lockhound run uses --out");
			continue;
		}
		rc |= kv_set(&l, c->shim_opts[i], strlen(c->shim_opts[i]));
	}
	if (asprintf(&td, "trace_dir=%s", dir) > 0) {
		rc |= kv_set(&l, td, strlen(td));
		free(td);
	} else {
		rc = -ENOMEM;
	}
	opts = cli_join(l.kv, l.n, ':');
	if (old_pre && *old_pre) {
		if (asprintf(&pre, "%s:%s", shim, old_pre) < 0)
			pre = NULL;
	} else {
		pre = strdup(shim);
	}
	if (rc || !opts || !pre || setenv("LOCKHOUND_OPTIONS", opts, 1) || setenv("LD_PRELOAD", pre, 1))
		rc = -ENOMEM;
	free(opts);
	free(pre);
	kv_free(&l);
	return rc;
}

/* Runs argv[0] (resolved as `path`) and returns its status, 128+signal if
 * it was killed, or -errno when it could not be started. */
static int run_child_wait(const char *path, char **argv)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, fwd = { .sa_handler = run_forward };
	struct sigaction o_int, o_quit, o_term, o_hup;
	int st = 0, err_pipe[2], err = 0;
	pid_t pid;

	if (pipe2(err_pipe, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(err_pipe[0]);
		close(err_pipe[1]);
		return -err;
	}
	if (pid == 0) {
		close(err_pipe[0]);
		execv(path, argv);
		err = errno;
		if (write(err_pipe[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(err_pipe[1]);
	run_child = pid;
	sigaction(SIGINT, &ign, &o_int);
	sigaction(SIGQUIT, &ign, &o_quit);
	sigaction(SIGTERM, &fwd, &o_term);
	sigaction(SIGHUP, &fwd, &o_hup);
	if (read(err_pipe[0], &err, sizeof(err)) != (ssize_t)sizeof(err))
		err = 0;
	close(err_pipe[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	run_child = 0;
	sigaction(SIGINT, &o_int, NULL);
	sigaction(SIGQUIT, &o_quit, NULL);
	sigaction(SIGTERM, &o_term, NULL);
	sigaction(SIGHUP, &o_hup, NULL);
	if (err)
		return -err;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* The trace files in a directory, as (inode, name) pairs, to tell the ones
 * a run wrote from those an earlier run left in --out DIR. */
typedef struct run_trace {
	uint64_t ino;
	char    *name;
} run_trace;

typedef struct run_traces {
	run_trace *f;
	size_t     n;
} run_traces;

static void run_traces_free(run_traces *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].name);
	free(t->f);
	t->f = NULL;
	t->n = 0;
}

/* Lists dir's trace files into t; 0 or -errno. */
static int run_traces_list(const char *dir, run_traces *t)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;
	int rc = 0;

	t->f = NULL;
	t->n = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!lh_is_trace_name(e->d_name))
			continue;
		if (t->n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			run_trace *nf = realloc(t->f, nc * sizeof(*nf));

			if (!nf) {
				rc = -ENOMEM;
				break;
			}
			t->f = nf;
			cap = nc;
		}
		t->f[t->n].name = strdup(e->d_name);
		if (!t->f[t->n].name) {
			rc = -ENOMEM;
			break;
		}
		t->f[t->n++].ino = (uint64_t)e->d_ino;
	}
	closedir(d);
	if (rc)
		run_traces_free(t);
	return rc;
}

/* 1 when dir holds a trace file that is not in `before`. */
static int run_new_trace(const char *dir, const run_traces *before)
{
	run_traces now;
	int found = 0;

	if (run_traces_list(dir, &now))
		return 1;      /* cannot tell: let the reader speak */
	for (size_t i = 0; i < now.n && !found; i++) {
		int old = 0;

		for (size_t k = 0; k < before->n && !old; k++)
			old = before->f[k].ino == now.f[i].ino &&
			      strcmp(before->f[k].name, now.f[i].name) == 0;
		found = !old;
	}
	run_traces_free(&now);
	return found;
}

static void run_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char buf[PATH_MAX];

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(buf, sizeof(buf), "%s/%s", dir, e->d_name);
			unlink(buf);
		}
		closedir(d);
	}
	rmdir(dir);
}

int cli_run(lh_cli *c)
{
	char *path = NULL, *shim = NULL, *dir = NULL, *levels = NULL;
	run_traces before = { NULL, 0 };
	const char *why, *shim_env;
	int status, temp = 0, rc;
	size_t counted = 0, made = 0;
	lh_model m;

	path = run_which(c->args[0]);
	if (!path) {
		lh_diag("%s: command not found", c->args[0]);
		return LH_EXIT_NOTFOUND;
	}
	rc = lh_elf_check(path, &why);
	if (rc == -ENOEXEC || rc == -EPERM) {
		lh_diag("cannot run %s under lockhound: %s", path, why);
		free(path);
		return LH_EXIT_USAGE;
	}
	if (rc) {
		lh_diag("%s: %s", path, why);
		free(path);
		return rc == -ENOENT ? LH_EXIT_NOTFOUND : 126;
	}
	shim = run_shim();
	shim_env = getenv("LOCKHOUND_SHIM");
	if (!shim && shim_env && *shim_env) {
		lh_diag("LOCKHOUND_SHIM=%s: %s", shim_env, strerror(errno));
		free(path);
		return LH_EXIT_USAGE;
	}
	if (!shim) {
		lh_diag("cannot find liblockhound.so next to this command (../lib/); set LOCKHOUND_SHIM");
		free(path);
		return LH_EXIT_USAGE;
	}
	/* a bad analysis input is found before PROGRAM runs, not after */
	if (cli_check_inputs(c)) {
		status = LH_EXIT_USAGE;
		goto out;
	}
	if (c->levels) {
		levels = realpath(c->levels, NULL);
		if (!levels) {
			lh_diag("%s: %s", c->levels, strerror(errno));
			status = LH_EXIT_USAGE;
			goto out;
		}
	}
	if (c->out) {
		if (mkdir(c->out, 0700) < 0 && errno != EEXIST) {
			lh_diag("%s: %s", c->out, strerror(errno));
			status = LH_EXIT_USAGE;
			goto out;
		}
		dir = realpath(c->out, NULL);
	} else {
		const char *tmp = getenv("TMPDIR");
		char *tmpl = NULL;

		if (asprintf(&tmpl, "%s/lockhound.XXXXXX", tmp && *tmp ? tmp : "/tmp") > 0) {
			if (mkdtemp(tmpl))
				dir = tmpl;
			else
				free(tmpl);
		}
		temp = 1;
	}
	if (!dir) {
		lh_diag("cannot make a trace directory: %s", strerror(errno));
		status = LH_EXIT_USAGE;
		goto out;
	}
	if (run_env(c, shim, dir, levels) || run_traces_list(dir, &before) == -ENOMEM) {
		lh_diag("out of memory");
		status = LH_EXIT_USAGE;
		goto out;
	}

	status = run_child_wait(path, c->args);
	if (status < 0) {
		lh_diag("%s: %s", path, strerror(-status));
		status = -status == ENOENT ? LH_EXIT_NOTFOUND : 126;
		if (temp)
			run_rmdir(dir);
		goto out;
	}
	unsetenv("LD_PRELOAD");
	if (!run_new_trace(dir, &before)) {
		lh_diag("no trace was written: the shim was not loaded into %s (it exited with "
			"status %d; nothing was checked). Hint: a static binary, a set-uid "
			"program, LD_PRELOAD stripped by the program, or a bad LOCKHOUND_SHIM "
			"(%s); ld.so says why on stderr above", c->args[0], status, shim);
		if (temp)
			run_rmdir(dir);
		status = LH_EXIT_USAGE;
		goto out;
	}

	lh_model_init(&m);
	cli_progress_start();
	rc = lh_read_path(&m, dir);
	if (rc && rc != -ENOENT)
		lh_diag("some traces were unreadable; the report covers what was valid");
	rc = cli_analyze(c, &m, &counted, &made);
	if (rc) {
		lh_model_free(&m);
		status = rc;
		lh_diag("traces kept in %s; fix the input and run 'lockhound report' on them", dir);
		goto out;
	}
	cli_write_stream(c, &m, "text", stderr);
	cli_write_extras(c, &m);
	if (temp && !made && !c->keep) {
		run_rmdir(dir);
	} else {
		char *rep = NULL;

		if (asprintf(&rep, "%s/report.json", dir) > 0) {
			cli_write_file(c, &m, "json", rep);
			free(rep);
		}
		if (temp)
			lh_diag("traces kept in %s", dir);
	}
	lh_model_free(&m);
	if (counted)
		status = c->exitcode;
out:
	run_traces_free(&before);
	free(path);
	free(shim);
	free(dir);
	free(levels);
	return status;
}

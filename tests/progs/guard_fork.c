/*
 * guard_fork.c - a forked child keeps the guarded region: it writes it
 * (observed in the child's trace) and exits; the parent waits, then writes
 * it too.  Prints "guard_fork: child 7" and "guard_fork: parent 8".
 */
#include <lockhound/lockhound.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	long *v = lh_guarded_alloc(sizeof(*v), NULL, "forked");
	int st = 0;
	pid_t pid;

	if (!v)
		return 1;
	*v = 6;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		(*v)++;
		printf("guard_fork: child %ld\n", *v);
		return 0;
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	*v += 2;
	printf("guard_fork: parent %ld\n", *v);
	return 0;
}

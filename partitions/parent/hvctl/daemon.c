// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvctl's daemons (the restart monitor, the device backend): detached
 * from the terminal and the caller -- a session of their own, and a
 * second fork so init adopts them -- with standard input and output on
 * /dev/null, the root as their directory, and a name ps shows.
 */
#include "hvctl.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int daemon_spawn(const char *comm, int (*setup)(void *arg), void (*loop)(void *arg), void *arg)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (setsid() < 0)
			_exit(1);
		pid_t g = fork();
		if (g)
			_exit(g < 0);
		signal(SIGHUP, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		int e = setup(arg);
		if (write(p[1], &e, sizeof(e)) != sizeof(e) || e)
			_exit(1);
		close(p[1]);
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			if (nul > 2)
				close(nul);
		}
		if (chdir("/")) {
			/* stays where it was */
		}
		prctl(PR_SET_NAME, comm, 0, 0, 0);
		loop(arg);
		_exit(0);
	}
	close(p[1]);
	int e = 0;
	ssize_t got;
	do
		got = read(p[0], &e, sizeof(e));
	while (got < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
	}
	if (got != sizeof(e)) {
		errno = ECHILD; /* it died before it could say */
		return -1;
	}
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

void daemon_log(int level, const char *who, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n = snprintf(line, sizeof(line), "<%d>hvctl: %s: ", level, who);

	if (n < 0 || (size_t)n >= sizeof(line) - 2)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	strcat(line, "\n");
	int k = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (k >= 0) {
		if (write(k, line, strlen(line)) < 0) {
			/* nowhere else to say it */
		}
		close(k);
	}
}

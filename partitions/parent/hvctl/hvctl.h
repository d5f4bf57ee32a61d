/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hvctl: the parent partition's command-line tool for child partitions,
 * over /dev/hv (partitions/parent/include/hv_ioctl.h). What the command
 * files share: exit codes, messages, option parsing, the commands.
 */
#ifndef HVCTL_H
#define HVCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HVCTL_VERSION "0.1"

/* Exit codes. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* "hvctl: " + the message + newline, on stderr. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error of cmd: the message and where help is; returns EXIT_USAGE. */
int usage_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- options (args.c) ---- */

struct opt {
	const char *lng; /* "--timeout" without the dashes, or NULL */
	char shrt;       /* 'w', or 0 */
	bool arg;        /* takes a value */
};

struct optval {
	bool set;
	const char *arg;
};

/*
 * Parses a command's arguments (argv[0] is the command): options from
 * opts anywhere (and -h/--help; "--" ends options), the rest positional
 * into pos. want_min/want_max bound the positionals. Returns how many
 * positionals, -1 after a usage error was printed, -2 when help was
 * asked for (and printed).
 */
int args_parse(int argc, char **argv, const struct opt *opts, struct optval *vals,
	       const char **pos, int want_min, int want_max, const char *pos_name);
/* Numbers in option values; print a usage error and return -1 when bad. */
int arg_uint(const char *cmd, const char *opt, const char *s, uint64_t min, uint64_t max,
	     uint64_t *out);
int arg_seconds(const char *cmd, const char *opt, const char *s, double min, double max,
		double *out);

/* ---- help (help.c) ---- */
void help_main(void);
/* Prints cmd's help; false when there is no such command. */
bool help_command(const char *cmd);

/* ---- the commands ---- */
/* Starts a daemon (daemon.c): setup(arg) runs in it first and answers 0
 * or an errno value, then loop(arg) runs detached, named comm. Returns 0
 * once setup said 0, or -1 with errno (ECHILD: it died first). */
int daemon_spawn(const char *comm, int (*setup)(void *arg), void (*loop)(void *arg), void *arg);

/* A daemon's line in the kernel log (its only output): "hvctl: WHO: ...",
 * at syslog level `level`. */
void daemon_log(int level, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

int cmd_create(int argc, char **argv);
int cmd_backend(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_sched(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_pool(int argc, char **argv);
int cmd_pci_list(int argc, char **argv);
int cmd_pci_return(int argc, char **argv);

/* console.c: attaches to partition id's console until the escape key,
 * end of input, or the partition's end. Returns an exit code. */
struct console_opts {
	int escape;        /* byte, or -1 for none */
	double linger;     /* seconds of quiet output to wait for after EOF */
	bool quiet;        /* no "connected" line */
	bool hvc;          /* the virtio console (hvc0), not the serial port */
};
int console_attach(int fd, uint32_t id, const char *name, const struct console_opts *o);
/* "^]", "^A", "x" or "none" (-1) into *out; a usage error of cmd if bad. */
int console_escape_parse(const char *cmd, const char *s, int *out);

/* monitor.c: forks the daemon that rebuilds child id at each restart
 * from definition c (file names it in its log); returns once the daemon
 * has its own /dev/hv open (its events start there), or -1 with errno. */
struct cfg;
struct load_plan;
int monitor_spawn(uint32_t id, const char *name, const char *file, const struct cfg *c, bool pc);

/* create.c: writes a plan into child id and sets vCPU 0 (also the
 * monitor's rebuild). Returns 0 or -1 with errno and what failed in what. */
int build_load(int fd, uint32_t id, const struct load_plan *plan, const char **what);

/* Signals: set when SIGINT/SIGTERM/SIGHUP asked us to stop. */
extern volatile int stop_requested;
void catch_stop_signals(void);

/* Monotonic time in nanoseconds. */
uint64_t now_ns(void);
void sleep_ns(uint64_t ns);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvctl console NAME`: a child's serial console. Output comes from the
 * hypervisor's ring for the child (HV_IOC_CONSOLE_READ, polled every
 * 30 ms, from position 0 so what the ring still holds is replayed);
 * input goes to its UART (HV_IOC_CONSOLE_INPUT), and what the UART did
 * not take is offered again. The child may be booting, rebooting or not
 * started yet: the console just waits for output.
 *
 * With --dev hvc the other end is the child's virtio console (hvc0),
 * served by its backend process: a stream socket (vcon.c) that replays
 * what the backend still holds, then follows; the socket closing means
 * the backend ended (the child is gone, or the backend was stopped).
 *
 * On a terminal: raw mode, and the escape byte (Ctrl-] by default) ends
 * the session. Otherwise (a pipe, a file): no raw mode and no escape;
 * at the end of input everything read is sent, then output is shown
 * until the child has been quiet for --linger seconds, so a script can
 * pipe a command in and read its answer.
 */
#include "dev.h"
#include "hvctl.h"

#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define POLL_MS 30
#define RETRY_MS 10
#define IN_BUF 4096
#define OUT_BUF 16384
#define STUCK_NS (10ull * 1000000000ull)

int console_escape_parse(const char *cmd, const char *s, int *out)
{
	if (!strcmp(s, "none")) {
		*out = -1;
		return 0;
	}
	if (s[0] == '^' && s[1] && !s[2]) {
		char ch = s[1];
		if (ch == '?') {
			*out = 0x7f;
			return 0;
		}
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch >= '@' && ch <= '_') {
			*out = ch - '@';
			return 0;
		}
	} else if (s[0] && !s[1] && (unsigned char)s[0] < 0x80) {
		*out = (unsigned char)s[0];
		return 0;
	}
	usage_err(cmd, "escape character must be like '^]', '^A', a single character, or "
		  "'none', not '%s'", s);
	return -1;
}

static void escape_name(int esc, char *buf, size_t len)
{
	if (esc < 0)
		snprintf(buf, len, "none");
	else if (esc < 0x20)
		snprintf(buf, len, "^%c", esc + '@');
	else if (esc == 0x7f)
		snprintf(buf, len, "^?");
	else
		snprintf(buf, len, "'%c'", esc);
}

struct session {
	int fd;
	uint32_t id;
	const char *name;
	bool tty;
	int sock;           /* the virtio console's socket; -1: the UART */
	uint64_t pos;       /* next output byte wanted */
	bool replayed;      /* the first read is done (its gap is not a loss) */
	uint64_t activity;  /* last output or input taken, for the linger */
	uint64_t taken;     /* last time input was taken */
	bool no_input;      /* it cannot take input: drop what comes */
	unsigned char in[IN_BUF];
	size_t in_len;
};

/* A line on stderr that keeps a raw terminal tidy. */
__attribute__((format(printf, 2, 3)))
static void note(const struct session *s, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(s->tty ? "\r\nhvctl: " : "hvctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(s->tty ? "\r\n" : "\n", stderr);
}

static int write_all(const unsigned char *b, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
			poll(&p, 1, 100);
			continue;
		}
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* What the virtio console's socket has; as pump_output. */
static int pump_socket(struct session *s, unsigned char *buf)
{
	for (;;) {
		ssize_t n = read(s->sock, buf, OUT_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return 1;
		if (write_all(buf, (size_t)n))
			return -1;
		s->activity = now_ns();
	}
}

/* Everything the ring has past s->pos. 0, 1 when the child is gone,
 * -1 when output cannot be written or read. */
static int pump_output(struct session *s)
{
	static unsigned char buf[OUT_BUF];

	if (s->sock >= 0)
		return pump_socket(s, buf);

	for (int rounds = 0; rounds < 64; rounds++) {
		struct hv_ioc_ring r = { .id = s->id, .len = sizeof(buf), .pos = s->pos,
					 .uaddr = (uintptr_t)buf };
		int n = hv_ioctl(s->fd, HV_IOC_CONSOLE_READ, &r);
		if (n < 0) {
			if (errno == ENOENT)
				return 1;
			if (errno == EINTR)
				return 0;
			note(s, "cannot read the console of '%s': %s", s->name, hv_strerror(errno));
			return -1;
		}
		if (r.pos > s->pos && s->replayed)
			note(s, "%s: %llu bytes of console output were lost (the ring overflowed)",
			     s->name, (unsigned long long)(r.pos - s->pos));
		s->replayed = true;
		if (n > (int)sizeof(buf))
			n = (int)sizeof(buf);
		if (n > 0) {
			if (write_all(buf, (size_t)n))
				return -1;
			s->activity = now_ns();
		}
		s->pos = r.pos + (uint64_t)n;
		if (!n || s->pos >= r.end)
			break;
	}
	return 0;
}

/* Offers the pending input; 1 when the child is gone. */
static int pump_input(struct session *s)
{
	if (s->no_input)
		s->in_len = 0;
	while (s->in_len && s->sock >= 0) {
		ssize_t n = write(s->sock, s->in, s->in_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return 1;
		memmove(s->in, s->in + n, s->in_len - (size_t)n);
		s->in_len -= (size_t)n;
		s->activity = s->taken = now_ns();
	}
	while (s->in_len) {
		struct hv_ioc_input req = {
			.id = s->id,
			.len = (uint32_t)(s->in_len < HV_INPUT_MAX ? s->in_len : HV_INPUT_MAX),
			.uaddr = (uintptr_t)s->in,
		};
		int n = hv_ioctl(s->fd, HV_IOC_CONSOLE_INPUT, &req);
		if (n < 0) {
			if (errno == ENOENT)
				return 1;
			if (errno == EAGAIN || errno == EBUSY || errno == EINTR)
				return 0; /* again at the next turn */
			if (errno == ENOSYS)
				note(s, "'%s' has no UART (platform none): input is dropped", s->name);
			else
				note(s, "cannot type at the console of '%s': %s; input is dropped",
				     s->name, hv_strerror(errno));
			s->in_len = 0;
			s->no_input = true;
			return 0;
		}
		if (n == 0)
			return 0; /* its UART is full: again at the next turn */
		if ((size_t)n > s->in_len)
			n = (int)s->in_len;
		memmove(s->in, s->in + n, s->in_len - (size_t)n);
		s->in_len -= (size_t)n;
		s->activity = s->taken = now_ns();
	}
	return 0;
}

/* The backend's socket for the child's hvc0, or -1 with a message. */
static int hvc_connect(uint32_t id, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (sk < 0 || vcon_socket_path(id, sa.sun_path, sizeof(sa.sun_path))) {
		errmsg("cannot make a socket: %s", strerror(errno));
		return -1;
	}
	if (connect(sk, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			errmsg("'%s' has no virtio console to reach: its definition says vconsole = 0, "
			       "or its backend is not running (hvctl backend FILE starts it)", name);
		else
			errmsg("cannot reach the virtio console of '%s' (%s): %s", name, sa.sun_path,
			       strerror(errno));
		close(sk);
		return -1;
	}
	fcntl(sk, F_SETFL, fcntl(sk, F_GETFL) | O_NONBLOCK);
	return sk;
}

int console_attach(int fd, uint32_t id, const char *name, const struct console_opts *o)
{
	static struct session s;
	struct termios saved, raw;
	bool eof = false, leaving = false, gone = false;
	int rc = EXIT_OK;
	char esc[8];

	memset(&s, 0, sizeof(s));
	s.fd = fd;
	s.id = id;
	s.name = name;
	s.sock = -1;
	if (o->hvc && (s.sock = hvc_connect(id, name)) < 0)
		return EXIT_FAIL;
	s.tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	signal(SIGPIPE, SIG_IGN);
	catch_stop_signals();
	if (s.tty) {
		raw = saved;
		cfmakeraw(&raw);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw))
			s.tty = false;
	}
	escape_name(o->escape, esc, sizeof(esc));
	if (s.tty && !o->quiet)
		fprintf(stderr, "hvctl: %s of '%s' (id %u); leave with %s\r\n",
			s.sock >= 0 ? "virtio console (hvc0)" : "console", name, id, esc);
	s.activity = now_ns();

	while (!stop_requested) {
		int r = pump_output(&s);
		if (r < 0) {
			rc = EXIT_FAIL;
			break;
		}
		if (r > 0 || pump_input(&s)) {
			gone = true;
			break;
		}
		if (leaving)
			break;
		if (eof && !s.in_len) {
			uint64_t quiet = now_ns() - s.activity;
			if ((double)quiet >= o->linger * 1e9)
				break;
		}
		/* At the end of input, a child that takes nothing (stopped,
		 * paused, rebuilding) is not waited for forever. */
		if (eof && s.in_len && now_ns() - s.taken > STUCK_NS) {
			note(&s, "'%s' took no input for %llu s: %zu bytes were not typed", name,
			     (unsigned long long)(STUCK_NS / 1000000000ull), s.in_len);
			rc = EXIT_FAIL;
			break;
		}

		struct pollfd p[2] = { { .fd = -1 }, { .fd = s.sock, .events = POLLIN } };
		bool want_in = !eof && s.in_len < IN_BUF;
		if (want_in)
			p[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		int wait = s.in_len ? RETRY_MS : POLL_MS;
		int pr = poll(p, 2, wait);
		if (pr <= 0 || !(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(STDIN_FILENO, s.in + s.in_len, IN_BUF - s.in_len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			eof = true;
			s.activity = s.taken = now_ns();
			continue;
		}
		if (s.tty && o->escape >= 0) {
			void *e = memchr(s.in + s.in_len, o->escape, (size_t)n);
			if (e) {
				n = (unsigned char *)e - (s.in + s.in_len);
				leaving = true;
			}
		}
		s.in_len += (size_t)n;
	}

	if (s.tty)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	if (s.sock >= 0)
		close(s.sock);
	if (gone && s.sock >= 0) {
		struct hv_partition_status st;
		if (hv_status(fd, id, &st) && errno == ENOENT)
			note(&s, "'%s' is gone (destroyed)", name);
		else
			note(&s, "the backend of '%s' closed its virtio console", name);
	} else if (gone) {
		struct hv_partition_status st;
		if (hv_status(fd, id, &st) && errno == ENOENT)
			note(&s, "'%s' is gone (destroyed)", name);
	} else if (s.tty) {
		fputs("\n", stderr);
	}
	return rc;
}

int cmd_console(int argc, char **argv)
{
	static const struct opt opts[] = {
		{ "escape", 'e', true },
		{ "linger", 0, true },
		{ "quiet", 'q', false },
		{ "dev", 'd', true },
		{ NULL, 0, false },
	};
	struct optval v[4] = { { 0 } };
	const char *pos[1];
	struct console_opts co = { .escape = 0x1d, .linger = 1.0 };
	struct hv_partition_status st;
	char nb[HV_NAME_MAX];
	int n = args_parse(argc, argv, opts, v, pos, 1, 1, "NAME");

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	if (v[0].set && console_escape_parse(argv[0], v[0].arg, &co.escape))
		return EXIT_USAGE;
	if (v[1].set && arg_seconds(argv[0], "--linger", v[1].arg, 0, 86400, &co.linger))
		return EXIT_USAGE;
	co.quiet = v[2].set;
	if (v[3].set && !strcmp(v[3].arg, "hvc")) {
		co.hvc = true;
	} else if (v[3].set && strcmp(v[3].arg, "serial")) {
		usage_err(argv[0], "--dev must be 'serial' (the 16550, default) or 'hvc' (the virtio "
			  "console), not '%s'", v[3].arg);
		return EXIT_USAGE;
	}
	int fd = hv_open();
	if (fd < 0 || hv_find(fd, pos[0], &st))
		return EXIT_FAIL;
	if (st.flags & HV_STATUS_PARENT) {
		errmsg("'%s' is the parent partition: its console is the machine's serial port",
		       hv_name(&st, nb));
		return EXIT_FAIL;
	}
	return console_attach(fd, st.id, hv_name(&st, nb), &co);
}

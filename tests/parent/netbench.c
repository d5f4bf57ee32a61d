// SPDX-License-Identifier: GPL-2.0-only
/*
 * netbench: the network figures of `make bench` (TCP throughput between
 * the parent, its children and the parent's loopback, in one run).
 *   netbench server ADDR PORT [IFACE]
 *       takes one connection, reads until the sender closes, closes,
 *       and prints "netbench: server received N bytes" (with IFACE,
 *       "; packets tx T rx R" over the transfer);
 *   netbench client ADDR PORT SECONDS [IFACE]
 *       sends 64 KiB writes for SECONDS, closes its side and waits for
 *       the server's close (so every byte counted has arrived), then
 *       prints "netbench: tcp: FIGURE MB/s (N bytes in S s)" and, with
 *       IFACE, "; packets tx T rx R" from that interface's counters.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (64u << 10)

static char buf[BUF];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int addr_of(const char *ip, const char *port, struct sockaddr_in *sa)
{
	char *end;
	long p = strtol(port, &end, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)p);
	if (*end || p < 1 || p > 65535 || inet_pton(AF_INET, ip, &sa->sin_addr) != 1) {
		fprintf(stderr, "netbench: bad address %s:%s\n", ip, port);
		return -1;
	}
	return 0;
}

static unsigned long long counter(const char *iface, const char *name)
{
	char path[256];
	unsigned long long v = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", iface, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int server(const struct sockaddr_in *sa, const char *iface)
{
	unsigned long long tx0 = 0, rx0 = 0;

	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (const struct sockaddr *)sa, sizeof(*sa)) || listen(l, 1)) {
		perror("netbench: listen");
		return 1;
	}
	int c = accept(l, NULL, NULL);
	if (c < 0) {
		perror("netbench: accept");
		return 1;
	}
	if (iface)
		tx0 = counter(iface, "tx_packets"), rx0 = counter(iface, "rx_packets");
	unsigned long long got = 0;
	ssize_t n;
	while ((n = read(c, buf, BUF)) > 0 || (n < 0 && errno == EINTR))
		got += n > 0 ? (unsigned long long)n : 0;
	close(c);
	close(l);
	printf("netbench: server received %llu bytes", got);
	if (iface)
		printf("; packets tx %llu rx %llu", counter(iface, "tx_packets") - tx0,
		       counter(iface, "rx_packets") - rx0);
	printf("\n");
	return 0;
}

static int client(const struct sockaddr_in *sa, double seconds, const char *iface)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	unsigned long long sent = 0, tx0 = 0, rx0 = 0;

	if (s < 0 || connect(s, (const struct sockaddr *)sa, sizeof(*sa))) {
		perror("netbench: connect");
		return 1;
	}
	memset(buf, 0x5a, sizeof(buf));
	if (iface)
		tx0 = counter(iface, "tx_packets"), rx0 = counter(iface, "rx_packets");
	double t0 = now();
	while (now() - t0 < seconds) {
		ssize_t n = write(s, buf, BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("netbench: write");
			return 1;
		}
		sent += (unsigned long long)n;
	}
	shutdown(s, SHUT_WR);
	while (read(s, buf, BUF) > 0) {
		/* the server sends nothing; its close ends this */
	}
	double t = now() - t0;
	close(s);
	printf("netbench: tcp: %.1f MB/s (%llu bytes in %.2f s", (double)sent / t / 1e6, sent, t);
	if (iface)
		printf("; packets tx %llu rx %llu", counter(iface, "tx_packets") - tx0,
		       counter(iface, "rx_packets") - rx0);
	printf(")\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa;

	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "server"))
		return addr_of(argv[2], argv[3], &sa) ? 2 : server(&sa, argc == 5 ? argv[4] : NULL);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "client")) {
		double secs = atof(argv[4]);
		if (secs <= 0 || secs > 600 || addr_of(argv[2], argv[3], &sa))
			return 2;
		return client(&sa, secs, argc == 6 ? argv[5] : NULL);
	}
	fprintf(stderr, "usage: netbench server ADDR PORT [IFACE]\n"
			"       netbench client ADDR PORT SECONDS [IFACE]\n");
	return 2;
}

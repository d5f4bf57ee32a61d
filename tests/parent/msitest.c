// SPDX-License-Identifier: GPL-2.0-only
/*
 * msitest: the parent forges MSIs in QEMU's "edu" test device (vendor
 * 1234, device 11e8), which has an MSI capability and no driver. Each
 * bad message -- NMI delivery, INIT delivery, the hypervisor's vector
 * 0xf0, a destination no vCPU has -- is written while MSI is off (the
 * hypervisor keeps it, as Linux's own sequence needs) and then turned on,
 * through the kernel's accessors (the sysfs config file), through ports
 * 0xcf8/0xcfc and through the ECAM window: MSI must stay off. A good
 * message (vector 0x41 to this CPU's APIC ID) turns on; rewriting it to NMI delivery while on must
 * leave it as it was. MSI ends off.
 *
 * Then the same for MSI-X, in QEMU's e1000e (8086:10d3, no driver in the
 * parent), whose table lives in device memory: an entry with NMI delivery
 * is kept while MSI-X is off but MSI-X does not turn on over it (it does
 * function-masked, but the mask does not come off); a good entry goes
 * live, and rewriting it to NMI delivery or to a destination no vCPU has,
 * or unmasking an entry with the hypervisor's vector, leaves the table as
 * it was; and the BAR holding the table does not move while it decodes.
 *
 * Prints "msitest: ..." lines; exits 0 when every step held, 1 otherwise,
 * 2 on a set-up error (neither device, or one that cannot be reached).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <unistd.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define CAP_MSI 0x05

static int cfg_fd;
static unsigned bdf;
static int failures;

static unsigned rd(unsigned off, int size)
{
	uint32_t v = 0;
	if (pread(cfg_fd, &v, size, off) != size)
		return ~0u;
	return v;
}

/* Through the kernel's accessors (the sysfs config file). */
static void wr_sysfs(unsigned off, int size, uint32_t v)
{
	if (pwrite(cfg_fd, &v, size, off) != size)
		printf("msitest: config write at %#x: %s\n", off, strerror(errno));
}

/* The function's page of the ECAM window (MCFG), through /dev/mem:
 * Linux itself reaches the first 256 bytes through the ports. */
static volatile uint8_t *ecam;

static int map_ecam(unsigned bus, unsigned dev, unsigned fn)
{
	uint64_t base = 0;
	int fd = open("/sys/firmware/acpi/tables/MCFG", O_RDONLY);
	if (fd < 0 || pread(fd, &base, 8, 44) != 8 || !base)
		return -1;
	close(fd);
	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0)
		return -1;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)(base + (bus << 20 | dev << 15 | fn << 12)));
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	ecam = m;
	return 0;
}

static void wr_ecam(unsigned off, int size, uint32_t v)
{
	if (size == 2)
		*(volatile uint16_t *)(ecam + off) = (uint16_t)v;
	else
		*(volatile uint32_t *)(ecam + off) = v;
}

/* Configuration mechanism #1, as firmware and old kernels use it. */
static void wr_port(unsigned off, int size, uint32_t v)
{
	outl(0x80000000u | bdf << 8 | (off & 0xfc), 0xcf8);
	if (size == 2)
		outw((uint16_t)v, 0xcfc + (off & 2));
	else
		outl(v, 0xcfc);
}

static int find_function(unsigned vendor, unsigned device, char *name, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	int found = -1;

	while (d && (e = readdir(d)) && found) {
		char p[300];
		unsigned v = 0, dv = 0;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/vendor", e->d_name);
		FILE *f = fopen(p, "r");
		if (f) {
			if (fscanf(f, "%x", &v) != 1)
				v = 0;
			fclose(f);
		}
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/device", e->d_name);
		f = fopen(p, "r");
		if (f) {
			if (fscanf(f, "%x", &dv) != 1)
				dv = 0;
			fclose(f);
		}
		if (v == vendor && dv == device) {
			snprintf(name, len, "%s", e->d_name);
			found = 0;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* This CPU's APIC ID (CPUID 1, EBX[31:24]); the process is pinned to
 * CPU 0 by the caller (taskset) or runs anywhere: any of the parent's
 * APIC IDs is a good destination. */
static unsigned apic_id(void)
{
	unsigned a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b >> 24;
}

struct layout {
	unsigned cap, ctrl, lo, hi, data;
	int wide;
};

static void message(const struct layout *m, uint32_t lo, uint32_t data)
{
	wr_sysfs(m->lo, 4, lo);
	if (m->wide)
		wr_sysfs(m->hi, 4, 0);
	wr_sysfs(m->data, 2, data);
}

static int enabled(const struct layout *m)
{
	return rd(m->ctrl, 2) & 1;
}

static void (*const path_wr[3])(unsigned, int, uint32_t) = { wr_sysfs, wr_port, wr_ecam };
static const char *const path_name[3] = { "the kernel", "ports", "ECAM" };

/* A bad message turned on, through each path: must stay off. */
static void bad(const struct layout *m, const char *what, uint32_t lo, uint32_t data)
{
	for (int path = 0; path < 3; path++) {
		unsigned ctrl = rd(m->ctrl, 2) & ~1u;
		message(m, lo, data);
		if (rd(m->data, 2) != (data & 0xffff)) {
			printf("msitest: %s: the message was not kept while MSI was off\n", what);
			failures++;
		}
		path_wr[path](m->ctrl, 2, ctrl | 1);
		int on = enabled(m);
		printf("msitest: %s (address %#x data %#x), on via %s: %s\n", what, lo, data,
		       path_name[path], on ? "NOT refused" : "refused");
		if (on) {
			failures++;
			wr_sysfs(m->ctrl, 2, ctrl);
		}
	}
}

/* The function's config file, ports address and ECAM page; 0, or 2 on
 * a set-up error. */
static int open_function(const char *name)
{
	char p[600];
	unsigned bus, dev, fn;

	if (sscanf(name, "%*x:%x:%x.%x", &bus, &dev, &fn) != 3 || iopl(3)) {
		printf("msitest: cannot name %s or reach the ports\n", name);
		return 2;
	}
	if (map_ecam(bus, dev, fn)) {
		printf("msitest: cannot map %s's ECAM page: %s\n", name, strerror(errno));
		return 2;
	}
	bdf = bus << 8 | dev << 3 | fn;
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/config", name);
	cfg_fd = open(p, O_RDWR);
	if (cfg_fd < 0) {
		printf("msitest: %s: %s\n", p, strerror(errno));
		return 2;
	}
	return 0;
}

static unsigned find_cap(unsigned id)
{
	for (unsigned at = rd(0x34, 1) & 0xfc, n = 0; at >= 0x40 && n < 48; n++) {
		if (rd(at, 1) == id)
			return at;
		at = rd(at + 1, 1) & 0xfc;
	}
	return 0;
}

static int msi_part(const char *name)
{
	struct layout m = { 0 };

	if (open_function(name))
		return 2;
	m.cap = find_cap(CAP_MSI);
	if (!m.cap) {
		printf("msitest: %s has no MSI capability\n", name);
		return 2;
	}
	m.ctrl = m.cap + 2;
	m.lo = m.cap + 4;
	m.wide = (rd(m.ctrl, 2) & 0x80) != 0;
	m.hi = m.cap + 8;
	m.data = m.cap + (m.wide ? 12 : 8);
	unsigned me = apic_id();
	uint32_t good_lo = 0xfee00000u | (me & 0xff) << 12;
	printf("msitest: edu at %s, MSI at %#x (%s), this CPU's APIC ID %u\n", name, m.cap,
	       m.wide ? "64-bit" : "32-bit", me);
	wr_sysfs(m.ctrl, 2, rd(m.ctrl, 2) & ~1u);

	bad(&m, "NMI delivery", good_lo, 0x0400 | 0x41);
	bad(&m, "INIT delivery", good_lo, 0x0500);
	bad(&m, "vector 0xf0 (the hypervisor's)", good_lo, 0x00f0);
	bad(&m, "destination 0xee (no vCPU)", 0xfee00000u | 0xee << 12, 0x0041);

	message(&m, good_lo, 0x0041);
	wr_sysfs(m.ctrl, 2, rd(m.ctrl, 2) | 1);
	int on = enabled(&m);
	printf("msitest: vector 0x41 to APIC ID %u, on: %s\n", me, on ? "on" : "REFUSED");
	failures += !on;
	wr_ecam(m.data, 2, 0x0441);
	unsigned data = rd(m.data, 2);
	printf("msitest: NMI delivery written while on, via ECAM: %s\n",
	       data == 0x0041 ? "refused (the message is unchanged)" : "NOT refused");
	failures += data != 0x0041;
	wr_port(m.data, 2, 0x00f0);
	data = rd(m.data, 2);
	printf("msitest: vector 0xf0 written while on, via ports: %s\n",
	       data == 0x0041 ? "refused (the message is unchanged)" : "NOT refused");
	failures += data != 0x0041;
	wr_sysfs(m.ctrl, 2, rd(m.ctrl, 2) & ~1u);
	if (enabled(&m)) {
		printf("msitest: MSI could not be turned off\n");
		failures++;
	}
	close(cfg_fd);
	return 0;
}

static volatile uint32_t *table;

#define ENT(i, dw) table[(i) * 4 + (dw)]
#define MSIX_ON 0x8000u
#define MSIX_MASKALL 0x4000u

/* One step: `held` says the hypervisor did as it must. */
static void step(const char *what, int held, const char *verdict)
{
	printf("msitest: MSI-X: %s: %s\n", what, held ? verdict : "NOT refused");
	failures += !held;
}

static int msix_part(const char *name)
{
	char p[600];

	if (open_function(name))
		return 2;
	unsigned cap = find_cap(0x11);
	if (!cap) {
		printf("msitest: %s has no MSI-X capability\n", name);
		return 2;
	}
	unsigned ctrl_at = cap + 2, where = rd(cap + 4, 4), bir = where & 7;
	unsigned n = (rd(ctrl_at, 2) & 0x7ff) + 1, off = where & ~7u;
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/enable", name);
	int fd = open(p, O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1) {
		printf("msitest: cannot enable %s: %s\n", name, strerror(errno));
		return 2;
	}
	close(fd);
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/resource%u", name, bir);
	fd = open(p, O_RDWR | O_SYNC);
	void *m = fd < 0 ? MAP_FAILED : mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
					     off & ~4095u);
	if (m == MAP_FAILED) {
		printf("msitest: cannot map %s: %s\n", p, strerror(errno));
		return 2;
	}
	table = (volatile uint32_t *)((volatile uint8_t *)m + (off & 4095));
	unsigned me = apic_id();
	uint32_t good_lo = 0xfee00000u | (me & 0xff) << 12;
	printf("msitest: e1000e at %s, MSI-X at %#x: %u entries in BAR %u at %#x\n", name, cap, n,
	       bir, off);

	wr_sysfs(ctrl_at, 2, rd(ctrl_at, 2) & ~(MSIX_ON | MSIX_MASKALL));
	for (unsigned i = 0; i < n; i++)
		ENT(i, 3) = 1;
	ENT(0, 0) = good_lo;
	ENT(0, 1) = 0;
	ENT(0, 2) = 0x0442;
	ENT(0, 3) = 0;
	step("NMI delivery in entry 0 while off", ENT(0, 2) == 0x0442, "kept");
	wr_sysfs(ctrl_at, 2, MSIX_ON);
	step("on over it", !(rd(ctrl_at, 2) & MSIX_ON), "refused");
	wr_sysfs(ctrl_at, 2, MSIX_ON | MSIX_MASKALL);
	step("on, function-masked", (rd(ctrl_at, 2) & (MSIX_ON | MSIX_MASKALL)) ==
	     (MSIX_ON | MSIX_MASKALL), "on");
	wr_sysfs(ctrl_at, 2, MSIX_ON);
	step("the function mask off over it", rd(ctrl_at, 2) & MSIX_MASKALL, "refused");
	ENT(0, 2) = 0x0042;
	wr_sysfs(ctrl_at, 2, MSIX_ON);
	step("vector 0x42, the function mask off", (rd(ctrl_at, 2) & (MSIX_ON | MSIX_MASKALL)) ==
	     MSIX_ON, "live");
	ENT(0, 2) = 0x0442;
	step("NMI delivery written to live entry 0", ENT(0, 2) == 0x0042,
	     "refused (the entry is unchanged)");
	ENT(0, 0) = 0xfee00000u | 0xee << 12;
	step("destination 0xee written to live entry 0", ENT(0, 0) == good_lo,
	     "refused (the entry is unchanged)");
	if (n > 1) {
		ENT(1, 0) = good_lo;
		ENT(1, 2) = 0x00f0;
		step("vector 0xf0 in masked entry 1", ENT(1, 2) == 0x00f0, "kept");
		ENT(1, 3) = 0;
		step("entry 1 unmasked over it", ENT(1, 3) & 1, "refused");
	}
	unsigned bar_at = 0x10 + 4 * bir, bar = rd(bar_at, 4);
	wr_sysfs(bar_at, 4, bar + 0x100000);
	step("its BAR moved while decoding", rd(bar_at, 4) == bar, "refused");
	wr_sysfs(ctrl_at, 2, 0);
	if (rd(ctrl_at, 2) & MSIX_ON) {
		printf("msitest: MSI-X could not be turned off\n");
		failures++;
	}
	munmap(m, 8192);
	close(fd);
	close(cfg_fd);
	return 0;
}

int main(void)
{
	char name[300];
	int found = 0, r;

	if (!find_function(EDU_VENDOR, EDU_DEVICE, name, sizeof(name))) {
		found++;
		if ((r = msi_part(name)))
			return r;
	}
	if (!find_function(0x8086, 0x10d3, name, sizeof(name))) {
		found++;
		if ((r = msix_part(name)))
			return r;
	}
	if (!found) {
		printf("msitest: neither an edu nor an e1000e device\n");
		return 2;
	}
	return failures ? 1 : 0;
}

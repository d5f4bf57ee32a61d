// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmatest HV-ADDR [remap|remap-amd]: the parent's DMA through the IOMMU, driven with QEMU's
 * "edu" test device (vendor 1234, device 11e8), whose DMA engine copies
 * between its 4 KiB buffer (at 0x40000 in its own space) and any bus
 * address: a page of this process to the device and back must arrive
 * intact; a read of HV-ADDR (the hypervisor's memory) must not reach the
 * device's buffer; a write to HV-ADDR is issued, for the hypervisor to
 * block and report; with "remap" (VT-d) or "remap-amd" (AMD-Vi),
 * interrupt messages naming entries the hypervisor never fills (and, on
 * AMD-Vi, an NMI message) are written by DMA, for interrupt remapping to
 * block. Prints "dmatest: ..." lines; exits 0 when the
 * round trip worked and the read was blocked, 1 otherwise, 2 on a set-up
 * error.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_BUF 0x40000u /* the device's buffer, in its DMA space */
#define REG_ID 0x00
#define REG_SRC 0x80
#define REG_DST 0x88
#define REG_CNT 0x90
#define REG_CMD 0x98
#define CMD_START 1
#define CMD_TO_RAM 2 /* direction: buffer -> RAM (else RAM -> buffer) */
#define PAGE 4096
/* Bytes per transfer: QEMU 7.2's edu refuses (and aborts QEMU on) a
 * transfer that ends exactly at the end of its 4 KiB buffer. */
#define XFER 2048

static volatile uint8_t *regs;

static uint64_t rd64(unsigned off) { return *(volatile uint64_t *)(regs + off); }
static uint32_t rd32(unsigned off) { return *(volatile uint32_t *)(regs + off); }
static void wr64(unsigned off, uint64_t v) { *(volatile uint64_t *)(regs + off) = v; }

static int read_hex(const char *dir, const char *file, unsigned *out)
{
	char path[600], buf[32];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*out = (unsigned)strtoul(buf, NULL, 16);
	return 0;
}

static int find_edu(char *dir, size_t len)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char p[300];
		unsigned v, dv;
		snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s", e->d_name);
		if (!read_hex(p, "vendor", &v) && !read_hex(p, "device", &dv) && v == EDU_VENDOR &&
		    dv == EDU_DEVICE) {
			snprintf(dir, len, "%s", p);
			closedir(d);
			return 0;
		}
	}
	if (d)
		closedir(d);
	return -1;
}

/* Memory decoding on (sysfs enable), then bus mastering in COMMAND. */
static int enable(const char *dir)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/enable", dir);
	int fd = open(p, O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		return -1;
	close(fd);
	snprintf(p, sizeof(p), "%s/config", dir);
	fd = open(p, O_RDWR);
	uint16_t cmd;
	if (fd < 0 || pread(fd, &cmd, 2, 4) != 2)
		return -1;
	cmd |= 0x6;
	int r = pwrite(fd, &cmd, 2, 4) == 2 ? 0 : -1;
	close(fd);
	return r;
}

static uint64_t phys_of(void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)va / PAGE * 8)) != 8)
		return 0;
	close(fd);
	if (!(e & (1ull << 63)) || !(e & ((1ull << 55) - 1)))
		return 0; /* not present, or PFNs hidden (not root) */
	return (e & ((1ull << 55) - 1)) * PAGE;
}

/* One transfer; false when the device did not finish within 2 s. */
static int dma(uint64_t src, uint64_t dst, uint64_t len, int to_ram)
{
	wr64(REG_SRC, src);
	wr64(REG_DST, dst);
	wr64(REG_CNT, len);
	wr64(REG_CMD, CMD_START | (to_ram ? CMD_TO_RAM : 0));
	for (int i = 0; i < 2000; i++) {
		if (!(rd64(REG_CMD) & CMD_START))
			return 0;
		usleep(1000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	char dir[512], p[600];

	if (argc < 2) {
		fprintf(stderr, "usage: dmatest HV-ADDR [remap|remap-amd]\n");
		return 2;
	}
	uint64_t hv = strtoull(argv[1], NULL, 0) & ~(uint64_t)(PAGE - 1);
	if (find_edu(dir, sizeof(dir))) {
		printf("dmatest: no edu device\n");
		return 2;
	}
	printf("dmatest: edu at %s\n", strrchr(dir, '/') + 1);
	snprintf(p, sizeof(p), "%s/resource0", dir);
	int fd = open(p, O_RDWR | O_SYNC);
	if (enable(dir) || fd < 0 ||
	    (regs = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		printf("dmatest: cannot enable or map the device: %s\n", strerror(errno));
		return 2;
	}
	if (rd32(REG_ID) != 0x010000ed)
		printf("dmatest: unexpected identification %#x\n", rd32(REG_ID));

	uint8_t *a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED,
			  -1, 0);
	if (a == MAP_FAILED) {
		printf("dmatest: no memory\n");
		return 2;
	}
	uint8_t *b = a + PAGE;
	for (int i = 0; i < PAGE; i++)
		a[i] = (uint8_t)(i * 7 + 3), b[i] = 0;
	uint64_t pa = phys_of(a), pb = phys_of(b);
	if (!pa || !pb) {
		printf("dmatest: cannot learn the pages' physical addresses\n");
		return 2;
	}
	/* This process's page to the device and back into another page. */
	int ok = !dma(pa, EDU_BUF, XFER, 0) && !dma(EDU_BUF, pb, XFER, 1) && !memcmp(a, b, XFER);
	printf("dmatest: parent page round trip (%#llx -> device -> %#llx): %s\n",
	       (unsigned long long)pa, (unsigned long long)pb, ok ? "ok" : "FAILED");
	/* A read of the hypervisor's memory into the buffer (which holds
	 * page a now): blocked, so the buffer keeps page a, or holds one
	 * byte value throughout (QEMU completes a read the IOMMU refused
	 * with zeros); none of the hypervisor's bytes either way. */
	memset(b, 0x5a, PAGE);
	int rd = dma(hv, EDU_BUF, XFER, 0);
	int back = dma(EDU_BUF, pb, XFER, 1);
	int uniform = 1;
	for (int i = 1; i < XFER; i++)
		uniform &= b[i] == b[0];
	int blocked = !back && (!memcmp(a, b, XFER) || uniform);
	printf("dmatest: read of %#llx: ", (unsigned long long)hv);
	if (rd || back)
		printf("the device did not finish\n");
	else if (blocked && uniform)
		printf("blocked (the device got 0x%02x throughout)\n", b[0]);
	else if (blocked)
		printf("blocked (the device's buffer is unchanged)\n");
	else
		printf("NOT blocked (the device got %02x %02x %02x %02x ...)\n", b[0], b[1], b[2], b[3]);
	/* A write of the buffer over the hypervisor's memory. */
	int wr = dma(EDU_BUF, hv, XFER, 1);
	printf("dmatest: write to %#llx: %s\n", (unsigned long long)hv,
	       wr ? "the device did not finish" : "issued");
	/* Interrupt messages written by DMA (with "remap", when the machine
	 * remaps interrupts): remappable-format messages naming entry 0,
	 * which the hypervisor never fills, and entry 0x7fff, past its
	 * table. Both must be blocked; the runner checks the hypervisor's
	 * fault reports. */
	for (int i = 2; i < argc; i++) {
		/* VT-d: remappable-format messages, the handle in the address. */
		static const uint32_t handle[2] = { 0, 0x7fff };
		for (int k = 0; k < 2 && !strcmp(argv[i], "remap"); k++) {
			uint32_t addr = 0xfee00000u | (handle[k] << 5) | 0x18, data = 0;
			memcpy(a, &data, 4);
			int msi = dma(pa, EDU_BUF, 4, 0) || dma(EDU_BUF, addr, 4, 1);
			printf("dmatest: message naming interrupt entry %#x written by DMA to %#x: %s\n",
			       handle[k], addr, msi ? "the device did not finish" : "issued");
		}
		/* AMD-Vi: the index is the data; and an NMI message, which the
		 * device table must block. */
		static const uint32_t amd[2] = { 0, 0x0400 };
		for (int k = 0; k < 2 && !strcmp(argv[i], "remap-amd"); k++) {
			memcpy(a, &amd[k], 4);
			int msi = dma(pa, EDU_BUF, 4, 0) || dma(EDU_BUF, 0xfee00000u, 4, 1);
			printf("dmatest: message with data %#x written by DMA to 0xfee00000: %s\n",
			       amd[k], msi ? "the device did not finish" : "issued");
		}
	}
	return ok && blocked ? 0 : 1;
}

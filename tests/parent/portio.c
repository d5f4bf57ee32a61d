// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hostile parent's tools: port accesses of any size at any port, the
 * S5 sleep type from the machine's DSDT, and a sweep of the whole
 * physical address space through /dev/mem. Built static for the parent's
 * test initramfs.
 *
 *   portio in SIZE PORT           prints the value read (hex)
 *   portio out SIZE PORT VALUE
 *   portio s5typ                  prints \_S5's SLP_TYPa from the DSDT
 *   portio memscan PROBES         reads one byte at PROBES addresses spread
 *                                 over [0, 2^physical-address-bits)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: portio in SIZE PORT | out SIZE PORT VALUE | s5typ | memscan PROBES\n");
	return 2;
}

static int port_cmd(int argc, char **argv)
{
	int out = !strcmp(argv[1], "out");
	unsigned long size, port, val = 0;

	if (argc != (out ? 5 : 4))
		return usage();
	size = strtoul(argv[2], NULL, 0);
	port = strtoul(argv[3], NULL, 0);
	if (out)
		val = strtoul(argv[4], NULL, 0);
	if ((size != 1 && size != 2 && size != 4) || port > 0xffff)
		return usage();
	if (iopl(3)) {
		perror("portio: iopl");
		return 1;
	}
	if (out) {
		if (size == 1)
			outb((unsigned char)val, (unsigned short)port);
		else if (size == 2)
			outw((unsigned short)val, (unsigned short)port);
		else
			outl((unsigned int)val, (unsigned short)port);
		return 0;
	}
	val = size == 1 ? inb((unsigned short)port) : size == 2 ? inw((unsigned short)port)
								  : inl((unsigned short)port);
	printf("%#lx\n", val);
	return 0;
}

/* \_S5_ in AML: NameOp "_S5_" PackageOp PkgLength NumElements, then the
 * first element as a ZeroOp, OneOp or BytePrefix constant. */
static int s5typ(void)
{
	static unsigned char aml[1 << 20];
	FILE *f = fopen("/sys/firmware/acpi/tables/DSDT", "rb");
	size_t n;

	if (!f) {
		perror("portio: DSDT");
		return 1;
	}
	n = fread(aml, 1, sizeof(aml), f);
	fclose(f);
	for (size_t i = 0; i + 8 < n; i++) {
		if (memcmp(aml + i, "_S5_", 4) || aml[i + 4] != 0x12)
			continue;
		size_t j = i + 5;
		j += 1 + (aml[j] >> 6); /* PkgLength: 1 + the extra bytes in bits 7:6 */
		j++;                    /* NumElements */
		if (j >= n)
			break;
		int v = aml[j] == 0x00 ? 0 : aml[j] == 0x01 ? 1 : aml[j] == 0x0a && j + 1 < n ? aml[j + 1] : -1;
		if (v < 0)
			break;
		printf("%d\n", v);
		return 0;
	}
	fprintf(stderr, "portio: no \\_S5 package\n");
	return 1;
}

/* Maps one page of the physical address space through /dev/mem and reads
 * a byte of it: the kernel lets through what its memory map does not
 * call RAM (STRICT_DEVMEM), and the hypervisor answers the rest. */
static int probe(int fd, uint64_t at, unsigned char *b)
{
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t base = at & ~(uint64_t)(pg - 1);
	volatile unsigned char *m = mmap(NULL, (size_t)pg, PROT_READ, MAP_SHARED, fd, (off_t)base);

	if (m == MAP_FAILED)
		return -1;
	*b = m[at - base];
	munmap((void *)m, (size_t)pg);
	return 0;
}

static int memscan(int argc, char **argv)
{
	unsigned bits = 36, probes;
	char line[256];
	FILE *ci = fopen("/proc/cpuinfo", "r");
	unsigned long ok = 0, ones = 0, refused = 0;

	if (argc != 3 || !(probes = (unsigned)strtoul(argv[2], NULL, 0)))
		return usage();
	while (ci && fgets(line, sizeof(line), ci))
		if (sscanf(line, "address sizes : %u bits physical", &bits) == 1)
			break;
	if (ci)
		fclose(ci);
	int fd = open("/dev/mem", O_RDONLY | O_SYNC);
	if (fd < 0) {
		perror("portio: /dev/mem");
		return 1;
	}
	/* The last byte of each of PROBES slices of the space, then a page
	 * past its top. */
	uint64_t top = 1ULL << bits, step = top / probes;
	for (unsigned i = 0; i <= probes; i++) {
		uint64_t at = i < probes ? (uint64_t)i * step + step - 1 : top + 4095;
		unsigned char b;
		if (probe(fd, at, &b) == 0) {
			ok++;
			ones += b == 0xff;
		} else {
			refused++;
		}
	}
	close(fd);
	printf("memscan: %u-bit space, %lu probes read (%lu all ones), %lu refused by the kernel\n",
	       bits, ok, ones, refused);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && (!strcmp(argv[1], "in") || !strcmp(argv[1], "out")))
		return port_cmd(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "s5typ"))
		return s5typ();
	if (argc >= 2 && !strcmp(argv[1], "memscan"))
		return memscan(argc, argv);
	return usage();
}

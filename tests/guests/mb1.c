// SPDX-License-Identifier: GPL-2.0-only
/*
 * A multiboot (v1) kernel: checks what the loader hands it against the
 * Multiboot 0.6.96 specification (3.2 machine state, 3.3 information)
 * and the partition it was given. Run as "child name=mb1 mem=32M --
 * hello=world": the information must say 32 MiB and that command line;
 * a module, when its initrd line gave one, is described too.
 */
#include "guest.h"

#define MB_BOOT_MAGIC 0x2badb002u
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)
#define E820_RAM 1
#define MEM_SIZE (32u << 20)

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb_mmap {
	u32 size;
	u64 base, len;
	u32 type;
} __attribute__((packed));

extern char _start_image[], _end[];

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void check_state(u32 eflags)
{
	uword cr0, cs_limit;
	u16 cs;

	__asm__ __volatile__("mov %%cr0, %0" : "=r"(cr0));
	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	__asm__ __volatile__("lsl %1, %0" : "=r"(cs_limit) : "r"((uword)cs));
	/* 3.2: protected mode, paging off, a flat 4 GiB code segment,
	 * interrupts and virtual-8086 mode off. */
	CHECK((cr0 & 1) && !(cr0 & 0x80000000u));
	CHECK_EQ(cs_limit, 0xffffffffu);
	CHECK(!(eflags & (1u << 9)));
	CHECK(!(eflags & (1u << 17)));
}

/* The map must hold all 32 MiB of RAM (but for the reserved window
 * below 1 MiB) and our own image. */
static void check_mmap(const struct mb_info *mbi)
{
	u64 ram = 0, image = (uword)_start_image, image_end = (uword)_end;
	bool holds_image = false;
	u32 n = 0;

	for (u32 off = 0; off < mbi->mmap_length; n++) {
		const struct mb_mmap *e = (const void *)(uword)(mbi->mmap_addr + off);
		printf("mmap %x-%x type %u\n", (u32)e->base, (u32)(e->base + e->len - 1), e->type);
		CHECK_EQ(e->size, 20);
		if (e->type == E820_RAM) {
			ram += e->len;
			if (e->base <= image && e->base + e->len >= image_end)
				holds_image = true;
		}
		off += e->size + 4;
	}
	CHECK(n >= 2);
	CHECK(holds_image);
	CHECK(ram <= MEM_SIZE && ram >= MEM_SIZE - (1u << 20));
	CHECK_EQ(mbi->mem_lower, 636);
	CHECK_EQ(mbi->mem_upper, (MEM_SIZE >> 10) - 1024);
}

void mb1_entry(u32 magic, const struct mb_info *mbi, u32 eflags);
void mb1_entry(u32 magic, const struct mb_info *mbi, u32 eflags)
{
	cpu_tables_init(0);
	printf("multiboot entry: magic %x, info at %x, flags %x\n", magic, (u32)(uword)mbi,
	       mbi->flags);
	CHECK_EQ(magic, MB_BOOT_MAGIC);
	check_state(eflags);
	CHECK_EQ(mbi->flags & (MBI_MEMORY | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME),
		 MBI_MEMORY | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME);
	const char *cmdline = (const char *)(uword)mbi->cmdline;
	printf("command line '%s', loader '%s'\n", cmdline,
	       (const char *)(uword)mbi->boot_loader_name);
	CHECK(str_eq(cmdline, "mb1 hello=world") || str_eq(cmdline, "mb1-aout hello=world"));
	check_mmap(mbi);
	/* With an initrd line (mb1's run has one): the module, page-aligned,
	 * past our image, with the line's command line. */
	if (mbi->flags & MBI_MODS) {
		const u32 *m = (const u32 *)(uword)mbi->mods_addr;
		CHECK_EQ(mbi->mods_count, 1);
		CHECK_EQ(m[0] & 0xfff, 0);
		CHECK(m[0] >= (uword)_end && m[1] > m[0]);
		char head[16] = { 0 };
		for (u32 i = 0; i < sizeof(head) - 1 && m[0] + i < m[1]; i++)
			head[i] = ((const char *)(uword)m[0])[i];
		printf("module: %u bytes, command line '%s', starts '%s'\n", m[1] - m[0],
		       (const char *)(uword)m[2], head);
	}
	printf("%s\n", failures ? "FAILED" : "all checks passed");
	guest_exit(failures ? 1 : 0);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/* Segment descriptors, TSS and IDT (SDM Vol. 3A 3.4.5, 7.7, 6.14). */
#ifndef VMM_BASE_DESC_H
#define VMM_BASE_DESC_H

#include "vmm/base/types.h"

#define SEL_NULL 0x00
#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18
#define GDT_ENTRIES 5 /* null, code, data, TSS (two slots) */

struct gdt {
	u64 entry[GDT_ENTRIES];
} __aligned(8);

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

struct idt_entry {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct idt_entry) == 16, "IDT gate is 16 bytes");

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

/* Flat 64-bit code, flat data: the only segments long mode still uses. */
#define GDT_CODE64 0x00af9b000000ffffULL
#define GDT_DATA 0x00cf93000000ffffULL

static inline void lgdt(const struct desc_ptr *p)
{
	__asm__ __volatile__("lgdt %0" ::"m"(*p));
}

static inline void lidt(const struct desc_ptr *p)
{
	__asm__ __volatile__("lidt %0" ::"m"(*p));
}

static inline void ltr(u16 sel)
{
	__asm__ __volatile__("ltr %0" ::"rm"(sel));
}

void gdt_init(struct gdt *gdt, struct tss *tss);
void gdt_load(struct gdt *gdt);
void idt_init(void);
void idt_load(void);

#endif

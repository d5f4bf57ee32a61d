// SPDX-License-Identifier: GPL-2.0-only
/* Multiboot2 information -> struct boot_info. */
#include "boot/mb2.h"
#include "boot/multiboot2.h"
#include "vmm/base/string.h"

#define MB2_INFO_MAX (1u << 20) /* sanity bound on total_size */

static void copy_string(char *dst, size_t cap, const char *src, size_t avail)
{
	size_t n = strnlen(src, avail);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void add_mb2_mmap(struct boot_info *bi, const struct mb2_tag_mmap *t)
{
	if (t->entry_size < sizeof(struct mb2_mmap_entry))
		return;
	const uint8_t *p = (const uint8_t *)(t + 1);
	const uint8_t *end = (const uint8_t *)t + t->tag.size;

	for (; p + sizeof(struct mb2_mmap_entry) <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;
		uint32_t type = e->type;
		if (type < BOOT_MEM_USABLE || type > BOOT_MEM_BAD)
			type = BOOT_MEM_RESERVED;
		boot_mmap_add(bi, e->base, e->len, type);
	}
}

static void add_efi_mmap(struct boot_info *bi, const struct mb2_tag_efi_mmap *t)
{
	if (t->descr_size < sizeof(struct efi_mem_desc))
		return;
	const uint8_t *p = (const uint8_t *)(t + 1);
	const uint8_t *end = (const uint8_t *)t + t->tag.size;

	for (; p + sizeof(struct efi_mem_desc) <= end; p += t->descr_size) {
		const struct efi_mem_desc *d = (const void *)p;
		if (d->pages > (UINT64_MAX >> 12))
			continue;
		boot_mmap_add(bi, d->phys, d->pages << 12,
			      boot_mem_type_from_efi(d->type, d->attr));
	}
}

const char *mb2_parse(const void *mbi, uint64_t load_pa, struct boot_info *bi)
{
	const struct mb2_info *info = mbi;
	const struct mb2_tag_mmap *mmap = NULL;
	const struct mb2_tag_efi_mmap *efi_mmap = NULL;

	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->path = BOOT_PATH_MB2_BIOS;
	bi->image_pa = load_pa;

	if (!mbi)
		return "no multiboot2 information";
	if (info->total_size < sizeof(*info) + sizeof(struct mb2_tag) ||
	    info->total_size > MB2_INFO_MAX)
		return "multiboot2 information has a bad size";

	const uint8_t *base = mbi;
	const uint8_t *end = base + info->total_size;
	const uint8_t *p = base + sizeof(*info);

	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *tag = (const void *)p;
		if (tag->type == MB2_TAG_END)
			break;
		if (tag->size < sizeof(*tag) || tag->size > (size_t)(end - p))
			return "multiboot2 tag overruns the information block";
		size_t body = tag->size - sizeof(*tag);

		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			copy_string(bi->cmdline, sizeof(bi->cmdline),
				    ((const struct mb2_tag_string *)tag)->string, body);
			break;
		case MB2_TAG_LOADER:
			copy_string(bi->loader, sizeof(bi->loader),
				    ((const struct mb2_tag_string *)tag)->string, body);
			break;
		case MB2_TAG_MODULE: {
			const struct mb2_tag_module *m = (const void *)tag;
			if (body < 8)
				return "multiboot2 module tag too short";
			if (bi->module_count >= BOOT_MODULES_MAX)
				return "too many boot modules";
			if (m->mod_end < m->mod_start)
				return "boot module ends before it starts";
			struct boot_module *bm = &bi->modules[bi->module_count++];
			bm->start = m->mod_start;
			bm->end = m->mod_end;
			copy_string(bm->cmdline, sizeof(bm->cmdline), m->cmdline, body - 8);
			break;
		}
		case MB2_TAG_MMAP:
			if (body >= 8)
				mmap = (const void *)tag;
			break;
		case MB2_TAG_EFI_MMAP:
			if (body >= 8)
				efi_mmap = (const void *)tag;
			bi->path = BOOT_PATH_MB2_EFI;
			break;
		case MB2_TAG_FRAMEBUFFER:
			if (body >= sizeof(struct mb2_tag_framebuffer) - sizeof(*tag)) {
				const struct mb2_tag_framebuffer *fb = (const void *)tag;
				bi->fb.addr = fb->addr;
				bi->fb.pitch = fb->pitch;
				bi->fb.width = fb->width;
				bi->fb.height = fb->height;
				bi->fb.bpp = fb->bpp;
				bi->fb.type = fb->type;
			}
			break;
		case MB2_TAG_EFI64:
			if (body >= 8)
				bi->efi_systab = ((const struct mb2_tag_efi64 *)tag)->pointer;
			bi->path = BOOT_PATH_MB2_EFI;
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW: {
			/* Prefer the ACPI 2.0 RSDP (XSDT) when both are present. */
			size_t n = body < sizeof(bi->rsdp) ? body : sizeof(bi->rsdp);
			if (n >= 20 && (tag->type == MB2_TAG_ACPI_NEW || bi->rsdp_len < 36)) {
				memcpy(bi->rsdp, p + sizeof(*tag), n);
				bi->rsdp_len = (uint32_t)n;
			}
			break;
		}
		default:
			break;
		}
		p += (tag->size + 7) & ~7u;
	}

	/* The UEFI map is the firmware's own; the e820-style one is derived. */
	if (efi_mmap)
		add_efi_mmap(bi, efi_mmap);
	else if (mmap)
		add_mb2_mmap(bi, mmap);
	if (!bi->mmap_count)
		return "boot loader gave no memory map";
	return NULL;
}

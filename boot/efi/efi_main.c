// SPDX-License-Identifier: GPL-2.0-only
/*
 * hv.efi: boots the hypervisor straight from UEFI firmware, no GRUB.
 *
 * The core (the same hv.elf GRUB loads) is embedded in this application.
 * We read hv.cfg and the modules it names from the directory we were
 * started from, place the core at a 2 MiB-aligned address, gather the
 * memory map, the ACPI RSDP and the framebuffer into a boot_info, exit
 * boot services and jump to the core's 64-bit entry with paging that maps
 * the first 4 GiB one to one and the core at its linked address.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/boot_info.h"
#include "boot/efi/hv_cfg.h"
#include "vmm/base/layout.h"
#include "vmm/base/string.h"

extern const uint8_t hv_core_start[], hv_core_end[];
EFI_STATUS efi_main(EFI_HANDLE img, EFI_SYSTEM_TABLE *systab);

#define PT_P 0x1ULL
#define PT_W 0x2ULL
#define PT_PS 0x80ULL
#define TABLE_POOL 16
#define MAX_FILE_SIZE (1ULL << 31)

static EFI_HANDLE image;
static struct boot_info *bi;
static uint64_t *table_pool;
static unsigned tables_used;

static void fail(const CHAR16 *what, EFI_STATUS st)
{
	Print(L"hv.efi: %s (%r)\n", what, st);
	uefi_call_wrapper(BS->Stall, 1, 5 * 1000 * 1000);
}

/* Pages below 4 GiB: the core reads them through its boot identity map. */
static EFI_STATUS alloc_low(UINTN pages, EFI_PHYSICAL_ADDRESS *pa)
{
	*pa = 0xffffffffULL;
	return uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
				 pages, pa);
}

static void keep(EFI_PHYSICAL_ADDRESS pa, uint64_t len)
{
	if (bi->reserved_count < BOOT_RESERVED_MAX) {
		bi->reserved[bi->reserved_count].base = pa;
		bi->reserved[bi->reserved_count].len = len;
		bi->reserved[bi->reserved_count].type = BOOT_MEM_RESERVED;
		bi->reserved_count++;
	}
}

static uint64_t *new_table(void)
{
	if (tables_used >= TABLE_POOL)
		return NULL;
	uint64_t *t = table_pool + 512 * tables_used++;
	memset(t, 0, 4096);
	return t;
}

/* Maps one 2 MiB page va -> pa in the boot tables rooted at pml4. */
static int map_2m(uint64_t *pml4, uint64_t va, uint64_t pa)
{
	uint64_t *t = pml4;

	for (int shift = 39; shift > 21; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];
		if (!(*e & PT_P)) {
			uint64_t *n = new_table();
			if (!n)
				return 0;
			*e = (uint64_t)(uintptr_t)n | PT_P | PT_W;
		}
		t = (uint64_t *)(uintptr_t)(*e & 0x000ffffffffff000ULL);
	}
	t[(va >> 21) & 511] = (pa & ~0x1fffffULL) | PT_P | PT_W | PT_PS;
	return 1;
}

/* Reads a whole file from dir into pages (below 4 GiB if low is set). */
static EFI_STATUS read_file(EFI_FILE_HANDLE dir, CHAR16 *name, int low,
			    EFI_PHYSICAL_ADDRESS *pa, UINT64 *size)
{
	EFI_FILE_HANDLE fh;
	EFI_STATUS st = uefi_call_wrapper(dir->Open, 5, dir, &fh, name, EFI_FILE_MODE_READ, 0);

	if (EFI_ERROR(st))
		return st;
	EFI_FILE_INFO *info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_DEVICE_ERROR;
	}
	*size = info->FileSize;
	FreePool(info);
	if (*size > MAX_FILE_SIZE) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	UINTN pages = EFI_SIZE_TO_PAGES(*size ? *size : 1);
	if (low) {
		st = alloc_low(pages, pa);
	} else {
		st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
				       pages, pa);
	}
	if (!EFI_ERROR(st)) {
		UINTN n = *size;
		st = uefi_call_wrapper(fh->Read, 3, fh, &n, (void *)(uintptr_t)*pa);
		if (!EFI_ERROR(st) && n != *size)
			st = EFI_DEVICE_ERROR;
	}
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}

/* "guests/io.elf" -> L"\EFI\hv\guests\io.elf", relative to our directory. */
static CHAR16 *file_path(const CHAR16 *dir, const char *rel)
{
	UINTN dl = StrLen(dir), rl = strlen(rel);
	CHAR16 *p = AllocatePool((dl + rl + 2) * sizeof(CHAR16));

	if (!p)
		return NULL;
	StrCpy(p, dir);
	UINTN n = dl;
	if (n && p[n - 1] != L'\\')
		p[n++] = L'\\';
	for (UINTN i = 0; i < rl; i++)
		p[n++] = rel[i] == '/' ? L'\\' : (CHAR16)(unsigned char)rel[i];
	p[n] = 0;
	return p;
}

/*
 * Our directory from the loaded image's file path. Firmware gives one
 * file-path node; GRUB's chainloader gives one per directory level, so
 * join every file-path node and drop the last component.
 */
static CHAR16 *image_directory(EFI_LOADED_IMAGE *li)
{
	UINTN cap = 512, n = 0;
	CHAR16 *path = AllocatePool(cap * sizeof(CHAR16));

	if (!path)
		return NULL;
	for (EFI_DEVICE_PATH *dp = li->FilePath; dp && !IsDevicePathEnd(dp);
	     dp = NextDevicePathNode(dp)) {
		if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		const CHAR16 *name = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
		if (n && path[n - 1] != L'\\' && name[0] != L'\\' && n + 1 < cap)
			path[n++] = L'\\';
		for (UINTN i = 0; name[i] && n + 1 < cap; i++)
			path[n++] = name[i] == L'/' ? L'\\' : name[i];
	}
	while (n && path[n - 1] != L'\\')
		n--;
	path[n] = 0;
	return path;
}

static int has_file(EFI_FILE_HANDLE root, const CHAR16 *dir, const char *name)
{
	EFI_FILE_HANDLE fh;
	CHAR16 *p = file_path(dir, name);
	EFI_STATUS st = EFI_NOT_FOUND;

	if (p) {
		st = uefi_call_wrapper(root->Open, 5, root, &fh, p, EFI_FILE_MODE_READ, 0);
		FreePool(p);
	}
	if (EFI_ERROR(st))
		return 0;
	uefi_call_wrapper(fh->Close, 1, fh);
	return 1;
}

/*
 * The volume we were loaded from. Firmware hands us its handle; GRUB's
 * chainloader may hand us the whole disk instead, so then we look for the
 * file system that holds our directory and hv.cfg.
 */
static EFI_FILE_HANDLE open_own_volume(EFI_LOADED_IMAGE *li, const CHAR16 *dir)
{
	EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
	EFI_HANDLE *handles;
	UINTN count;

	if (root)
		return root;
	if (EFI_ERROR(LibLocateHandle(ByProtocol, &FileSystemProtocol, NULL, &count, &handles)))
		return NULL;
	for (UINTN i = 0; i < count && !root; i++) {
		root = LibOpenRoot(handles[i]);
		if (root && !has_file(root, dir, "hv.cfg")) {
			uefi_call_wrapper(root->Close, 1, root);
			root = NULL;
		}
	}
	FreePool(handles);
	return root;
}

static void find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;

	for (UINTN pass = 0; pass < 2 && !bi->rsdp_len; pass++) {
		for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
			EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
			if (CompareGuid(&t->VendorGuid, pass == 0 ? &acpi20 : &acpi10))
				continue;
			const uint8_t *r = t->VendorTable;
			uint32_t len = (pass == 0 && r[15] >= 2) ? 36 : 20;
			memcpy(bi->rsdp, r, len);
			bi->rsdp_len = len;
			break;
		}
	}
}

static void find_framebuffer(void)
{
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;

	if (EFI_ERROR(LibLocateProtocol(&gop_guid, (void **)&gop)) || !gop || !gop->Mode)
		return;
	bi->fb.addr = gop->Mode->FrameBufferBase;
	bi->fb.width = gop->Mode->Info->HorizontalResolution;
	bi->fb.height = gop->Mode->Info->VerticalResolution;
	bi->fb.pitch = gop->Mode->Info->PixelsPerScanLine * 4;
	bi->fb.bpp = 32;
	bi->fb.type = 1; /* RGB */
}

/* Loads the embedded core ELF; returns its entry point or 0. */
static uint64_t load_core(void)
{
	const uint8_t *elf = hv_core_start;
	uint64_t entry, phoff;
	uint16_t phnum, phentsize;

	if ((size_t)(hv_core_end - hv_core_start) < 64 || memcmp(elf, "\177ELF", 4))
		return 0;
	memcpy(&entry, elf + 24, 8);
	memcpy(&phoff, elf + 32, 8);
	memcpy(&phentsize, elf + 54, 2);
	memcpy(&phnum, elf + 56, 2);
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = elf + phoff + (uint64_t)i * phentsize;
		uint32_t type;
		uint64_t off, vaddr, filesz, memsz;
		memcpy(&type, ph, 4);
		if (type != 1) /* PT_LOAD: the core has exactly one */
			continue;
		memcpy(&off, ph + 8, 8);
		memcpy(&vaddr, ph + 16, 8);
		memcpy(&filesz, ph + 32, 8);
		memcpy(&memsz, ph + 40, 8);
		if (vaddr != KERNEL_VBASE || off + filesz > (uint64_t)(hv_core_end - hv_core_start))
			return 0;
		EFI_PHYSICAL_ADDRESS pa;
		UINTN pages = EFI_SIZE_TO_PAGES(memsz + IMAGE_ALIGN);
		if (EFI_ERROR(alloc_low(pages, &pa)))
			return 0;
		uint64_t base = (pa + IMAGE_ALIGN - 1) & ~(uint64_t)(IMAGE_ALIGN - 1);
		memcpy((void *)(uintptr_t)base, elf + off, filesz);
		memset((void *)(uintptr_t)(base + filesz), 0, memsz - filesz);
		bi->image_pa = base;
		bi->image_size = (memsz + 4095) & ~4095ULL;
		return entry;
	}
	return 0;
}

static EFI_STATUS load_config(EFI_FILE_HANDLE root, const CHAR16 *dir)
{
	static struct hv_cfg cfg;
	EFI_PHYSICAL_ADDRESS pa;
	UINT64 size;
	CHAR16 *name = file_path(dir, "hv.cfg");

	if (!name)
		return EFI_OUT_OF_RESOURCES;
	EFI_STATUS st = read_file(root, name, 0, &pa, &size);
	FreePool(name);
	if (st == EFI_NOT_FOUND) {
		Print(L"hv.efi: no hv.cfg beside hv.efi; booting with defaults\n");
		return EFI_SUCCESS;
	}
	if (EFI_ERROR(st)) {
		fail(L"cannot read hv.cfg", st);
		return st;
	}
	int line;
	const char *err = hv_cfg_parse((const char *)(uintptr_t)pa, size, &cfg, &line);
	uefi_call_wrapper(BS->FreePages, 2, pa, EFI_SIZE_TO_PAGES(size ? size : 1));
	if (err) {
		Print(L"hv.efi: hv.cfg line %d: %a\n", line, err);
		uefi_call_wrapper(BS->Stall, 1, 5 * 1000 * 1000);
		return EFI_LOAD_ERROR;
	}
	memcpy(bi->cmdline, cfg.cmdline, sizeof(bi->cmdline));
	for (uint32_t i = 0; i < cfg.nmodules; i++) {
		CHAR16 *mp = file_path(dir, cfg.modules[i].path);
		if (!mp)
			return EFI_OUT_OF_RESOURCES;
		st = read_file(root, mp, 0, &pa, &size);
		if (EFI_ERROR(st)) {
			Print(L"hv.efi: cannot load module %s (%r)\n", mp, st);
			FreePool(mp);
			uefi_call_wrapper(BS->Stall, 1, 5 * 1000 * 1000);
			return st;
		}
		FreePool(mp);
		struct boot_module *m = &bi->modules[bi->module_count++];
		m->start = pa;
		m->end = pa + size;
		memcpy(m->cmdline, cfg.modules[i].cmdline, sizeof(m->cmdline));
	}
	return EFI_SUCCESS;
}

/* Final memory map into bi, then ExitBootServices; no allocation between. */
static EFI_STATUS exit_boot_services(void *buf, UINTN bufsize)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		UINTN size = bufsize, key, dsize;
		UINT32 dver;
		EFI_STATUS st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, buf, &key, &dsize, &dver);
		if (EFI_ERROR(st))
			return st;
		bi->mmap_count = 0;
		for (UINTN off = 0; off + sizeof(EFI_MEMORY_DESCRIPTOR) <= size; off += dsize) {
			EFI_MEMORY_DESCRIPTOR *d = (void *)((uint8_t *)buf + off);
			boot_mmap_add(bi, d->PhysicalStart, d->NumberOfPages << 12,
				      boot_mem_type_from_efi(d->Type, d->Attribute));
		}
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st))
			return st;
	}
	return EFI_ABORTED;
}

EFI_STATUS efi_main(EFI_HANDLE img, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	EFI_PHYSICAL_ADDRESS pa;
	EFI_STATUS st;

	image = img;
	InitializeLib(img, systab);
	Print(L"hv.efi: starting the hypervisor\n");

	st = uefi_call_wrapper(BS->HandleProtocol, 3, img, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st)) {
		fail(L"no loaded-image protocol", st);
		return st;
	}
	st = alloc_low(EFI_SIZE_TO_PAGES(sizeof(*bi)), &pa);
	if (EFI_ERROR(st)) {
		fail(L"out of memory", st);
		return st;
	}
	bi = (struct boot_info *)(uintptr_t)pa;
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->path = BOOT_PATH_EFI;
	bi->efi_systab = (uint64_t)(uintptr_t)systab;
	memcpy(bi->loader, "hv.efi", 7);
	keep(pa, EFI_SIZE_TO_PAGES(sizeof(*bi)) * 4096ULL);

	st = alloc_low(TABLE_POOL, &pa);
	if (EFI_ERROR(st)) {
		fail(L"out of memory", st);
		return st;
	}
	table_pool = (uint64_t *)(uintptr_t)pa;
	keep(pa, TABLE_POOL * 4096ULL);

	uint64_t entry = load_core();
	if (!entry) {
		fail(L"the embedded core is damaged or does not fit", EFI_LOAD_ERROR);
		return EFI_LOAD_ERROR;
	}

	CHAR16 *dir = image_directory(li);
	EFI_FILE_HANDLE root = dir ? open_own_volume(li, dir) : NULL;
	if (root && dir) {
		st = load_config(root, dir);
		if (EFI_ERROR(st))
			return st;
	} else {
		Print(L"hv.efi: cannot open my own directory; booting with defaults\n");
	}
	find_rsdp();
	find_framebuffer();

	/* Boot tables: identity 0-4 GiB, the core at KERNEL_VBASE, and this
	 * code and stack wherever the firmware put them. */
	uint64_t *pml4 = new_table();
	int ok = pml4 != NULL;
	for (uint64_t a = 0; ok && a < (1ULL << 32); a += IMAGE_ALIGN)
		ok = map_2m(pml4, a, a);
	for (uint64_t off = 0; ok && off < bi->image_size; off += IMAGE_ALIGN)
		ok = map_2m(pml4, KERNEL_VBASE + off, bi->image_pa + off);
	uint64_t here = (uint64_t)(uintptr_t)&efi_main, sp = (uint64_t)(uintptr_t)&pa;
	if (ok && here >= (1ULL << 32))
		ok = map_2m(pml4, here, here);
	if (ok && sp >= (1ULL << 32))
		ok = map_2m(pml4, sp, sp);
	if (!ok) {
		fail(L"boot page tables do not fit", EFI_OUT_OF_RESOURCES);
		return EFI_OUT_OF_RESOURCES;
	}

	/* A generous buffer: the map grows by a few entries while we work. */
	UINTN mapsize = 0, key, dsize;
	UINT32 dver;
	uefi_call_wrapper(BS->GetMemoryMap, 5, &mapsize, NULL, &key, &dsize, &dver);
	mapsize += 64 * sizeof(EFI_MEMORY_DESCRIPTOR) + 16 * dsize;
	void *mapbuf = AllocatePool(mapsize);
	if (!mapbuf) {
		fail(L"out of memory for the memory map", EFI_OUT_OF_RESOURCES);
		return EFI_OUT_OF_RESOURCES;
	}
	Print(L"hv.efi: core at %lx, %d module(s); exiting boot services\n", bi->image_pa,
	      bi->module_count);
	st = exit_boot_services(mapbuf, mapsize);
	if (EFI_ERROR(st)) {
		fail(L"ExitBootServices failed", st);
		return st;
	}

	__asm__ __volatile__("cli\n\t"
			     "mov %0, %%cr3\n\t"
			     "mov %1, %%rdi\n\t"
			     "jmp *%2"
			     :
			     : "r"((uint64_t)(uintptr_t)pml4), "r"((uint64_t)(uintptr_t)bi),
			       "r"(entry)
			     : "rdi", "memory");
	__builtin_unreachable();
}

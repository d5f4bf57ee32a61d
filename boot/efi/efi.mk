# SPDX-License-Identifier: GPL-2.0-only
# hv.efi: a gnu-efi application that embeds the core (build/hv.core, the
# stripped hv.elf) and boots it without GRUB.

EFI_INC  := /usr/include/efi
EFI_LIB  := /usr/lib
EFI_CFLAGS := -std=gnu11 -O2 $(WARN) -Wno-redundant-decls -Wno-cast-align \
	-Wno-strict-prototypes -fpic -fshort-wchar -ffreestanding -fno-stack-protector \
	-fno-strict-aliasing -mno-red-zone -maccumulate-outgoing-args \
	-DGNU_EFI_USE_MS_ABI -DEFI_DEBUG=0 -DEFI_DEBUG_CLEAR_MEMORY=0 -I$(EFI_INC) -I$(EFI_INC)/x86_64 -I. -MMD -MP
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -T $(EFI_LIB)/elf_x86_64_efi.lds

EFI_SRCS := boot/efi/efi_main.c boot/efi/hv_cfg.c vmm/base/string.c
EFI_OBJS := $(patsubst %.c,$(BUILD)/efi/%.o,$(EFI_SRCS)) $(BUILD)/efi/core_blob.o

$(BUILD)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $< (efi)"; $(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/hv.core: $(BUILD)/hv.elf
	$(OBJCOPY) --strip-all $< $@

$(BUILD)/efi/core_blob.o: boot/efi/core_blob.S $(BUILD)/hv.core
	@mkdir -p $(dir $@)
	$(CC) -c -DCORE_FILE='"$(BUILD)/hv.core"' $< -o $@

$(BUILD)/hv.so: $(EFI_OBJS)
	@echo "  LD  $@"; $(LD) $(EFI_LDFLAGS) $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJS) \
		-L$(EFI_LIB) -lefi -lgnuefi -o $@

$(BUILD)/hv.efi: $(BUILD)/hv.so
	$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j '.rel.*' -j '.rela.*' -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

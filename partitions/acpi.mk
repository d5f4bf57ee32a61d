# SPDX-License-Identifier: GPL-2.0-only
# The ACPI tables of Linux child partitions (partitions/acpi_tables.c): the
# DSDT is ASL (partitions/dsdt.asl), compiled here with iasl (Debian's
# acpica-tools, installed by scripts/deps.sh) and embedded with .incbin by
# partitions/dsdt_blob.S, into the hypervisor and into the unit test.
# Included from the top Makefile; expects BUILD, HV_OBJS and HV_ASFLAGS.

IASL ?= iasl
DSDT_ASL := partitions/dsdt.asl
DSDT_AML := $(BUILD)/dsdt.aml
DSDT_OBJ := $(BUILD)/obj/partitions/dsdt_blob.S.o

# -we: a warning fails the build like an error; -vs: no banner. iasl's
# report is shown only when it fails. It writes $(basename $@).aml.
$(DSDT_AML): $(DSDT_ASL) partitions/acpi.mk
	@mkdir -p $(dir $@)
	@echo "  IASL $<"; $(IASL) -vs -we -p $(basename $@) $< >$@.log 2>&1 || \
		{ cat $@.log; rm -f $@; exit 1; }

# The assembler reads the .aml through .incbin, which the compiler's
# dependency files do not record: say it here.
$(DSDT_OBJ): $(DSDT_AML)
$(DSDT_OBJ): HV_ASFLAGS += -DDSDT_FILE='"$(DSDT_AML)"'

# HV_SRCS (top Makefile) takes partitions/*.c but no partitions/*.S: link
# the blob explicitly, unless a wildcard already brought it in. The link
# recipe expands $(HV_OBJS) when it runs, so appending here is enough; the
# prerequisite list was fixed earlier, hence the extra rule.
ifeq ($(filter $(DSDT_OBJ),$(HV_OBJS)),)
HV_OBJS += $(DSDT_OBJ)
$(BUILD)/hv.elf: $(DSDT_OBJ)
endif

# The unit test (tests/unit/unit.mk lists its C sources) links the same
# blob, assembled for the host. $(BUILD)/unit is unit.mk's UNIT_DIR,
# spelled out so the include order does not matter.
$(BUILD)/unit/obj/partitions/dsdt_blob.S.o: partitions/dsdt_blob.S $(DSDT_AML)
	@mkdir -p $(dir $@)
	@echo "  HOSTAS $<"; $(HOSTCC) -c -DDSDT_FILE='"$(DSDT_AML)"' $< -o $@
$(BUILD)/unit/test_acpi_tables: $(BUILD)/unit/obj/partitions/dsdt_blob.S.o

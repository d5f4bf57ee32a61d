/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI passthrough for hvctl: what `create` does with a definition's pci
 * functions, and the functions the hypervisor holds (HV_IOC_PCI_LIST).
 * The parent's kernel is told through sysfs: $HVCTL_SYSFS, or /sys.
 */
#ifndef HVCTL_PCI_H
#define HVCTL_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_ioctl.h"

struct cfg;

/* What `create` did with one function, to undo it when the create fails. */
struct pci_take {
	uint32_t bdf;
	bool tried;       /* create got to it */
	char driver[64];  /* the parent's driver it was unbound from; "" none */
	bool held;        /* the hypervisor held it before (assignable, or
			     another child's): it stays so */
	bool assigned;    /* assigned to the child */
};

/*
 * Before the create: each of c's functions is one the parent's kernel
 * knows (when sysfs lists PCI functions at all). 0, or -1 with the
 * message ("FILE:LINE: pci: ...") in err.
 */
int pci_check_present(const struct cfg *c, const char *file, char *err, size_t errlen);

/*
 * Gives c's functions to child id, in order: each unbound from the
 * parent's driver (a line on stderr says so), then HV_IOC_PCI_ASSIGN.
 * t (c->npci entries) records what was done. Returns 0, or -1 with why
 * ("0000:00:06.0: the reason") in err.
 */
int pci_take_all(int fd, uint32_t id, const struct cfg *c, struct pci_take *t, char *err,
		 size_t errlen);

/*
 * After the failed child's destroy: the functions the create took from
 * the parent and the hypervisor holds now (assigned, or kept by a failed
 * assign) go back to it (HV_IOC_PCI_RETURN), and those that had a driver
 * are probed again; a line on stderr for each.
 */
void pci_give_back(int fd, const struct pci_take *t, unsigned n);

/* The functions the hypervisor holds into out (HV_PCI_PT_MAX entries):
 * their count, or -1 with errno. */
int pci_list(int fd, struct hv_pci_dev *out);

/* "assigned", "assignable" */
const char *pci_state_name(uint32_t state);

#endif

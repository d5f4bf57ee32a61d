// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/backend.h"
#include "vmm/cpu.h"

const struct backend_ops *backend;

const struct backend_ops *backend_probe(const char **why)
{
	if (boot_cpu.svm)
		return &svm_backend_ops;
	if (boot_cpu.vmx) {
		*why = "VT-x is not supported yet";
		return NULL;
	}
	*why = "the CPU offers neither AMD-V nor VT-x";
	return NULL;
}

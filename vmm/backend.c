// SPDX-License-Identifier: GPL-2.0-only
#include "vmm/backend.h"
#include "vmm/base/cpu.h"

const struct backend_ops *backend;

const struct backend_ops *backend_probe(const char **why)
{
	if (boot_cpu.svm)
		return &svm_backend_ops;
	if (boot_cpu.vmx)
		return &vmx_backend_ops;
	*why = "the CPU offers neither AMD-V nor VT-x";
	return NULL;
}

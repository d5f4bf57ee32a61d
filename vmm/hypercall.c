// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hypercalls: one table, indexed by the call number in RAX, whose entries
 * say which partitions may make the call. Every argument is guest input
 * and is checked; a bad call gets an error code, never more.
 */
#include "vmm/hypercall.h"
#include "vmm/backend.h"
#include "vmm/event.h"
#include "vmm/base/fmt.h"
#include "vmm/gmem.h"
#include "vmm/hyperv.h"
#include "vmm/guest_insn.h"
#include "vmm/base/log.h"
#include "vmm/base/math.h"
#include "vmm/partition.h"
#include "vmm/base/string.h"
#include "vmm/dev/testdev.h"
#include "drivers/timer.h"

#define CONSOLE_WRITE_MAX 4096

struct hc_entry {
	hc_fn fn;
	const char *name;
	u32 allowed;
};

static struct hc_result ok(s64 ret)
{
	return hc_ok(ret);
}

static struct hc_result hc_version(struct vcpu *v, const struct hc_args *a)
{
	(void)v;
	(void)a;
	return ok(HV_ABI_VERSION);
}

static struct hc_result hc_console_write(struct vcpu *v, const struct hc_args *a)
{
	static char buf[CONSOLE_WRITE_MAX]; /* per CPU would be nicer; serialized below */
	static spinlock_t lock = SPINLOCK_INIT;
	u64 gpa = a->a[0], len = a->a[1];

	if (len > CONSOLE_WRITE_MAX)
		return ok(-HV_E2BIG);
	spin_lock(&lock);
	if (gpa_read(v->part, gpa, buf, len)) {
		spin_unlock(&lock);
		return ok(-HV_EFAULT);
	}
	for (u64 i = 0; i < len; i++)
		testdev_console_putc(v->part, buf[i]);
	spin_unlock(&lock);
	return ok((s64)len);
}

static struct hc_result hc_partition_info(struct vcpu *v, const struct hc_args *a)
{
	struct partition *p = v->part;
	struct hv_partition_info info;
	u64 exits = 0;

	memset(&info, 0, sizeof(info));
	info.id = p->id;
	info.vcpus = p->nr_vcpus;
	for (u32 i = 0; i < p->nr_ram; i++)
		info.memory_bytes += p->ram[i].size;
	memcpy(info.name, p->cfg.name, sizeof(info.name));
	for (int i = 0; i < NR_EXIT_STATS; i++)
		exits += p->exit_counts[i];
	info.exits = exits;
	if (gpa_write(p, a->a[0], &info, sizeof(info)))
		return ok(-HV_EFAULT);
	return ok(0);
}

static struct hc_result hc_yield(struct vcpu *v, const struct hc_args *a)
{
	(void)v;
	(void)a;
	return (struct hc_result){ 0, EXIT_YIELD };
}

static struct hc_result hc_time_ns(struct vcpu *v, const struct hc_args *a)
{
	(void)v;
	(void)a;
	return ok((s64)(timer_uptime_us() * 1000));
}

static struct hc_result hc_exit(struct vcpu *v, const struct hc_args *a)
{
	char why[48];

	hv_snprintf(why, sizeof(why), "exited with status %lu", (unsigned long)a->a[0]);
	partition_stop(v->part, a->a[0] ? OUTCOME_FAIL : OUTCOME_EXIT, why);
	v->part->result_code = (u32)a->a[0];
	return (struct hc_result){ 0, EXIT_STOP_PARTITION };
}

static struct hc_entry hypercalls[HVC_COUNT_MAX] = {
	[HVC_VERSION] = { hc_version, "version", HC_ANY },
	[HVC_CONSOLE_WRITE] = { hc_console_write, "console_write", HC_ANY },
	[HVC_PARTITION_INFO] = { hc_partition_info, "partition_info", HC_ANY },
	[HVC_YIELD] = { hc_yield, "yield", HC_ANY },
	[HVC_TIME_NS] = { hc_time_ns, "time_ns", HC_ANY },
	[HVC_EXIT] = { hc_exit, "exit", HC_ANY },
};

void hypercall_register(u32 nr, hc_fn fn, const char *name, u32 allowed)
{
	if (nr >= ARRAY_SIZE(hypercalls) || hypercalls[nr].fn || !fn)
		panic("hypercall %#x registered twice or out of range", nr);
	hypercalls[nr] = (struct hc_entry){ fn, name, allowed };
}

enum exit_action vmm_handle_hypercall(struct vcpu *v)
{
	/* Only the guest kernel may call the hypervisor. */
	if (backend->get_reg(v, VREG_CPL) != 0) {
		vcpu_inject_ud(v);
		return EXIT_RESUME;
	}
	if (hyperv_hypercall_from_page(v)) {
		/* A call through the Hyper-V hypercall page: the Hyper-V
		 * convention, of which we implement no call (TLFS 3.7). */
		vcpu_skip_insn(v);
		v->gpr[GPR_RAX] = HV_STATUS_INVALID_HYPERCALL_CODE;
		return EXIT_RESUME;
	}
	bool long_mode = vcpu_cpu_mode(v) == X86_MODE_LONG64;
	u64 nr = v->gpr[GPR_RAX];
	struct hc_args args = { { v->gpr[GPR_RDI], v->gpr[GPR_RSI], v->gpr[GPR_RDX],
				  v->gpr[GPR_R10], v->gpr[GPR_R8], v->gpr[GPR_R9] } };
	struct hc_result res = { -HV_ENOSYS, EXIT_RESUME };
	u32 caller = v->part->is_parent ? HC_PARENT : HC_CHILD;

	/* A 32-bit caller's registers are 32 bits wide: the upper halves it
	 * cannot see (left from long mode, say) are not its arguments. */
	if (!long_mode) {
		nr = (u32)nr;
		for (u32 i = 0; i < ARRAY_SIZE(args.a); i++)
			args.a[i] = (u32)args.a[i];
	}
	vcpu_skip_insn(v);
	if (nr < ARRAY_SIZE(hypercalls)) {
		const struct hc_entry *e = &hypercalls[array_index_nospec(nr, ARRAY_SIZE(hypercalls))];
		if (e->fn && !(e->allowed & caller))
			res.ret = -HV_EPERM;
		else if (e->fn)
			res = e->fn(v, &args);
	}
	v->gpr[GPR_RAX] = (u64)res.ret;
	if (!long_mode) {
		/* 32-bit callers see EAX only: the high half goes in EDX. */
		v->gpr[GPR_RAX] = (u32)res.ret;
		v->gpr[GPR_RDX] = (u32)((u64)res.ret >> 32);
	}
	return res.action;
}

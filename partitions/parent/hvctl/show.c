// SPDX-License-Identifier: GPL-2.0-only
/* `hvctl list` and `hvctl info`: partitions as text or JSON. */
#include "cfg.h"
#include "dev.h"
#include "fmt.h"
#include "hvctl.h"
#include "json.h"
#include "pci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t exits_total(const struct hv_partition_status *st)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < HV_EXIT_REASONS; i++)
		t += st->exits[i];
	return t;
}

static bool has_uptime(const struct hv_partition_status *st)
{
	return st->state == HV_STATE_RUNNING || st->state == HV_STATE_PAUSED;
}

/* The functions the hypervisor holds, for the partitions they are
 * assigned to; none when it cannot say (an older driver or hypervisor). */
struct pci_held {
	struct hv_pci_dev d[HV_PCI_PT_MAX];
	int n;
};

static void pci_held_read(int fd, struct pci_held *p)
{
	p->n = pci_list(fd, p->d);
	if (p->n < 0)
		p->n = 0;
}

static bool pci_of(const struct pci_held *p, int i, const struct hv_partition_status *st)
{
	return p->d[i].state == HV_PCI_ASSIGNED && p->d[i].owner == st->id;
}

static void status_json(struct json *j, const struct hv_partition_status *st,
			const struct pci_held *pci)
{
	char nb[HV_NAME_MAX], buf[256];
	unsigned vcpus = st->vcpus < HV_VCPUS_MAX ? st->vcpus : HV_VCPUS_MAX;

	json_obj_begin(j);
	json_key(j, "id");
	json_u64(j, st->id);
	json_key(j, "name");
	json_str(j, hv_name(st, nb));
	json_key(j, "state");
	json_str(j, fmt_state(st->state));
	json_key(j, "parent");
	json_bool(j, st->flags & HV_STATUS_PARENT);
	json_key(j, "prelaunched");
	json_bool(j, st->flags & HV_STATUS_PRELAUNCHED);
	json_key(j, "platform");
	json_str(j, st->flags & HV_STATUS_PLATFORM_PC ? "pc" : "none");
	json_key(j, "vcpus");
	json_u64(j, st->vcpus);
	json_key(j, "memory_bytes");
	json_u64(j, st->memory_bytes);
	json_key(j, "populated_bytes");
	json_u64(j, st->populated_bytes);
	cfg_format_cpus(st->cpus, buf, sizeof(buf));
	json_key(j, "cpus");
	json_str(j, buf);
	json_key(j, "cpu_mask");
	json_u64(j, st->cpus);
	json_key(j, "weight");
	json_u64(j, st->weight);
	json_key(j, "cap");
	json_u64(j, st->cap);
	json_key(j, "on_poweroff");
	json_str(j, cfg_action_name(st->on_poweroff));
	json_key(j, "on_reboot");
	json_str(j, cfg_action_name(st->on_reboot));
	json_key(j, "on_crash");
	json_str(j, cfg_action_name(st->on_crash));
	json_key(j, "outcome");
	json_str(j, st->outcome == HV_OUTCOME_NONE ? "none" : fmt_outcome(st->outcome));
	json_key(j, "restarts");
	json_u64(j, st->restarts);
	json_key(j, "uptime_ns");
	json_u64(j, st->uptime_ns);
	json_key(j, "run_ns");
	json_u64(j, st->run_ns);
	json_key(j, "wait_ns");
	json_u64(j, st->wait_ns);
	json_key(j, "capped_ns");
	json_u64(j, st->capped_ns);
	json_key(j, "vcpu_run_ns");
	json_arr_begin(j);
	for (unsigned i = 0; i < vcpus; i++)
		json_u64(j, st->vcpu_run_ns[i]);
	json_arr_end(j);
	json_key(j, "exits_total");
	json_u64(j, exits_total(st));
	json_key(j, "exits");
	json_obj_begin(j);
	for (unsigned i = 0; i < HV_EXIT_REASONS; i++) {
		if (i >= fmt_exit_names && !st->exits[i])
			continue;
		json_key(j, fmt_exit_reason(i, buf, sizeof(buf)));
		json_u64(j, st->exits[i]);
	}
	json_obj_end(j);
	json_key(j, "stop_reason");
	json_strn(j, st->stop_reason, sizeof(st->stop_reason));
	json_key(j, "pci");
	json_arr_begin(j);
	for (int i = 0; i < pci->n; i++) {
		if (!pci_of(pci, i, st))
			continue;
		cfg_format_bdf(pci->d[i].bdf, buf, sizeof(buf));
		json_str(j, buf);
	}
	json_arr_end(j);
	json_obj_end(j);
}

int cmd_list(int argc, char **argv)
{
	static const struct opt opts[] = { { "json", 'j', false }, { NULL, 0, false } };
	struct optval v[1] = { { 0 } };
	struct hv_partition_status *st;
	int n = args_parse(argc, argv, opts, v, NULL, 0, 0, NULL);

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	int fd = hv_open();
	if (fd < 0)
		return EXIT_FAIL;
	n = hv_status_all(fd, &st);
	if (n < 0) {
		errmsg("cannot list partitions: %s", hv_strerror(errno));
		return EXIT_FAIL;
	}
	if (v[0].set) {
		struct json j;
		struct pci_held pci;
		pci_held_read(fd, &pci);
		json_init(&j, stdout, true);
		json_arr_begin(&j);
		for (int i = 0; i < n; i++)
			status_json(&j, &st[i], &pci);
		json_arr_end(&j);
		json_end(&j);
		free(st);
		return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
	}

	int wname = 4;
	char nb[HV_NAME_MAX], name[HV_NAME_MAX];
	for (int i = 0; i < n; i++) {
		int l = (int)strlen(hv_name(&st[i], nb));
		if (l > wname)
			wname = l;
	}
	printf("%3s  %-*s  %-10s  %5s  %7s  %10s  %11s\n", "ID", wname, "NAME", "STATE", "VCPUS",
	       "MEMORY", "CPU-TIME", "UPTIME");
	for (int i = 0; i < n; i++) {
		char mem[32], cpu[32], up[32];
		fmt_size(st[i].memory_bytes, mem, sizeof(mem));
		snprintf(cpu, sizeof(cpu), "%.1fs", (double)st[i].run_ns / 1e9);
		if (has_uptime(&st[i]))
			fmt_uptime(st[i].uptime_ns, up, sizeof(up));
		else
			snprintf(up, sizeof(up), "-");
		fmt_safe(st[i].name, sizeof(st[i].name), name, sizeof(name));
		printf("%3u  %-*s  %-10s  %5u  %7s  %10s  %11s\n", st[i].id, wname, name,
		       fmt_state(st[i].state), st[i].vcpus, mem, cpu, up);
	}
	free(st);
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

static void info_text(const struct hv_partition_status *st, const struct pci_held *pci)
{
	char buf[256], name[HV_NAME_MAX], a[32], b[32];
	unsigned vcpus = st->vcpus < HV_VCPUS_MAX ? st->vcpus : HV_VCPUS_MAX;

	fmt_safe(st->name, sizeof(st->name), name, sizeof(name));
	printf("id:              %u\n", st->id);
	printf("name:            %s\n", name);
	printf("state:           %s\n", fmt_state(st->state));
	printf("kind:            %s\n", st->flags & HV_STATUS_PARENT ? "parent"
	       : st->flags & HV_STATUS_PRELAUNCHED ? "child (pre-launched at boot)" : "child");
	printf("platform:        %s\n", st->flags & HV_STATUS_PLATFORM_PC ? "pc" : "none");
	for (int i = 0; i < pci->n; i++) {
		if (!pci_of(pci, i, st))
			continue;
		cfg_format_bdf(pci->d[i].bdf, buf, sizeof(buf));
		printf("pci:             %s (%04x:%04x)\n", buf, pci->d[i].vendor, pci->d[i].device);
	}
	printf("vcpus:           %u\n", st->vcpus);
	fmt_mib(st->memory_bytes, a, sizeof(a));
	fmt_mib(st->populated_bytes, b, sizeof(b));
	printf("memory:          %s (%s populated)\n", a, b);
	cfg_format_cpus(st->cpus, buf, sizeof(buf));
	printf("cpus:            %s\n", buf);
	printf("weight:          %u\n", st->weight);
	if (st->cap)
		printf("cap:             %u%%\n", st->cap);
	else
		printf("cap:             none\n");
	printf("on_poweroff:     %s\n", cfg_action_name(st->on_poweroff));
	printf("on_reboot:       %s\n", cfg_action_name(st->on_reboot));
	printf("on_crash:        %s\n", cfg_action_name(st->on_crash));
	printf("last outcome:    %s\n", st->outcome == HV_OUTCOME_NONE ? "none"
	       : fmt_outcome(st->outcome));
	fmt_safe(st->stop_reason, sizeof(st->stop_reason), buf, sizeof(buf));
	printf("stop reason:     %s\n", buf[0] ? buf : "-");
	printf("restarts:        %u\n", st->restarts);
	fmt_uptime(st->uptime_ns, buf, sizeof(buf));
	printf("uptime:          %s\n", has_uptime(st) ? buf : "-");
	fmt_secs(st->run_ns, buf, sizeof(buf));
	printf("cpu time:        %s s\n", buf);
	fmt_secs(st->wait_ns, buf, sizeof(buf));
	printf("waiting for cpu: %s s\n", buf);
	fmt_secs(st->capped_ns, buf, sizeof(buf));
	printf("held by cap:     %s s\n", buf);
	for (unsigned i = 0; i < vcpus; i++) {
		fmt_secs(st->vcpu_run_ns[i], buf, sizeof(buf));
		printf("vcpu %-2u time:    %s s\n", i, buf);
	}
	printf("exits:           %llu\n", (unsigned long long)exits_total(st));
	for (unsigned i = 0; i < HV_EXIT_REASONS; i++) {
		if (i >= fmt_exit_names && !st->exits[i])
			continue;
		printf("  %-14s %llu\n", fmt_exit_reason(i, buf, sizeof(buf)),
		       (unsigned long long)st->exits[i]);
	}
}

int cmd_info(int argc, char **argv)
{
	static const struct opt opts[] = { { "json", 'j', false }, { NULL, 0, false } };
	struct optval v[1] = { { 0 } };
	const char *pos[1];
	struct hv_partition_status st;
	int n = args_parse(argc, argv, opts, v, pos, 1, 1, "NAME");

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	int fd = hv_open();
	if (fd < 0 || hv_find(fd, pos[0], &st))
		return EXIT_FAIL;
	struct pci_held pci;
	pci_held_read(fd, &pci);
	if (v[0].set) {
		struct json j;
		json_init(&j, stdout, true);
		status_json(&j, &st, &pci);
		json_end(&j);
	} else {
		info_text(&st, &pci);
	}
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

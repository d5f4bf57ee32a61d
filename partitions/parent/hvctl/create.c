// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvctl create FILE`: the domain builder. Everything that can be checked
 * without the hypervisor is checked first (the definition, the images,
 * where they go, the PCI functions); then HV_IOC_CREATE, HV_IOC_POPULATE,
 * the writes and vCPU 0 (build_load), the virtio devices, the PCI
 * functions (each taken from the parent's driver and assigned), the
 * backend, the monitor, HV_IOC_START. A failure after the create destroys
 * the half-built child, gives the PCI functions back to the parent, and
 * says what failed.
 */
#include "cfg.h"
#include "dev.h"
#include "fmt.h"
#include "hvctl.h"
#include "backend.h"
#include "image.h"
#include "load.h"
#include "pci.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFINITION_MAX (1u << 20)

int build_load(int fd, uint32_t id, const struct load_plan *plan, const char **what)
{
	for (unsigned i = 0; i < plan->nw; i++) {
		const struct load_write *w = &plan->w[i];
		struct hv_ioc_write req = {
			.id = id,
			.gpa = w->gpa,
			.uaddr = (uintptr_t)w->data,
			.len = w->len,
		};
		if (hv_ioctl(fd, HV_IOC_WRITE, &req)) {
			*what = w->what;
			return -1;
		}
	}
	struct hv_ioc_vcpu v = { .id = id, .vcpu = 0, .state = plan->vcpu0 };
	if (hv_ioctl(fd, HV_IOC_VCPU_SET, &v)) {
		*what = "setting vCPU 0";
		return -1;
	}
	return 0;
}

/* Destroys a half-built child; the hypervisor may split the work. */
static void destroy_quietly(int fd, uint32_t id)
{
	for (int tries = 0; tries < 100; tries++) {
		hv_u32 arg = id;
		if (!hv_ioctl(fd, HV_IOC_DESTROY, &arg) || errno == ENOENT)
			return;
		if (errno != EAGAIN && errno != EBUSY && errno != EINTR)
			return;
		sleep_ns(100000000ull);
	}
}

static void print_plan(const struct cfg *c, const struct image *img)
{
	const struct load_plan *p = &img->plan;
	const struct hv_vcpu_state *s = &p->vcpu0;
	char cpus[256];
	static const char *const modes[] = { "real", "protected", "long" };

	cfg_format_cpus(c->cpus, cpus, sizeof(cpus));
	printf("name:      %s\n", c->name);
	printf("image:     %s (%s", c->kernel, load_kind_name(p->kind));
	if (p->kind == LOAD_LINUX)
		printf(", boot protocol %u.%02u", p->protocol >> 8, p->protocol & 0xff);
	printf(")\n");
	if (c->ramdisk[0])
		printf("ramdisk:   %s\n", c->ramdisk);
	if (c->has_cmdline)
		printf("cmdline:   %s\n", c->cmdline);
	printf("memory:    %llu MiB\n", (unsigned long long)c->memory_mib);
	printf("vcpus:     %u on CPUs %s\n", c->vcpus, cpus);
	printf("platform:  %s\n", img->pc ? "pc" : "none");
	for (unsigned i = 0; i < c->npci; i++) {
		char b[CFG_BDF_LEN];
		cfg_format_bdf(c->pci[i], b, sizeof(b));
		printf("pci:       %s at the child's 00:%02x.0\n", b, HV_PCI_PT_SLOT + i);
	}
	printf("actions:   on_poweroff=%s on_reboot=%s on_crash=%s\n",
	       cfg_action_name(c->on_poweroff), cfg_action_name(c->on_reboot),
	       cfg_action_name(c->on_crash));
	printf("writes:\n");
	for (unsigned i = 0; i < p->nw; i++)
		printf("  0x%010llx-0x%010llx %10llu bytes  %s\n",
		       (unsigned long long)p->w[i].gpa,
		       (unsigned long long)(p->w[i].gpa + p->w[i].len),
		       (unsigned long long)p->w[i].len, p->w[i].what);
	printf("vcpu 0:    %s mode, rip 0x%llx", s->mode < 3 ? modes[s->mode] : "?",
	       (unsigned long long)s->rip);
	if (s->mode == HV_MODE_LONG)
		printf(", cr3 0x%llx", (unsigned long long)s->cr3);
	printf(", rsi 0x%llx, rdi 0x%llx, rsp 0x%llx%s\n", (unsigned long long)s->gpr[6],
	       (unsigned long long)s->gpr[7], (unsigned long long)s->gpr[4],
	       s->flags & HV_VCPU_RUNNABLE ? ", runnable" : "");
}

static bool wants_monitor(const struct cfg *c)
{
	return c->on_poweroff == HV_ACTION_RESTART || c->on_reboot == HV_ACTION_RESTART ||
	       c->on_crash == HV_ACTION_RESTART;
}

/* HV_IOC_CREATE's failures, said for this definition. */
static void create_failed(int fd, const char *file, const struct cfg *c, int e)
{
	struct hv_partition_status st;
	char pool[96];

	switch (e) {
	case EEXIST:
		if (!hv_find_quiet(fd, c->name, &st))
			errmsg("a partition named '%s' already exists (id %u): destroy it or change "
			       "the name in %s", c->name, st.id, file);
		else
			errmsg("a partition named '%s' already exists: destroy it or change the "
			       "name in %s", c->name, file);
		break;
	case ENOMEM:
		hv_pool_summary(fd, pool, sizeof(pool));
		errmsg("not enough memory for '%s' (%llu MiB): the pool has %s", c->name,
		       (unsigned long long)c->memory_mib, pool);
		break;
	case ENOSPC:
		errmsg("cannot create '%s': no room for another partition (at most %u)", c->name,
		       HV_PARTITIONS_MAX);
		break;
	case EINVAL: {
		/* The one check the file cannot make: CPUs that are online. */
		struct hv_pool_info p;
		memset(&p, 0, sizeof(p));
		if (c->cpus && !hv_ioctl(fd, HV_IOC_POOL, &p) && p.cpus < 64 &&
		    !(c->cpus & ((1ull << p.cpus) - 1))) {
			char list[256];
			cfg_format_cpus(c->cpus, list, sizeof(list));
			errmsg("%s:%d: cpus: \"%s\" names no online CPU (%u are online)", file,
			       c->line[CFG_LINE_CPUS], list, p.cpus);
			break;
		}
		errmsg("cannot create '%s': the hypervisor refused its settings (%s)", c->name,
		       hv_strerror(e));
		break;
	}
	default:
		errmsg("cannot create '%s': %s", c->name, hv_strerror(e));
		break;
	}
}

/* Reads and parses a definition file; NULL after saying why. */
static struct cfg *load_definition(const char *file)
{
	char err[CFG_ERR_MAX + CFG_PATH_MAX];
	uint8_t *text;
	size_t len;

	if (read_whole_file(file, DEFINITION_MAX, &text, &len)) {
		errmsg("cannot read %s: %s", file, errno == EFBIG ? "larger than 1 MiB"
			: errno == EINVAL ? "not a regular file" : strerror(errno));
		return NULL;
	}
	char *dcopy = strdup(file);
	struct cfg *c = calloc(1, sizeof(*c));
	if (!dcopy || !c) {
		errmsg("out of memory");
		free(text);
		free(dcopy);
		free(c);
		return NULL;
	}
	int r = cfg_parse((const char *)text, len, file, dirname(dcopy), c, err, sizeof(err));
	free(text);
	free(dcopy);
	if (r) {
		errmsg("%s", err);
		free(c);
		return NULL;
	}
	return c;
}

int cmd_create(int argc, char **argv)
{
	static const struct opt opts[] = {
		{ "console", 'c', false },
		{ "dry-run", 'n', false },
		{ "escape", 'e', true },
		{ NULL, 0, false },
	};
	struct optval v[3] = { { 0 } };
	const char *pos[1];
	char err[CFG_ERR_MAX + CFG_PATH_MAX];
	int n = args_parse(argc, argv, opts, v, pos, 1, 1, "FILE");

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	const char *file = pos[0];
	struct console_opts co = { .escape = 0x1d, .linger = 1.0 };
	if (v[2].set && console_escape_parse("create", v[2].arg, &co.escape))
		return EXIT_USAGE;

	struct cfg *c = load_definition(file);
	if (!c)
		return EXIT_FAIL;

	/* The images and where they go. */
	struct image img;
	if (image_prepare(file, c, -1, &img, err, sizeof(err))) {
		errmsg("%s", err);
		return EXIT_FAIL;
	}
	/* Its PCI functions: ones the parent has. */
	if (!img.pc && c->npci) {
		errmsg("%s:%d: pci: PCI functions need the PC platform (platform = \"pc\")", file,
		       c->line[CFG_LINE_PCI]);
		image_release(&img);
		return EXIT_FAIL;
	}
	if (pci_check_present(c, file, err, sizeof(err))) {
		errmsg("%s", err);
		image_release(&img);
		return EXIT_FAIL;
	}
	if (v[1].set) {
		print_plan(c, &img);
		image_release(&img);
		return EXIT_OK;
	}

	/* Its devices: disks opened now, so a wrong path is this command's
	 * error and not a child without its disk. */
	struct vdev devs[HV_DEVICES_MAX];
	int ndev = 0;
	if (img.pc && (ndev = backend_devices(c, devs, HV_DEVICES_MAX, err, sizeof(err))) < 0) {
		errmsg("%s: %s", file, err);
		image_release(&img);
		return EXIT_FAIL;
	}
	if (!img.pc && c->ndisks) {
		errmsg("%s: disks need the PC platform (platform = \"pc\")", file);
		image_release(&img);
		return EXIT_FAIL;
	}

	/* The hypervisor. */
	int fd = hv_open();
	if (fd < 0)
		return EXIT_FAIL;
	struct hv_ioc_create req;
	memset(&req, 0, sizeof(req));
	cfg_to_create(c, img.pc, &req.create);
	if (hv_ioctl(fd, HV_IOC_CREATE, &req)) {
		create_failed(fd, file, c, errno);
		return EXIT_FAIL;
	}
	uint32_t id = req.id;
	const char *step = NULL, *what = NULL;
	char stepbuf[64], pcierr[CFG_ERR_MAX];
	struct pci_take takes[CFG_PCI_MAX];
	int e = 0;
	memset(takes, 0, sizeof(takes));
	hv_u32 arg = id;
	if (hv_ioctl(fd, HV_IOC_POPULATE, &arg)) {
		e = errno;
		step = "populating its memory";
	} else if (build_load(fd, id, &img.plan, &what)) {
		e = errno;
		bool vcpu = !strcmp(what, "setting vCPU 0");
		snprintf(stepbuf, sizeof(stepbuf), "%s%s", vcpu ? "" : "writing its ", what);
		step = stepbuf;
	} else if (ndev && backend_add(fd, id, devs, (unsigned)ndev)) {
		e = errno;
		step = "adding its devices";
	} else if (c->npci && pci_take_all(fd, id, c, takes, pcierr, sizeof(pcierr))) {
		e = errno;
		step = pcierr;
	} else if (ndev && backend_spawn(id, c->name, devs, (unsigned)ndev)) {
		e = errno == ECHILD ? 0 : errno;
		step = "starting its device backend";
	} else if (wants_monitor(c) && monitor_spawn(id, c->name, file, c, img.pc)) {
		e = errno == ECHILD ? 0 : errno;
		step = "starting its monitor (which restarts it)";
	} else if (arg = id, hv_ioctl(fd, HV_IOC_START, &arg)) {
		e = errno;
		step = "starting it";
	}
	image_release(&img);
	if (step) {
		destroy_quietly(fd, id);
		if (c->npci)
			pci_give_back(fd, takes, c->npci);
		if (step == pcierr) {
			errmsg("cannot create '%s': %s (the partition was destroyed)", c->name, step);
		} else if (e == ENOMEM && !strcmp(step, "populating its memory")) {
			char pool[96];
			hv_pool_summary(fd, pool, sizeof(pool));
			errmsg("not enough memory for '%s' (%llu MiB): the pool has %s", c->name,
			       (unsigned long long)c->memory_mib, pool);
		} else {
			errmsg("cannot create '%s': %s failed%s%s (the partition was destroyed)",
			       c->name, step, e ? ": " : "", e ? hv_strerror(e) : "");
		}
		return EXIT_FAIL;
	}
	if (!v[0].set) {
		printf("%s: created (id %u)\n", c->name, id);
		return EXIT_OK;
	}
	fflush(stdout);
	return console_attach(fd, id, c->name, &co);
}

int cmd_backend(int argc, char **argv)
{
	static const struct opt opts[] = { { NULL, 0, false } };
	const char *pos[1];
	char err[CFG_ERR_MAX + CFG_PATH_MAX];
	int n = args_parse(argc, argv, opts, NULL, pos, 1, 1, "FILE");

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	struct cfg *c = load_definition(pos[0]);
	if (!c)
		return EXIT_FAIL;
	struct vdev devs[HV_DEVICES_MAX];
	int ndev = backend_devices(c, devs, HV_DEVICES_MAX, err, sizeof(err));
	if (ndev < 0) {
		errmsg("%s: %s", pos[0], err);
		return EXIT_FAIL;
	}
	int fd = hv_open();
	struct hv_partition_status st;
	if (fd < 0 || hv_find(fd, c->name, &st))
		return EXIT_FAIL;
	/* The child's devices must be the ones the file describes. */
	for (int i = 0; i < ndev; i++) {
		struct hv_ioc_device_query q;
		memset(&q, 0, sizeof(q));
		q.id = st.id;
		q.device = (uint32_t)i;
		if (hv_ioctl(fd, HV_IOC_DEVICE_QUERY, &q) || q.state.type != devs[i].type) {
			errmsg("'%s' does not have the devices %s describes (device %d)", c->name,
			       pos[0], i);
			return EXIT_FAIL;
		}
		devs[i].index = (unsigned)i;
		devs[i].nq = q.state.queues;
	}
	if (!ndev) {
		errmsg("%s gives '%s' no devices: there is nothing to serve", pos[0], c->name);
		return EXIT_FAIL;
	}
	if (backend_spawn(st.id, c->name, devs, (unsigned)ndev)) {
		if (errno == EBUSY)
			errmsg("'%s' has a backend already", c->name);
		else
			errmsg("cannot start the backend of '%s': %s", c->name, hv_strerror(errno));
		return EXIT_FAIL;
	}
	printf("%s: backend started\n", c->name);
	return EXIT_OK;
}

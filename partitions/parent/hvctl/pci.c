// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI passthrough (pci.h): the functions `hvctl create` gives a child,
 * `hvctl pci-list` and `hvctl pci-return`. A function goes from the
 * parent's driver (unbound through sysfs) to the hypervisor, which
 * assigns it to the child; when the child is destroyed the hypervisor
 * resets it and holds it ("assignable", its DMA blocked) until
 * pci-return gives it back and the parent's kernel probes it again
 * (drivers_probe). The hypervisor decides what may be passed through;
 * hvctl only says why it refused.
 */
#include "pci.h"
#include "cfg.h"
#include "dev.h"
#include "hvctl.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DRIVER_NAME_MAX 64

static const char *sysfs_root(void)
{
	const char *p = getenv("HVCTL_SYSFS");

	return p && *p ? p : "/sys";
}

/* The sysfs path of function bdf's file `what` ("" for its directory). */
static void fn_path(char *buf, size_t len, uint32_t bdf, const char *what)
{
	char b[CFG_BDF_LEN];

	cfg_format_bdf(bdf, b, sizeof(b));
	snprintf(buf, len, "%s/bus/pci/devices/%s%s%s", sysfs_root(), b, *what ? "/" : "", what);
}

/* The parent's driver bound to bdf, into name: 1; 0 when none; -1 with
 * errno. */
static int fn_driver(uint32_t bdf, char *name, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];

	fn_path(path, sizeof(path), bdf, "driver");
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : -1;
	link[n] = 0;
	const char *base = strrchr(link, '/');
	base = base ? base + 1 : link;
	if (strlen(base) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, base, strlen(base) + 1);
	return 1;
}

/* Writes text to a sysfs file (the kernel acts on the write): 0 or -1
 * with errno. */
static int sysfs_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	int e = w < 0 ? errno : EIO;
	close(fd);
	if (w != (ssize_t)n) {
		errno = e;
		return -1;
	}
	return 0;
}

/* Asks the parent's kernel to probe bdf: 1 with the driver that took it
 * in drv, 0 when none did, -1 with errno when the kernel was not asked. */
static int fn_probe(uint32_t bdf, char *drv, size_t len)
{
	char path[PATH_MAX], b[CFG_BDF_LEN];

	cfg_format_bdf(bdf, b, sizeof(b));
	snprintf(path, sizeof(path), "%s/bus/pci/drivers_probe", sysfs_root());
	if (sysfs_write(path, b))
		return -1;
	int r = fn_driver(bdf, drv, len);
	return r < 0 ? 0 : r;
}

int pci_list(int fd, struct hv_pci_dev *out)
{
	struct hv_ioc_pci_list l;

	memset(&l, 0, sizeof(l));
	if (hv_ioctl(fd, HV_IOC_PCI_LIST, &l))
		return -1;
	unsigned n = l.count < HV_PCI_PT_MAX ? l.count : HV_PCI_PT_MAX;
	memcpy(out, l.dev, n * sizeof(*out));
	return (int)n;
}

const char *pci_state_name(uint32_t state)
{
	switch (state) {
	case HV_PCI_ASSIGNED: return "assigned";
	case HV_PCI_ASSIGNABLE: return "assignable";
	default: return "unknown";
	}
}

/* A child's name for messages and tables; "id N" when it has none now. */
static const char *owner_name(int fd, uint32_t id, char buf[HV_NAME_MAX])
{
	struct hv_partition_status st;

	if (!hv_status(fd, id, &st))
		return hv_name(&st, buf);
	snprintf(buf, HV_NAME_MAX, "id %u", id);
	return buf;
}

/* The held function bdf among the hypervisor's: its entry, or NULL. */
static const struct hv_pci_dev *held(const struct hv_pci_dev *d, int n, uint32_t bdf)
{
	for (int i = 0; i < n; i++)
		if (d[i].bdf == bdf)
			return &d[i];
	return NULL;
}

int pci_check_present(const struct cfg *c, const char *file, char *err, size_t errlen)
{
	char path[PATH_MAX], b[CFG_BDF_LEN];

	snprintf(path, sizeof(path), "%s/bus/pci/devices", sysfs_root());
	if (!c->npci || access(path, F_OK))
		return 0; /* no sysfs to ask: the hypervisor answers */
	for (unsigned i = 0; i < c->npci; i++) {
		fn_path(path, sizeof(path), c->pci[i], "");
		if (!access(path, F_OK))
			continue;
		cfg_format_bdf(c->pci[i], b, sizeof(b));
		snprintf(err, errlen, "%s:%d: pci: %s: the parent has no such PCI function (see "
			 "%s/bus/pci/devices)", file, c->line[CFG_LINE_PCI], b, sysfs_root());
		return -1;
	}
	return 0;
}

/* Why HV_IOC_PCI_ASSIGN of bdf failed with e: "0000:00:06.0: why". */
static void assign_reason(int fd, uint32_t bdf, int e, char *buf, size_t len)
{
	char b[CFG_BDF_LEN], why[160], name[HV_NAME_MAX], drv[DRIVER_NAME_MAX];
	struct hv_pci_dev d[HV_PCI_PT_MAX];
	const struct hv_pci_dev *h;
	int n;

	cfg_format_bdf(bdf, b, sizeof(b));
	switch (e) {
	case EPERM:
		snprintf(why, sizeof(why), "the hypervisor has no IOMMU with interrupt remapping: "
			 "passthrough refused");
		break;
	case EINVAL:
		snprintf(why, sizeof(why), "cannot be passed through (a bridge, the IOMMU's own, no "
			 "MSI/MSI-X, or BARs that do not fit)");
		break;
	case ENOENT:
		snprintf(why, sizeof(why), "no such PCI function");
		break;
	case ENOSPC:
		snprintf(why, sizeof(why), "the hypervisor holds %d functions already, as many as it "
			 "can (see 'hvctl pci-list')", HV_PCI_PT_MAX);
		break;
	case ENOSYS:
		snprintf(why, sizeof(why), "the hypervisor does not implement PCI passthrough");
		break;
	case EBUSY:
		n = pci_list(fd, d);
		h = n > 0 ? held(d, n, bdf) : NULL;
		if (h && h->state == HV_PCI_ASSIGNED)
			snprintf(why, sizeof(why), "already assigned to '%s'",
				 owner_name(fd, h->owner, name));
		else if (fn_driver(bdf, drv, sizeof(drv)) > 0)
			snprintf(why, sizeof(why), "the parent's driver %s is bound to it again", drv);
		else
			snprintf(why, sizeof(why), "already assigned");
		break;
	default:
		snprintf(why, sizeof(why), "%s", hv_strerror(e));
		break;
	}
	snprintf(buf, len, "%s: %s", b, why);
}

int pci_take_all(int fd, uint32_t id, const struct cfg *c, struct pci_take *t, char *err,
		 size_t errlen)
{
	struct hv_pci_dev d[HV_PCI_PT_MAX];
	int nd = pci_list(fd, d);
	char b[CFG_BDF_LEN];

	memset(t, 0, c->npci * sizeof(*t));
	for (unsigned i = 0; i < c->npci; i++) {
		const struct hv_pci_dev *h = nd > 0 ? held(d, nd, c->pci[i]) : NULL;
		char drv[DRIVER_NAME_MAX];

		t[i].bdf = c->pci[i];
		t[i].tried = true;
		t[i].held = h != NULL;
		cfg_format_bdf(c->pci[i], b, sizeof(b));
		int r = fn_driver(c->pci[i], drv, sizeof(drv));
		if (r < 0) {
			snprintf(err, errlen, "%s: cannot tell whether a driver has it: %s", b,
				 strerror(errno));
			return -1;
		}
		if (r > 0) {
			char path[PATH_MAX];
			fn_path(path, sizeof(path), c->pci[i], "driver/unbind");
			if (sysfs_write(path, b)) {
				snprintf(err, errlen, "%s: cannot unbind it from %s: %s", b, drv,
					 strerror(errno));
				return -1;
			}
			snprintf(t[i].driver, sizeof(t[i].driver), "%s", drv);
			errmsg("%s: unbound from %s", b, drv);
		}
		struct hv_ioc_pci_assign a = { .id = id, .bdf = c->pci[i] };
		if (hv_ioctl(fd, HV_IOC_PCI_ASSIGN, &a)) {
			int e = errno;
			assign_reason(fd, c->pci[i], e, err, errlen);
			errno = e;
			return -1;
		}
		t[i].assigned = true;
	}
	return 0;
}

void pci_give_back(int fd, const struct pci_take *t, unsigned n)
{
	char b[CFG_BDF_LEN], drv[DRIVER_NAME_MAX];
	struct hv_pci_dev d[HV_PCI_PT_MAX];
	int nd = pci_list(fd, d);

	for (unsigned i = n; i-- > 0;) {
		if (!t[i].tried)
			continue;
		/* Without the list, what this create knows it did. */
		bool back = !t[i].held && (nd < 0 ? t[i].assigned : held(d, nd, t[i].bdf) != NULL);
		cfg_format_bdf(t[i].bdf, b, sizeof(b));
		if (back) {
			hv_u32 arg = t[i].bdf;
			if (hv_ioctl(fd, HV_IOC_PCI_RETURN, &arg)) {
				errmsg("%s: cannot give it back to the parent: %s ('hvctl pci-return "
				       "%s' tries again)", b, hv_strerror(errno), b);
				continue;
			}
		}
		if (!t[i].driver[0]) {
			if (back)
				errmsg("%s: given back to the parent", b);
			continue;
		}
		int r = fn_probe(t[i].bdf, drv, sizeof(drv));
		if (r < 0)
			errmsg("%s: cannot have the parent's kernel probe it again: %s", b,
			       strerror(errno));
		else if (r)
			errmsg("%s: bound to %s again", b, drv);
		else
			errmsg("%s: no driver took it again (it had %s)", b, t[i].driver);
	}
}

/* ---- the commands ------------------------------------------------------- */

int cmd_pci_list(int argc, char **argv)
{
	static const struct opt opts[] = { { "json", 'j', false }, { NULL, 0, false } };
	struct optval v[1] = { { 0 } };
	struct hv_pci_dev d[HV_PCI_PT_MAX];
	char names[HV_PCI_PT_MAX][HV_NAME_MAX], b[CFG_BDF_LEN];
	int n = args_parse(argc, argv, opts, v, NULL, 0, 0, NULL);

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	int fd = hv_open();
	if (fd < 0)
		return EXIT_FAIL;
	n = pci_list(fd, d);
	if (n < 0) {
		errmsg("cannot list the PCI functions the hypervisor holds: %s", hv_strerror(errno));
		return EXIT_FAIL;
	}
	int wname = 5;
	for (int i = 0; i < n; i++) {
		if (d[i].state == HV_PCI_ASSIGNED)
			owner_name(fd, d[i].owner, names[i]);
		else
			names[i][0] = 0;
		int l = (int)strlen(names[i]);
		if (l > wname)
			wname = l;
	}
	if (v[0].set) {
		struct json j;
		char id[8];
		json_init(&j, stdout, true);
		json_arr_begin(&j);
		for (int i = 0; i < n; i++) {
			json_obj_begin(&j);
			cfg_format_bdf(d[i].bdf, b, sizeof(b));
			json_key(&j, "bdf");
			json_str(&j, b);
			snprintf(id, sizeof(id), "%04x", d[i].vendor);
			json_key(&j, "vendor");
			json_str(&j, id);
			snprintf(id, sizeof(id), "%04x", d[i].device);
			json_key(&j, "device");
			json_str(&j, id);
			json_key(&j, "state");
			json_str(&j, pci_state_name(d[i].state));
			json_key(&j, "owner_id");
			json_u64(&j, d[i].state == HV_PCI_ASSIGNED ? d[i].owner : 0);
			json_key(&j, "owner");
			json_str(&j, names[i]);
			json_key(&j, "resets");
			json_u64(&j, d[i].resets);
			json_key(&j, "mapped_kib");
			json_u64(&j, d[i].mapped_kib);
			json_key(&j, "forwarded");
			json_u64(&j, d[i].forwarded);
			json_key(&j, "msix_traps");
			json_u64(&j, d[i].msix_traps);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_end(&j);
		return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
	}
	printf("%-12s  %-9s  %-10s  %-*s  %6s  %10s  %10s\n", "BDF", "ID", "STATE", wname, "OWNER",
	       "RESETS", "MAPPED", "FORWARDED");
	for (int i = 0; i < n; i++) {
		char kib[16];
		cfg_format_bdf(d[i].bdf, b, sizeof(b));
		snprintf(kib, sizeof(kib), "%uK", d[i].mapped_kib);
		printf("%-12s  %04x:%04x  %-10s  %-*s  %6u  %10s  %10u\n", b, d[i].vendor,
		       d[i].device, pci_state_name(d[i].state), wname, names[i][0] ? names[i] : "-",
		       d[i].resets, kib, d[i].forwarded);
	}
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

int cmd_pci_return(int argc, char **argv)
{
	static const struct opt opts[] = { { NULL, 0, false } };
	const char *pos[1];
	char err[CFG_ERR_MAX], b[CFG_BDF_LEN], drv[DRIVER_NAME_MAX], name[HV_NAME_MAX];
	uint32_t bdf;
	int n = args_parse(argc, argv, opts, NULL, pos, 1, 1, "BDF");

	if (n < 0)
		return n == -2 ? EXIT_OK : EXIT_USAGE;
	if (cfg_parse_bdf(pos[0], &bdf, err, sizeof(err)))
		return usage_err(argv[0], "%s", err);
	cfg_format_bdf(bdf, b, sizeof(b));
	int fd = hv_open();
	if (fd < 0)
		return EXIT_FAIL;
	hv_u32 arg = bdf;
	if (hv_ioctl(fd, HV_IOC_PCI_RETURN, &arg)) {
		int e = errno;
		struct hv_pci_dev d[HV_PCI_PT_MAX];
		int nd = pci_list(fd, d);
		const struct hv_pci_dev *h = nd > 0 ? held(d, nd, bdf) : NULL;
		if (e == EBUSY && h && h->state == HV_PCI_ASSIGNED)
			errmsg("cannot return %s: it is assigned to '%s' (destroy that first)", b,
			       owner_name(fd, h->owner, name));
		else if (e == ENOENT)
			errmsg("cannot return %s: the hypervisor does not hold it (see 'hvctl "
			       "pci-list')", b);
		else if (e == ENOSYS)
			errmsg("cannot return %s: the hypervisor does not implement PCI passthrough", b);
		else
			errmsg("cannot return %s: %s", b, hv_strerror(e));
		return EXIT_FAIL;
	}
	int r = fn_probe(bdf, drv, sizeof(drv));
	if (r < 0) {
		printf("%s: returned to the parent\n", b);
		errmsg("%s: cannot have the parent's kernel probe it: %s (write %s to %s/bus/pci/"
		       "drivers_probe)", b, strerror(errno), b, sysfs_root());
	} else if (r) {
		printf("%s: returned to the parent, bound to %s\n", b, drv);
	} else {
		printf("%s: returned to the parent; no driver took it\n", b);
	}
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0-only
/* /dev/hv for hvctl (dev.h). */
#include "dev.h"
#include "fmt.h"
#include "hvctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *hv_device_path(void)
{
	const char *p = getenv("HVCTL_DEVICE");

	return p && *p ? p : HV_DEVICE;
}

#define LOAD_HINT "load it with modprobe hv, or insmod /lib/modules/hv.ko"

int hv_open_flags(int flags)
{
	const char *path = hv_device_path();
	struct stat sb;
	/* O_NONBLOCK for the open itself: whatever sits at the path, the
	 * open never waits (a FIFO, a stale node). */
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			errmsg("%s does not exist: the hv driver is not loaded (%s)", path, LOAD_HINT);
		else if (e == ENODEV || e == ENXIO)
			errmsg("%s has no driver behind it: the hv driver is not loaded (%s)", path,
			       LOAD_HINT);
		else if (e == EACCES || e == EPERM)
			errmsg("%s: permission denied (hvctl needs root)", path);
		else
			errmsg("cannot open %s: %s", path, strerror(e));
		return -1;
	}
	if (fstat(fd, &sb) || !S_ISCHR(sb.st_mode)) {
		errmsg("%s is not a character device: the hv driver is not loaded (%s)", path,
		       LOAD_HINT);
		close(fd);
		return -1;
	}
	if (!(flags & O_NONBLOCK)) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	hv_u32 version = 0;
	if (hv_ioctl(fd, HV_IOC_VERSION, &version)) {
		int e = errno;
		if (e == ENODEV)
			errmsg("no hypervisor answered on %s: is this Linux the parent partition "
			       "of hv?", path);
		else if (e == ENOTTY || e == EINVAL)
			errmsg("%s is not the hv driver (it does not know HV_IOC_VERSION)", path);
		else if (e == EACCES || e == EPERM)
			errmsg("%s: permission denied (hvctl needs root)", path);
		else
			errmsg("%s: cannot read the hypervisor's ABI version: %s", path,
			       hv_strerror(e));
		close(fd);
		return -1;
	}
	if (version != HV_ABI_VERSION) {
		errmsg("the hypervisor speaks ABI version %u and this hvctl version %u: use the "
		       "hvctl built with this hypervisor", version, HV_ABI_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

int hv_open(void)
{
	return hv_open_flags(0);
}

int hv_ioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR && !stop_requested);
	return r;
}

const char *hv_strerror(int e)
{
	switch (e) {
	case EPERM: return "not permitted";
	case ENOENT: return "no such partition";
	case E2BIG: return "request too large";
	case EAGAIN: return "the hypervisor is busy, try again";
	case ENOMEM: return "not enough memory in the hypervisor's pool";
	case EFAULT: return "bad address (a driver bug)";
	case EBUSY: return "busy";
	case EEXIST: return "the name is taken";
	case EINVAL: return "invalid request";
	case ENOSPC: return "no room for another partition";
	case ENOSYS: return "the hypervisor does not implement this call";
	case ENODEV: return "no hypervisor answered";
	case ENOTTY: return "the driver does not know this request (driver and hvctl differ)";
	case EINTR: return "interrupted";
	default: return strerror(e);
	}
}

int hv_list(int fd, uint32_t **ids)
{
	uint32_t max = HV_PARTITIONS_MAX + 1;

	for (int tries = 0; tries < 8; tries++) {
		uint32_t *buf = calloc(max, sizeof(*buf));
		if (!buf) {
			errno = ENOMEM;
			return -1;
		}
		struct hv_ioc_list l = { .uaddr = (uintptr_t)buf, .max = max };
		if (hv_ioctl(fd, HV_IOC_LIST, &l)) {
			int e = errno;
			free(buf);
			errno = e;
			return -1;
		}
		if (l.count <= max) {
			*ids = buf;
			return (int)l.count;
		}
		free(buf);
		if (l.count > 1u << 16) {
			errno = E2BIG;
			return -1;
		}
		max = l.count + 8;
	}
	errno = EAGAIN;
	return -1;
}

int hv_status(int fd, uint32_t id, struct hv_partition_status *st)
{
	struct hv_ioc_status s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	if (hv_ioctl(fd, HV_IOC_STATUS, &s))
		return -1;
	*st = s.status;
	return 0;
}

const char *hv_name(const struct hv_partition_status *st, char buf[HV_NAME_MAX])
{
	memcpy(buf, st->name, HV_NAME_MAX);
	buf[HV_NAME_MAX - 1] = 0;
	return buf;
}

/* By name, or failing that by decimal id: 0, -1 with errno (ENOENT: none). */
static int find(int fd, const char *name, bool by_id, struct hv_partition_status *st)
{
	uint32_t *ids;
	int n = hv_list(fd, &ids);
	char nb[HV_NAME_MAX];

	if (n < 0)
		return -1;
	by_id = by_id && *name && strspn(name, "0123456789") == strlen(name) && strlen(name) < 10;
	for (int pass = 0; pass < (by_id ? 2 : 1); pass++) {
		for (int i = 0; i < n; i++) {
			if (hv_status(fd, ids[i], st))
				continue; /* gone meanwhile */
			bool match = pass == 0 ? !strcmp(hv_name(st, nb), name)
					       : strtoul(name, NULL, 10) == st->id;
			if (match) {
				free(ids);
				return 0;
			}
		}
	}
	free(ids);
	errno = ENOENT;
	return -1;
}

int hv_find_quiet(int fd, const char *name, struct hv_partition_status *st)
{
	return find(fd, name, false, st);
}

int hv_find(int fd, const char *name, struct hv_partition_status *st)
{
	char shown[96];

	if (!find(fd, name, true, st))
		return 0;
	if (errno != ENOENT) {
		errmsg("cannot list partitions: %s", hv_strerror(errno));
		return -1;
	}
	fmt_safe(name, strlen(name), shown, sizeof(shown));
	errmsg("no partition named '%s' (see 'hvctl list')", shown);
	return -1;
}

void hv_report(int fd, const char *verb, const char *name, uint32_t id, int e)
{
	struct hv_partition_status st;

	if (e == ENOENT) {
		errmsg("cannot %s '%s': it no longer exists", verb, name);
		return;
	}
	if ((e == EINVAL || e == EBUSY || e == EPERM) && !hv_status(fd, id, &st)) {
		if (st.flags & HV_STATUS_PARENT) {
			errmsg("cannot %s '%s': it is the parent partition", verb, name);
			return;
		}
		if (e != EPERM || !(st.flags & HV_STATUS_PRELAUNCHED)) {
			errmsg("cannot %s '%s': it is %s (%s)", verb, name, fmt_state(st.state),
			       hv_strerror(e));
			return;
		}
		errmsg("cannot %s '%s': it was launched by the boot configuration (%s)", verb,
		       name, hv_strerror(e));
		return;
	}
	if (e == ENOMEM) {
		char pool[96];
		hv_pool_summary(fd, pool, sizeof(pool));
		errmsg("cannot %s '%s': %s (%s)", verb, name, hv_strerror(e), pool);
		return;
	}
	errmsg("cannot %s '%s': %s", verb, name, hv_strerror(e));
}

void hv_pool_summary(int fd, char *buf, size_t len)
{
	struct hv_pool_info p;
	char f[32], t[32];

	memset(&p, 0, sizeof(p));
	if (hv_ioctl(fd, HV_IOC_POOL, &p)) {
		snprintf(buf, len, "the pool's size is unknown: %s", hv_strerror(errno));
		return;
	}
	fmt_mib(p.free_bytes, f, sizeof(f));
	fmt_mib(p.total_bytes, t, sizeof(t));
	snprintf(buf, len, "%s free of %s", f, t);
}

static int by_id(const void *a, const void *b)
{
	const struct hv_partition_status *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int hv_status_all(int fd, struct hv_partition_status **out)
{
	uint32_t *ids;
	int n = hv_list(fd, &ids), k = 0;

	if (n < 0)
		return -1;
	struct hv_partition_status *st = calloc(n ? (size_t)n : 1, sizeof(*st));
	if (!st) {
		free(ids);
		errno = ENOMEM;
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (!hv_status(fd, ids[i], &st[k]))
			k++; /* else gone meanwhile */
	free(ids);
	qsort(st, (size_t)k, sizeof(*st), by_id);
	*out = st;
	return k;
}

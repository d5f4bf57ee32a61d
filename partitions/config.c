// SPDX-License-Identifier: GPL-2.0-only
/* Partition descriptions from boot module command lines. */
#include "partitions/config.h"
#include "vmm/base/power.h"
#include "vmm/base/cmdline.h"
#include "vmm/base/fmt.h"
#include "vmm/base/string.h"

#define MEM_MIN MiB(1)
#define MEM_MAX GiB(256)

/* "0,2-3" -> bits 0, 2, 3. */
static bool parse_cpu_list(const char *s, u64 *mask)
{
	*mask = 0;
	while (*s) {
		u64 a, b;
		const char *end;
		if (!parse_u64(s, &a, &end, false) || a > 63)
			return false;
		b = a;
		if (*end == '-') {
			if (!parse_u64(end + 1, &b, &end, false) || b > 63 || b < a)
				return false;
		}
		for (u64 i = a; i <= b; i++)
			*mask |= BIT(i);
		if (*end == ',')
			end++;
		else if (*end)
			return false;
		s = end;
	}
	return *mask != 0;
}

/* "[0000:]BB:DD.F" (hex bus and device, function 0-7) -> bus << 8 |
 * dev << 3 | fn; *end after it. */
static bool parse_bdf(const char *s, u32 *bdf, const char **end)
{
	int d[4];

	if (!strncmp(s, "0000:", 5))
		s += 5;
	for (int i = 0; i < 4; i++)
		d[i] = hex_digit(s[i + (i >= 2)]);
	if (d[0] < 0 || d[1] < 0 || s[2] != ':' || d[2] < 0 || d[3] < 0 || s[5] != '.' ||
	    s[6] < '0' || s[6] > '7')
		return false;
	u32 bus = (u32)(d[0] * 16 + d[1]), dev = (u32)(d[2] * 16 + d[3]);
	if (dev > 31)
		return false;
	*bdf = bus << 8 | dev << 3 | (u32)(s[6] - '0');
	*end = s + 7;
	return true;
}

static bool parse_num(const char *v, u64 *out, bool suffix)
{
	const char *end;
	return parse_u64(v, out, &end, suffix) && !*end;
}

struct name_value {
	const char *name;
	int value;
};

static bool lookup(const struct name_value *t, size_t n, const char *s, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(t[i].name, s)) {
			*out = t[i].value;
			return true;
		}
	}
	return false;
}

static const struct name_value modes[] = {
	{ "real", ENTRY_REAL }, { "protected", ENTRY_PROTECTED }, { "long", ENTRY_LONG },
};
static const struct name_value expects[] = {
	{ "pass", EXPECT_PASS }, { "fail", EXPECT_FAIL }, { "fault", EXPECT_FAULT },
	{ "triple-fault", EXPECT_TRIPLE_FAULT }, { "timeout", EXPECT_TIMEOUT },
	{ "exit", EXPECT_EXIT }, { "poweroff", EXPECT_POWEROFF }, { "reset", EXPECT_RESET },
	{ "any", EXPECT_ANY },
};

/* Applies one key=value; returns NULL or why it was rejected. */
static const char *apply(struct part_config *c, const struct cmdline_token *t)
{
	u64 n;
	int e;

	if (t->too_long)
		return "value too long";
	if (c->parent && strcmp(t->key, "name") && strcmp(t->key, "expect") &&
	    strcmp(t->key, "timeout"))
		return "not a parent key (the parent gets every CPU and parent_mem= memory)";
	if (!strcmp(t->key, "name")) {
		if (!part_name_valid(t->val) || strlen(t->val) >= sizeof(c->name))
			return "expected 1-31 letters, digits, '-', '_' or '.'";
		hv_strlcpy(c->name, t->val, sizeof(c->name));
	} else if (!strcmp(t->key, "mem")) {
		if (!parse_num(t->val, &n, true) || n < MEM_MIN || n > MEM_MAX)
			return "expected a size from 1M to 256G";
		c->mem = ALIGN_UP(n, LARGE_PAGE_SIZE);
	} else if (!strcmp(t->key, "vcpus")) {
		if (!parse_num(t->val, &n, false) || n < 1 || n > MAX_VCPUS)
			return "expected 1 to 64";
		c->vcpus = (u32)n;
	} else if (!strcmp(t->key, "mode")) {
		if (!lookup(modes, ARRAY_SIZE(modes), t->val, &e))
			return "expected real, protected or long";
		c->mode = (enum entry_mode)e;
		c->mode_set = true;
	} else if (!strcmp(t->key, "load")) {
		if (!parse_num(t->val, &c->load, false))
			return "expected an address";
		c->load_set = true;
	} else if (!strcmp(t->key, "entry")) {
		if (!parse_num(t->val, &c->entry, false))
			return "expected an address";
		c->entry_set = true;
	} else if (!strcmp(t->key, "start")) {
		if (!strcmp(t->val, "all"))
			c->start_all = true;
		else if (!strcmp(t->val, "bsp"))
			c->start_all = false;
		else
			return "expected all or bsp";
	} else if (!strcmp(t->key, "testdev")) {
		if (!parse_bool(t, &c->testdev))
			return "expected on or off";
	} else if (!strcmp(t->key, "cpus")) {
		if (!parse_cpu_list(t->val, &c->cpus_mask))
			return "expected a CPU list such as 0,2-3";
	} else if (!strcmp(t->key, "expect")) {
		if (!lookup(expects, ARRAY_SIZE(expects), t->val, &e))
			return "expected pass, fail, fault, triple-fault, timeout, exit, poweroff, "
			       "reset or any";
		c->expect = (enum part_expect)e;
	} else if (!strcmp(t->key, "timeout")) {
		if (!parse_num(t->val, &n, false) || n == 0 || n > 86400000)
			return "expected milliseconds, 1 to 86400000";
		c->timeout_ms = (u32)n;
	} else if (!strcmp(t->key, "on_reset")) {
		if (!strcmp(t->val, "restart"))
			c->restart_on_reset = true;
		else if (!strcmp(t->val, "stop"))
			c->restart_on_reset = false;
		else
			return "expected stop or restart";
	} else if (!strcmp(t->key, "unclaimed")) {
		if (!strcmp(t->val, "stop"))
			c->stop_unclaimed = true;
		else if (!strcmp(t->val, "ones"))
			c->stop_unclaimed = false;
		else
			return "expected ones or stop";
	} else if (!strcmp(t->key, "exit_port")) {
		if (!strcmp(t->val, "off"))
			n = 0;
		else if (!parse_num(t->val, &n, false) || n == 0 || n > 0xfffc)
			return "expected a port, 1 to 0xfffc, or off";
		c->exit_port = (u16)n;
	} else if (!strcmp(t->key, "pci")) {
		/* pci=BB:DD.F[,BB:DD.F...]: functions the child owns (passthrough). */
		const char *s = t->val, *end;
		c->npci = 0;
		while (*s) {
			u32 bdf;
			if (c->npci >= HV_PCI_PT_MAX)
				return "at most 8 PCI functions";
			if (!parse_bdf(s, &bdf, &end) || (*end && *end != ','))
				return "expected PCI functions like 00:06.0, separated by commas";
			c->pci[c->npci++] = bdf;
			s = *end ? end + 1 : end;
		}
		if (!c->npci)
			return "expected PCI functions like 00:06.0";
	} else if (!strcmp(t->key, "platform")) {
		if (!strcmp(t->val, "pc"))
			c->platform_pc = true;
		else if (!strcmp(t->val, "none"))
			c->platform_pc = false;
		else
			return "expected pc or none";
		c->platform_set = true;
	} else {
		return "unknown key";
	}
	return NULL;
}

const char *part_config_parse(const char *cmdline, enum module_kind *kind,
			      struct part_config *c, char *err, size_t errlen)
{
	struct cmdline_token t;
	const char *p = cmdline;

	memset(c, 0, sizeof(*c));
	c->mem = MiB(16);
	c->vcpus = 1;
	c->mode = ENTRY_LONG;
	/* The test device is for test images: on when asked (testdev=on) or
	 * in test mode, where test images run. */
	c->testdev = power_test_mode();
	c->console_log = true; /* a boot child's console is the machine's */
	c->weight = HV_WEIGHT_DEFAULT;
	c->on_poweroff = c->on_reboot = c->on_crash = HV_ACTION_PRESERVE;
	*kind = MODULE_UNKNOWN;
	err[0] = 0;

	/* The first token is the module's kind. */
	if (!cmdline_next(&p, &t)) {
		hv_snprintf(err, errlen, "no module kind (expected: child, parent, initrd or guard)");
		return err;
	}
	if (!strcmp(t.key, "child") && !t.has_value) {
		*kind = MODULE_CHILD;
	} else if (!strcmp(t.key, "initrd") && !t.has_value) {
		*kind = MODULE_INITRD;
	} else if (!strcmp(t.key, "guard") && !t.has_value) {
		*kind = MODULE_GUARD;
		if (cmdline_next(&p, &t)) {
			hv_snprintf(err, errlen, "a guard module takes nothing after 'guard'");
			return err;
		}
		return NULL;
	} else if (!strcmp(t.key, "parent") && !t.has_value) {
		*kind = MODULE_PARENT;
		c->parent = true;
		c->platform_pc = c->platform_set = true;
		c->testdev = false; /* its ports are the machine's */
		hv_strlcpy(c->name, "parent", sizeof(c->name));
	} else {
		hv_snprintf(err, errlen, "unknown module kind '%s'", t.key);
		return err;
	}
	for (;;) {
		/* "--" ends our keys: the rest is the guest kernel's. */
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (q[0] == '-' && q[1] == '-' && (q[2] == 0 || q[2] == ' ' || q[2] == '\t')) {
			q += 2;
			while (*q == ' ' || *q == '\t')
				q++;
			if (strlen(q) >= sizeof(c->kernel_cmdline)) {
				hv_snprintf(err, errlen, "guest command line after -- is too long");
				return err;
			}
			hv_strlcpy(c->kernel_cmdline, q, sizeof(c->kernel_cmdline));
			break;
		}
		if (!cmdline_next(&p, &t))
			break;
		const char *why = apply(c, &t);
		if (why) {
			hv_snprintf(err, errlen, "%s%s%s: %s", t.key, t.has_value ? "=" : "",
				    t.val, why);
			return err;
		}
	}
	if (!c->name[0]) {
		hv_snprintf(err, errlen, "name= is required");
		return err;
	}
	return NULL;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Command-line tokenizer and the hypervisor's own options. */
#include "vmm/base/cmdline.h"
#include "vmm/base/console.h"
#include "vmm/base/log.h"
#include "vmm/base/string.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies one run of characters (quotes group spaces) into dst. */
static const char *take(const char *p, char *dst, size_t cap, bool stop_at_eq,
			bool *too_long)
{
	size_t n = 0;
	char quote = 0;

	for (; *p; p++) {
		if (quote) {
			if (*p == quote) {
				quote = 0;
				continue;
			}
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
			continue;
		} else if (is_space(*p) || (stop_at_eq && *p == '=')) {
			break;
		}
		if (n + 1 < cap)
			dst[n++] = *p;
		else
			*too_long = true;
	}
	dst[n] = 0;
	return p;
}

bool cmdline_next(const char **pp, struct cmdline_token *t)
{
	const char *p = *pp;

	while (is_space(*p))
		p++;
	if (!*p) {
		*pp = p;
		return false;
	}
	t->too_long = false;
	t->has_value = false;
	t->val[0] = 0;
	p = take(p, t->key, sizeof(t->key), true, &t->too_long);
	if (*p == '=') {
		t->has_value = true;
		p = take(p + 1, t->val, sizeof(t->val), false, &t->too_long);
	}
	*pp = p;
	return true;
}

bool parse_bool(const struct cmdline_token *t, bool *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };

	if (!t->has_value) {
		*out = true;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(t->val, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcmp(t->val, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

void hv_options_default(struct hv_options *o)
{
	memset(o, 0, sizeof(*o));
	o->console_port = 0x3f8;
	o->console_baud = 115200;
	o->console_auto = true;
	o->loglevel = LOG_INFO;
	o->x2apic = true;
	o->smt = true;
}

static bool parse_loglevel(const char *v, int *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	u64 n;
	const char *end;

	for (int i = 0; i < (int)ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return true;
		}
	}
	if (parse_u64(v, &n, &end, false) && !*end && n <= LOG_DEBUG) {
		*out = (int)n;
		return true;
	}
	return false;
}

static bool parse_number(const char *v, u64 *out, bool suffix)
{
	const char *end;
	return parse_u64(v, out, &end, suffix) && !*end;
}

int hv_options_parse(struct hv_options *o, const char *cmdline, cmdline_warn_fn warn)
{
	struct cmdline_token t;
	const char *p = cmdline;
	int errors = 0;
	u64 n;

	while (cmdline_next(&p, &t)) {
		const char *why = NULL;

		if (t.too_long) {
			why = "value too long";
		} else if (!strcmp(t.key, "console")) {
			/* Parsed into locals: console_parse writes its outputs
			 * before it finds a bad value, which must change nothing. */
			u16 port;
			u32 baud;
			if (t.has_value && !strcmp(t.val, "auto")) {
				o->console_port = 0x3f8;
				o->console_baud = 115200;
				o->console_auto = true;
			} else if (!t.has_value || !console_parse(t.val, &port, &baud)) {
				why = "expected auto, com1..com4, an I/O port, or none (optionally ,BAUD)";
			} else {
				o->console_port = port;
				o->console_baud = baud;
				o->console_auto = false;
			}
		} else if (!strcmp(t.key, "loglevel")) {
			if (!parse_loglevel(t.val, &o->loglevel))
				why = "expected error, warn, info, debug or 0..3";
		} else if (!strcmp(t.key, "test")) {
			if (!parse_bool(&t, &o->test))
				why = "expected on or off";
		} else if (!strcmp(t.key, "smt")) {
			if (!parse_bool(&t, &o->smt))
				why = "expected on or off";
		} else if (!strcmp(t.key, "x2apic")) {
			if (!parse_bool(&t, &o->x2apic))
				why = "expected on or off";
		} else if (!strcmp(t.key, "smp")) {
			if (!parse_number(t.val, &n, false) || n == 0 || n > 0xffff)
				why = "expected a CPU count of 1 or more";
			else
				o->max_cpus = (u32)n;
		} else if (!strcmp(t.key, "parent_mem")) {
			if (!parse_number(t.val, &n, true) || n < MiB(16))
				why = "expected a size of at least 16M";
			else
				o->parent_mem = n;
		} else if (!strcmp(t.key, "pool")) {
			if (!parse_number(t.val, &n, true))
				why = "expected a size (0, or with a K/M/G suffix)";
			else
				o->pool = n, o->pool_set = true;
		} else if (!strcmp(t.key, "iommu")) {
			bool b;
			if (!strcmp(t.val, "required"))
				o->iommu = IOMMU_REQUIRED;
			else if (parse_bool(&t, &b))
				o->iommu = b ? IOMMU_ON : IOMMU_OFF;
			else
				why = "expected on, off or required";
		} else if (!strcmp(t.key, "selftest")) {
			if (strcmp(t.val, "fault"))
				why = "expected fault";
			else
				hv_strlcpy(o->selftest, t.val, sizeof(o->selftest));
		} else if (t.key[0] == '/' || strchr(t.key, '/')) {
			continue; /* the image's own path, as some loaders pass it */
		} else {
			why = "unknown option";
		}
		if (why) {
			errors++;
			if (warn)
				warn(why, t.key, t.val);
		}
	}
	return errors;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Definition files (cfg.h). The grammar is that of xl.cfg (Xen's
 * tools/libs/util/libxlu_cfg_l.l and _y.y): settings `KEY = VALUE`
 * separated by newlines or `;`, `#` comments, double-quoted strings with
 * C escapes, single-quoted strings taken verbatim, numbers, and lists of
 * values with an optional trailing comma, which may span lines.
 */
#include "cfg.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_MAX 8192
#define ITEM_LINES 32 /* list items whose own line is kept */

enum tok { T_EOF, T_NL, T_SEMI, T_IDENT, T_EQ, T_STR, T_NUM, T_LBR, T_RBR, T_COMMA };

enum vkind { V_STR, V_NUM, V_LIST };

struct value {
	enum vkind kind;
	int line;
	size_t len;         /* of s: strings may hold NUL bytes from escapes */
	char s[VALUE_MAX];  /* the string, or the number as written */
	unsigned items;     /* V_LIST */
	int item_line[ITEM_LINES]; /* V_LIST: the line of each item */
};

struct parser {
	const char *p, *end;
	int line;
	const char *file;
	char *err;
	size_t errlen;
	/* the current token */
	enum tok t;
	int tline;
	struct value v; /* T_STR / T_NUM text, T_IDENT name */
};

struct ctx {
	struct parser ps;
	struct cfg *c;
	const char *dir;
	int seen[32];                 /* line of each key in keys[], 0 = not yet */
	char root[CFG_CMDLINE_MAX];
	char extra[CFG_CMDLINE_MAX];
	int cap_line, vcpus_line, root_line, extra_line, cmdline_line;
};

__attribute__((format(printf, 4, 5)))
static int fail(struct parser *ps, int line, const char *key, const char *fmt, ...)
{
	char msg[CFG_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line && key)
		snprintf(ps->err, ps->errlen, "%s:%d: %s: %s", ps->file, line, key, msg);
	else if (line)
		snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->file, line, msg);
	else
		snprintf(ps->err, ps->errlen, "%s: %s: %s", ps->file, key ? key : "", msg);
	return -1;
}

/* A character as a person reads it in a message. */
static const char *show_char(unsigned char ch, char buf[8])
{
	if (ch >= 0x20 && ch < 0x7f && ch != '\'')
		snprintf(buf, 8, "'%c'", ch);
	else
		snprintf(buf, 8, "0x%02x", ch);
	return buf;
}

/* ---- the lexer ---------------------------------------------------------- */

static bool is_ident_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_word(char ch)
{
	return is_ident_start(ch) || is_digit(ch);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int put(struct parser *ps, char ch)
{
	if (ps->v.len >= VALUE_MAX - 1)
		return fail(ps, ps->line, NULL, "string is longer than %d bytes", VALUE_MAX - 1);
	ps->v.s[ps->v.len++] = ch;
	ps->v.s[ps->v.len] = 0;
	return 0;
}

/* One escape after a backslash in a double-quoted string. */
static int lex_escape(struct parser *ps)
{
	char b[8];

	if (ps->p >= ps->end || *ps->p == '\n')
		return fail(ps, ps->line, NULL, "string not closed before the end of the line");
	char ch = *ps->p++;
	switch (ch) {
	case '\\': case '"': case '\'':
		return put(ps, ch);
	case 'n': return put(ps, '\n');
	case 't': return put(ps, '\t');
	case 'r': return put(ps, '\r');
	case 'a': return put(ps, '\a');
	case 'b': return put(ps, '\b');
	case 'f': return put(ps, '\f');
	case 'v': return put(ps, '\v');
	case 'x': {
		int v = 0, n = 0;
		while (n < 2 && ps->p < ps->end && hexval(*ps->p) >= 0)
			v = v * 16 + hexval(*ps->p++), n++;
		if (!n)
			return fail(ps, ps->line, NULL, "\\x in a string needs hex digits");
		return put(ps, (char)v);
	}
	default:
		if (ch >= '0' && ch <= '7') {
			int v = ch - '0', n = 1;
			while (n < 3 && ps->p < ps->end && *ps->p >= '0' && *ps->p <= '7')
				v = v * 8 + (*ps->p++ - '0'), n++;
			if (v > 0xff)
				return fail(ps, ps->line, NULL, "octal escape \\%o is above \\377", v);
			return put(ps, (char)v);
		}
		if (ch >= 0x20 && ch < 0x7f)
			return fail(ps, ps->line, NULL, "unknown escape '\\%c' in a string", ch);
		return fail(ps, ps->line, NULL, "unknown escape: '\\' then byte %s in a string",
			    show_char((unsigned char)ch, b));
	}
}

static int lex_string(struct parser *ps, char quote)
{
	ps->v.len = 0;
	ps->v.s[0] = 0;
	for (;;) {
		if (ps->p >= ps->end || *ps->p == '\n')
			return fail(ps, ps->line, NULL, "string not closed before the end of the line");
		char ch = *ps->p++;
		if (ch == quote)
			return 0;
		if (ch == 0)
			return fail(ps, ps->line, NULL, "NUL byte in a string (is this a text file?)");
		if (ch == '\\' && quote == '"') {
			if (lex_escape(ps))
				return -1;
		} else if (put(ps, ch)) {
			return -1;
		}
	}
}

/* Reads the next token into ps->t (and ps->v for words and strings). */
static int lex(struct parser *ps)
{
	char b[8];

	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
	if (ps->p < ps->end && *ps->p == '#')
		while (ps->p < ps->end && *ps->p != '\n')
			ps->p++;
	ps->tline = ps->line;
	if (ps->p >= ps->end) {
		ps->t = T_EOF;
		return 0;
	}
	char ch = *ps->p++;
	switch (ch) {
	case '\n': ps->t = T_NL; ps->line++; return 0;
	case ';': ps->t = T_SEMI; return 0;
	case '=': ps->t = T_EQ; return 0;
	case '[': ps->t = T_LBR; return 0;
	case ']': ps->t = T_RBR; return 0;
	case ',': ps->t = T_COMMA; return 0;
	case '"':
	case '\'':
		ps->t = T_STR;
		return lex_string(ps, ch);
	default:
		break;
	}
	if (is_ident_start(ch) || is_digit(ch) || ch == '-' || ch == '+') {
		/* A word: a key, or a number as written (checked when used). */
		ps->v.len = 0;
		ps->v.s[0] = 0;
		if (put(ps, ch))
			return -1;
		while (ps->p < ps->end && (is_word(*ps->p) || *ps->p == '.' || *ps->p == '-' ||
					   *ps->p == '+'))
			if (put(ps, *ps->p++))
				return -1;
		ps->t = is_ident_start(ch) ? T_IDENT : T_NUM;
		return 0;
	}
	if (ch == 0)
		return fail(ps, ps->line, NULL, "NUL byte (is this a text file?)");
	return fail(ps, ps->line, NULL, "unexpected character %s", show_char((unsigned char)ch, b));
}

/* ---- values --------------------------------------------------------------- */

static const char *tok_name(enum tok t)
{
	switch (t) {
	case T_EOF: return "the end of the file";
	case T_NL: return "the end of the line";
	case T_SEMI: return "';'";
	case T_IDENT: return "a word";
	case T_EQ: return "'='";
	case T_STR: return "a string";
	case T_NUM: return "a number";
	case T_LBR: return "'['";
	case T_RBR: return "']'";
	case T_COMMA: return "','";
	}
	return "?";
}

/* Skips newlines (inside a list). */
static int lex_skip_nl(struct parser *ps)
{
	do {
		if (lex(ps))
			return -1;
	} while (ps->t == T_NL);
	return 0;
}

/* A list after its '[': its values' texts are kept one after the other
 * in v->s, each followed by a NUL (v->len bytes in all). */
static int parse_list(struct parser *ps, const char *key, struct value *v)
{
	v->kind = V_LIST;
	v->items = 0;
	v->len = 0;
	if (lex_skip_nl(ps))
		return -1;
	for (;;) {
		if (ps->t == T_RBR)
			return 0;
		if (ps->t == T_LBR)
			return fail(ps, ps->tline, key, "lists cannot be nested");
		if (ps->t != T_STR && ps->t != T_NUM)
			return fail(ps, ps->tline, key, "expected a value or ']' in the list, "
				    "found %s", tok_name(ps->t));
		if (v->len + ps->v.len + 1 > VALUE_MAX || memchr(ps->v.s, 0, ps->v.len))
			return fail(ps, ps->tline, key, "the list is too long or holds a NUL byte");
		memcpy(v->s + v->len, ps->v.s, ps->v.len + 1);
		v->len += ps->v.len + 1;
		if (v->items < ITEM_LINES)
			v->item_line[v->items] = ps->tline;
		v->items++;
		if (lex_skip_nl(ps))
			return -1;
		if (ps->t == T_RBR)
			return 0;
		if (ps->t != T_COMMA)
			return fail(ps, ps->tline, key, "expected ',' or ']' in the list, found %s",
				    tok_name(ps->t));
		if (lex_skip_nl(ps))
			return -1;
	}
}

/* The value after `KEY =`; on return the current token follows it. */
static int parse_value(struct parser *ps, const char *key, struct value *v)
{
	if (lex(ps))
		return -1;
	v->line = ps->tline;
	switch (ps->t) {
	case T_STR:
	case T_NUM:
		v->kind = ps->t == T_STR ? V_STR : V_NUM;
		memcpy(v->s, ps->v.s, ps->v.len + 1);
		v->len = ps->v.len;
		break;
	case T_LBR:
		if (parse_list(ps, key, v))
			return -1;
		break;
	case T_IDENT:
		return fail(ps, ps->tline, key, "%s is not a value: put strings in quotes "
			    "(\"%s\")", ps->v.s, ps->v.s);
	default:
		return fail(ps, ps->tline, key, "expected a value after '=', found %s",
			    tok_name(ps->t));
	}
	return lex(ps);
}

/* The line of item i of a list (lists may span lines). */
static int item_line(const struct value *v, unsigned i)
{
	return i < ITEM_LINES && v->item_line[i] ? v->item_line[i] : v->line;
}

/* ---- keys ---------------------------------------------------------------- */

static int want_string(struct ctx *x, const char *key, const struct value *v)
{
	if (v->kind == V_STR) {
		if (strlen(v->s) != v->len)
			return fail(&x->ps, v->line, key, "the string holds a NUL byte");
		return 0;
	}
	if (v->kind == V_LIST)
		return fail(&x->ps, v->line, key, "expects a string, not a list");
	return fail(&x->ps, v->line, key, "expects a string in quotes (\"%s\")", v->s);
}

/* An integer in [min, max]: decimal or 0x hex, also in quotes (xl takes
 * "128" as well as 128). */
static int want_int(struct ctx *x, const char *key, const struct value *v, uint64_t min,
		    uint64_t max, const char *unit, uint64_t *out)
{
	const char *s = v->s;
	uint64_t n = 0;
	int base = 10;

	if (v->kind == V_LIST)
		return fail(&x->ps, v->line, key, "expects a number, not a list");
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		base = 16;
		s += 2;
	}
	if (!*s || v->len != strlen(v->s))
		goto bad;
	for (; *s; s++) {
		int d = hexval(*s);
		if (d < 0 || d >= base)
			goto bad;
		if (n > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			goto range;
		n = n * (uint64_t)base + (uint64_t)d;
	}
	if (n < min || n > max)
		goto range;
	*out = n;
	return 0;
bad:
	if (v->s[0] == '-' && v->len > 1 && is_digit(v->s[1]))
		goto range;
	return fail(&x->ps, v->line, key, "expects a whole number%s%s, got \"%s\"",
		    unit ? " of " : "", unit ? unit : "", v->s);
range:
	return fail(&x->ps, v->line, key, "must be between %llu and %llu%s%s, got %s",
		    (unsigned long long)min, (unsigned long long)max, unit ? " " : "",
		    unit ? unit : "", v->s);
}

static int copy_path(struct ctx *x, const char *key, const struct value *v, char *out)
{
	if (want_string(x, key, v))
		return -1;
	if (!v->s[0])
		return fail(&x->ps, v->line, key, "the path is empty");
	const char *dir = x->dir ? x->dir : "";
	bool join = v->s[0] != '/' && dir[0] && strcmp(dir, ".") != 0;
	size_t dl = strlen(dir), need = join ? dl + 1 + v->len : v->len;
	if (need >= CFG_PATH_MAX)
		return fail(&x->ps, v->line, key, "the path is longer than %d bytes",
			    CFG_PATH_MAX - 1);
	if (join) {
		memcpy(out, dir, dl);
		size_t o = dl;
		if (dir[dl - 1] != '/')
			out[o++] = '/';
		memcpy(out + o, v->s, v->len + 1);
	} else {
		memcpy(out, v->s, v->len + 1);
	}
	return 0;
}

bool cfg_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= HV_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!is_word(ch) && ch != '.' && ch != '-')
			return false;
	}
	return true;
}

static int k_name(struct ctx *x, const char *key, const struct value *v)
{
	char b[8];

	if (want_string(x, key, v))
		return -1;
	if (!v->len || v->len >= HV_NAME_MAX)
		return fail(&x->ps, v->line, key, "must be 1 to %d characters long, not %zu",
			    HV_NAME_MAX - 1, v->len);
	for (size_t i = 0; i < v->len; i++) {
		char ch = v->s[i];
		if (!is_word(ch) && ch != '.' && ch != '-')
			return fail(&x->ps, v->line, key, "may hold only letters, digits, '_', "
				    "'.' and '-', not %s", show_char((unsigned char)ch, b));
	}
	memcpy(x->c->name, v->s, v->len + 1);
	x->c->line[CFG_LINE_NAME] = v->line;
	return 0;
}

static int k_memory(struct ctx *x, const char *key, const struct value *v)
{
	uint64_t mib;

	if (want_int(x, key, v, HV_MEMORY_MIN >> 20, HV_MEMORY_MAX >> 20, "MiB", &mib))
		return -1;
	if (mib % (HV_MEMORY_ALIGN >> 20))
		return fail(&x->ps, v->line, key, "must be a multiple of %llu MiB, got %llu",
			    (unsigned long long)(HV_MEMORY_ALIGN >> 20), (unsigned long long)mib);
	x->c->memory_mib = mib;
	x->c->line[CFG_LINE_MEMORY] = v->line;
	return 0;
}

static int k_vcpus(struct ctx *x, const char *key, const struct value *v)
{
	uint64_t n;

	if (want_int(x, key, v, 1, HV_VCPUS_MAX, NULL, &n))
		return -1;
	x->c->vcpus = (uint32_t)n;
	x->vcpus_line = v->line;
	return 0;
}

static int k_cpus(struct ctx *x, const char *key, const struct value *v)
{
	char msg[CFG_ERR_MAX];

	if (v->kind == V_LIST)
		return fail(&x->ps, v->line, key, "per-vCPU lists are not supported: give one "
			    "list for every vCPU, like \"0-3\"");
	if (v->kind == V_STR && want_string(x, key, v))
		return -1;
	if (cfg_parse_cpus(v->s, &x->c->cpus, msg, sizeof(msg)))
		return fail(&x->ps, v->line, key, "%s", msg);
	x->c->line[CFG_LINE_CPUS] = v->line;
	return 0;
}

static int k_weight(struct ctx *x, const char *key, const struct value *v)
{
	uint64_t n;

	if (want_int(x, key, v, 1, HV_WEIGHT_MAX, NULL, &n))
		return -1;
	x->c->weight = (uint32_t)n;
	return 0;
}

static int k_cap(struct ctx *x, const char *key, const struct value *v)
{
	uint64_t n;

	/* Checked against vcpus once the whole file is read. */
	if (want_int(x, key, v, 0, 100ull * HV_VCPUS_MAX, "percent", &n))
		return -1;
	x->c->cap = (uint32_t)n;
	x->cap_line = v->line;
	return 0;
}

static int k_kernel(struct ctx *x, const char *key, const struct value *v)
{
	x->c->line[CFG_LINE_KERNEL] = v->line;
	return copy_path(x, key, v, x->c->kernel);
}

static int k_ramdisk(struct ctx *x, const char *key, const struct value *v)
{
	x->c->line[CFG_LINE_RAMDISK] = v->line;
	return copy_path(x, key, v, x->c->ramdisk);
}

/*
 * disk = [ "PATH[,rw|,ro]", ... ] (xl.cfg's short form: the target and
 * its access; a relative PATH is taken from the file's directory). Each
 * becomes a virtio block device, in order.
 */
static int k_disk(struct ctx *x, const char *key, const struct value *v)
{
	if (v->kind != V_LIST)
		return fail(&x->ps, v->line, key, "expects a list, like [ \"disk.img,rw\" ]");
	if (v->items > CFG_DISKS_MAX)
		return fail(&x->ps, v->line, key, "at most %d disks", CFG_DISKS_MAX);
	const char *item = v->s;
	for (unsigned i = 0; i < v->items; i++, item += strlen(item) + 1) {
		struct value one = { .kind = V_STR, .line = v->line };
		const char *comma = strchr(item, ',');
		size_t plen = comma ? (size_t)(comma - item) : strlen(item);
		bool ro = false;
		if (comma && !strcmp(comma + 1, "ro"))
			ro = true;
		else if (comma && strcmp(comma + 1, "rw"))
			return fail(&x->ps, v->line, key, "\"%s\": after the path comes ,rw or ,ro",
				    item);
		if (plen >= sizeof(one.s))
			return fail(&x->ps, v->line, key, "the path is too long");
		memcpy(one.s, item, plen);
		one.s[plen] = 0;
		one.len = plen;
		if (copy_path(x, key, &one, x->c->disk[i].path))
			return -1;
		x->c->disk[i].ro = ro;
	}
	x->c->ndisks = v->items;
	return 0;
}

/* A bridge name: what Linux takes for an interface (IFNAMSIZ - 1 bytes). */
static bool ifname_ok(const char *n)
{
	size_t l = strlen(n);

	if (!l || l > 15 || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	for (; *n; n++)
		if (!isalnum((unsigned char)*n) && *n != '_' && *n != '-' && *n != '.')
			return false;
	return true;
}

/* "02:00:5e:10:00:01": six hex octets, unicast (I/G bit clear). */
static bool mac_parse(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    (i < 5 && s[2] != ':') || (i == 5 && s[2]))
			return false;
		char b[3] = { s[0], s[1], 0 };
		mac[i] = (uint8_t)strtoul(b, NULL, 16);
		s += 3;
	}
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/*
 * vif = [ "bridge=BR,mac=MAC", ... ] (xl.cfg's vif syntax, its bridge and
 * mac keys): virtio network interfaces on a tap device in the parent,
 * attached to bridge BR (default hvbr0, made when missing); without mac
 * one is made from the child's id.
 */
static int k_vif(struct ctx *x, const char *key, const struct value *v)
{
	if (v->kind != V_LIST)
		return fail(&x->ps, v->line, key, "expects a list, like [ \"bridge=hvbr0\" ]");
	if (v->items > CFG_VIFS_MAX)
		return fail(&x->ps, v->line, key, "at most %d interfaces", CFG_VIFS_MAX);
	const char *item = v->s;
	for (unsigned i = 0; i < v->items; i++, item += strlen(item) + 1) {
		char buf[256], *save = NULL;
		if (strlen(item) >= sizeof(buf))
			return fail(&x->ps, v->line, key, "\"%.40s...\" is too long", item);
		strcpy(buf, item);
		strcpy(x->c->vif[i].bridge, "hvbr0");
		x->c->vif[i].has_mac = false;
		for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			while (*kv == ' ')
				kv++;
			if (!strncmp(kv, "bridge=", 7)) {
				if (!ifname_ok(kv + 7))
					return fail(&x->ps, v->line, key, "bridge \"%s\": not an "
						    "interface name (1-15 of A-Za-z0-9_.-)", kv + 7);
				strcpy(x->c->vif[i].bridge, kv + 7);
			} else if (!strncmp(kv, "mac=", 4)) {
				if (!mac_parse(kv + 4, x->c->vif[i].mac))
					return fail(&x->ps, v->line, key, "mac \"%s\": not a unicast "
						    "address like 02:00:00:00:00:01", kv + 4);
				x->c->vif[i].has_mac = true;
			} else {
				return fail(&x->ps, v->line, key, "\"%s\": only bridge= and mac= are "
					    "supported", kv);
			}
		}
	}
	x->c->nvifs = v->items;
	return 0;
}

/*
 * pci = [ "BDF", ... ] (xl.cfg's PCI_SPEC_STRING, without a virtual slot
 * or options): functions of the parent's PCI bus passed through to the
 * child, which sees them at 00:HV_PCI_PT_SLOT.0, the next slot, ... in
 * order. `hvctl create` takes each from the parent's driver and assigns it.
 */
static int k_pci(struct ctx *x, const char *key, const struct value *v)
{
	char msg[CFG_ERR_MAX], b[CFG_BDF_LEN];

	if (v->kind != V_LIST)
		return fail(&x->ps, v->line, key, "expects a list, like [ '0000:00:06.0' ]");
	if (v->items > CFG_PCI_MAX)
		return fail(&x->ps, v->line, key, "at most %d PCI functions", CFG_PCI_MAX);
	const char *item = v->s;
	for (unsigned i = 0; i < v->items; i++, item += strlen(item) + 1) {
		uint32_t bdf;
		if (cfg_parse_bdf(item, &bdf, msg, sizeof(msg)))
			return fail(&x->ps, item_line(v, i), key, "%s", msg);
		for (unsigned j = 0; j < i; j++)
			if (x->c->pci[j] == bdf) {
				cfg_format_bdf(bdf, b, sizeof(b));
				return fail(&x->ps, item_line(v, i), key, "%s is given twice (first "
					    "on line %d)", b, item_line(v, j));
			}
		x->c->pci[i] = bdf;
	}
	x->c->npci = v->items;
	x->c->line[CFG_LINE_PCI] = v->line;
	return 0;
}

/* rng = 0|1: a virtio entropy device (default 1). */
static int k_rng(struct ctx *x, const char *key, const struct value *v)
{
	uint64_t n;

	if (want_int(x, key, v, 0, 1, NULL, &n))
		return -1;
	x->c->rng = n == 1;
	return 0;
}

/* vconsole = 0|1: a virtio console, the child's hvc0 (default 1). */
static int k_vconsole(struct ctx *x, const char *key, const struct value *v)
{
	uint64_t n;

	if (want_int(x, key, v, 0, 1, NULL, &n))
		return -1;
	x->c->vconsole = n == 1;
	return 0;
}

static int copy_text(struct ctx *x, const char *key, const struct value *v, char *out)
{
	if (want_string(x, key, v))
		return -1;
	if (v->len >= CFG_CMDLINE_MAX)
		return fail(&x->ps, v->line, key, "is longer than %d bytes", CFG_CMDLINE_MAX - 1);
	memcpy(out, v->s, v->len + 1);
	return 0;
}

static int k_cmdline(struct ctx *x, const char *key, const struct value *v)
{
	x->cmdline_line = v->line;
	return copy_text(x, key, v, x->c->cmdline);
}

static int k_root(struct ctx *x, const char *key, const struct value *v)
{
	x->root_line = v->line;
	return copy_text(x, key, v, x->root);
}

static int k_extra(struct ctx *x, const char *key, const struct value *v)
{
	x->extra_line = v->line;
	return copy_text(x, key, v, x->extra);
}

static const char *const action_names[] = { "destroy", "restart", "preserve" };

const char *cfg_action_name(unsigned action)
{
	return action <= HV_ACTION_MAX ? action_names[action] : "?";
}

static int k_action(struct ctx *x, const char *key, const struct value *v, uint8_t *out)
{
	if (want_string(x, key, v))
		return -1;
	for (unsigned i = 0; i <= HV_ACTION_MAX; i++)
		if (!strcmp(v->s, action_names[i])) {
			*out = (uint8_t)i;
			return 0;
		}
	if (!strcmp(v->s, "rename-restart") || !strcmp(v->s, "coredump-destroy") ||
	    !strcmp(v->s, "coredump-restart") || !strcmp(v->s, "soft-reset"))
		return fail(&x->ps, v->line, key, "\"%s\" is not supported: use \"destroy\", "
			    "\"restart\" or \"preserve\"", v->s);
	return fail(&x->ps, v->line, key, "must be \"destroy\", \"restart\" or \"preserve\", "
		    "not \"%s\"", v->s);
}

static int k_on_poweroff(struct ctx *x, const char *key, const struct value *v)
{
	return k_action(x, key, v, &x->c->on_poweroff);
}

static int k_on_reboot(struct ctx *x, const char *key, const struct value *v)
{
	return k_action(x, key, v, &x->c->on_reboot);
}

static int k_on_crash(struct ctx *x, const char *key, const struct value *v)
{
	return k_action(x, key, v, &x->c->on_crash);
}

static int k_platform(struct ctx *x, const char *key, const struct value *v)
{
	if (want_string(x, key, v))
		return -1;
	if (!strcmp(v->s, "pc"))
		x->c->platform = CFG_PLATFORM_PC;
	else if (!strcmp(v->s, "none"))
		x->c->platform = CFG_PLATFORM_NONE;
	else
		return fail(&x->ps, v->line, key, "must be \"pc\" or \"none\", not \"%s\"", v->s);
	x->c->line[CFG_LINE_PLATFORM] = v->line;
	return 0;
}

/* unclaimed = "ones"|"stop": what an access to an address with nothing
 * behind it does -- all ones and dropped writes as on a PC (default), or
 * stop the child. */
static int k_unclaimed(struct ctx *x, const char *key, const struct value *v)
{
	if (want_string(x, key, v))
		return -1;
	if (!strcmp(v->s, "ones"))
		x->c->stop_unclaimed = false;
	else if (!strcmp(v->s, "stop"))
		x->c->stop_unclaimed = true;
	else
		return fail(&x->ps, v->line, key, "must be \"ones\" or \"stop\", not \"%s\"", v->s);
	return 0;
}

struct key {
	const char *name;
	int (*set)(struct ctx *x, const char *key, const struct value *v);
};

static const struct key keys[] = {
	{ "name", k_name },
	{ "memory", k_memory },
	{ "vcpus", k_vcpus },
	{ "cpus", k_cpus },
	{ "cpu_weight", k_weight },
	{ "cap", k_cap },
	{ "kernel", k_kernel },
	{ "ramdisk", k_ramdisk },
	{ "cmdline", k_cmdline },
	{ "root", k_root },
	{ "extra", k_extra },
	{ "on_poweroff", k_on_poweroff },
	{ "on_reboot", k_on_reboot },
	{ "on_crash", k_on_crash },
	{ "platform", k_platform },
	{ "unclaimed", k_unclaimed },
	{ "disk", k_disk },
	{ "rng", k_rng },
	{ "vconsole", k_vconsole },
	{ "vif", k_vif },
	{ "pci", k_pci },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= 32, "ctx.seen holds every key");

/* Edit distance up to 3 (for "did you mean"), else 3. */
static unsigned distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[40];

	if (la >= 40 || lb >= 40)
		return 3;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] < 3 ? row[lb] : 3;
}

static int unknown_key(struct ctx *x, const char *key, int line)
{
	const char *best = NULL;
	unsigned bd = 3;

	for (size_t i = 0; i < NKEYS; i++) {
		unsigned d = distance(key, keys[i].name);
		if (d < bd) {
			bd = d;
			best = keys[i].name;
		}
	}
	if (best && bd <= 2)
		return fail(&x->ps, line, key, "unknown key (did you mean '%s'?)", best);
	return fail(&x->ps, line, key, "unknown key");
}

static int setting(struct ctx *x)
{
	struct parser *ps = &x->ps;
	char key[64];
	int line = ps->tline;

	for (size_t i = 0; i < ps->v.len; i++)
		if (!is_word(ps->v.s[i]))
			return fail(ps, line, NULL, "'%.40s' is not a key (keys are letters, digits "
				    "and '_')", ps->v.s);
	if (ps->v.len >= sizeof(key))
		return fail(ps, line, NULL, "unknown key '%.40s...'", ps->v.s);
	memcpy(key, ps->v.s, ps->v.len + 1);
	if (lex(ps))
		return -1;
	if (ps->t != T_EQ) {
		if (ps->t == T_NUM && !strcmp(ps->v.s, "+"))
			return fail(ps, line, key, "'+=' is not supported");
		return fail(ps, line, key, "expected '=' after the key, found %s",
			    tok_name(ps->t));
	}
	size_t k;
	for (k = 0; k < NKEYS; k++)
		if (!strcmp(key, keys[k].name))
			break;
	if (k == NKEYS)
		return unknown_key(x, key, line);
	if (x->seen[k])
		return fail(ps, line, key, "given twice (first on line %d)", x->seen[k]);
	x->seen[k] = line;

	struct value v;
	memset(&v, 0, sizeof(v));
	if (parse_value(ps, key, &v))
		return -1;
	if (ps->t != T_NL && ps->t != T_SEMI && ps->t != T_EOF)
		return fail(ps, ps->tline, key, "expected the end of the line after the value, "
			    "found %s", tok_name(ps->t));
	return keys[k].set(x, key, &v);
}

/* Checks between keys, once the whole file is read. */
static int finish(struct ctx *x)
{
	struct cfg *c = x->c;
	struct parser *ps = &x->ps;

	if (!c->name[0])
		return fail(ps, 0, "name", "missing: a definition needs name = \"...\"");
	if (!c->kernel[0])
		return fail(ps, 0, "kernel", "missing: a definition needs kernel = \"PATH\"");
	if (x->cap_line && c->cap > 100u * c->vcpus)
		return fail(ps, x->cap_line, "cap", "%u%% is more than %u vCPU%s can use "
			    "(at most %u)", c->cap, c->vcpus, c->vcpus == 1 ? "" : "s",
			    100u * c->vcpus);
	if (x->cmdline_line && (x->root_line || x->extra_line)) {
		bool root = x->root_line > x->extra_line;
		return fail(ps, root ? x->root_line : x->extra_line, root ? "root" : "extra",
			    "cannot be combined with cmdline (line %d): put everything in "
			    "cmdline", x->cmdline_line);
	}
	if (x->cmdline_line) {
		c->has_cmdline = true;
		c->line[CFG_LINE_CMDLINE] = x->cmdline_line;
	} else if (x->root_line || x->extra_line) {
		/* xl: "root=ROOT EXTRA", "root=ROOT", or EXTRA alone. */
		int n;
		if (x->root_line && x->extra_line)
			n = snprintf(c->cmdline, sizeof(c->cmdline), "root=%s %s", x->root, x->extra);
		else if (x->root_line)
			n = snprintf(c->cmdline, sizeof(c->cmdline), "root=%s", x->root);
		else
			n = snprintf(c->cmdline, sizeof(c->cmdline), "%s", x->extra);
		int line = x->root_line > x->extra_line ? x->root_line : x->extra_line;
		if (n < 0 || (size_t)n >= sizeof(c->cmdline))
			return fail(ps, line, x->root_line > x->extra_line ? "root" : "extra",
				    "the command line it makes is longer than %d bytes",
				    CFG_CMDLINE_MAX - 1);
		c->has_cmdline = true;
		c->line[CFG_LINE_CMDLINE] = line;
	}
	return 0;
}

int cfg_parse(const char *buf, size_t len, const char *file, const char *dir,
	      struct cfg *out, char *err, size_t errlen)
{
	struct ctx x;

	memset(&x, 0, sizeof(x));
	memset(out, 0, sizeof(*out));
	out->memory_mib = CFG_MEMORY_DEFAULT_MIB;
	out->vcpus = 1;
	out->rng = true;
	out->vconsole = true;
	out->on_poweroff = HV_ACTION_DESTROY;
	out->on_reboot = HV_ACTION_RESTART;
	out->on_crash = HV_ACTION_DESTROY;
	out->platform = CFG_PLATFORM_DEFAULT;
	x.c = out;
	x.dir = dir;
	x.ps.p = buf;
	x.ps.end = buf + len;
	x.ps.line = 1;
	x.ps.file = file ? file : "<definition>";
	x.ps.err = err;
	x.ps.errlen = errlen;
	if (errlen)
		err[0] = 0;

	/* A UTF-8 byte order mark is allowed at the start. */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		x.ps.p += 3;
	for (;;) {
		if (lex(&x.ps))
			return -1;
		if (x.ps.t == T_EOF)
			break;
		if (x.ps.t == T_NL || x.ps.t == T_SEMI)
			continue;
		if (x.ps.t != T_IDENT)
			return fail(&x.ps, x.ps.tline, NULL, "expected a key, found %s",
				    x.ps.t == T_NUM ? "a number" : tok_name(x.ps.t));
		if (setting(&x))
			return -1;
		if (x.ps.t == T_EOF)
			break;
	}
	return finish(&x);
}

/* ---- PCI addresses ------------------------------------------------------ */

/* 1 to max hex digits at *p (moved past them) into *out; false for none
 * or more. */
static bool hex_field(const char **p, unsigned max, unsigned *out)
{
	unsigned n = 0, v = 0;

	while (hexval(**p) >= 0) {
		if (++n > max)
			return false;
		v = v * 16 + (unsigned)hexval(*(*p)++);
	}
	*out = v;
	return n > 0;
}

int cfg_parse_bdf(const char *s, uint32_t *bdf, char *err, size_t errlen)
{
	unsigned seg = 0, bus, dev, fn, colons = 0;
	const char *p = s;

	if (strchr(s, '@')) {
		snprintf(err, errlen, "\"%.40s\": a virtual slot (@VSLOT) is not supported: the "
			 "functions appear in the child at 00:%02x.0, 00:%02x.0, ... in order", s,
			 HV_PCI_PT_SLOT, HV_PCI_PT_SLOT + 1);
		return -1;
	}
	if (strchr(s, ',')) {
		snprintf(err, errlen, "\"%.40s\": options (,KEY=VALUE) are not supported", s);
		return -1;
	}
	if (strchr(s, '*')) {
		snprintf(err, errlen, "\"%.40s\": all functions (.*) are not supported: name each "
			 "function", s);
		return -1;
	}
	for (const char *q = s; *q; q++)
		colons += *q == ':';
	if ((colons == 2 && (!hex_field(&p, 4, &seg) || *p++ != ':')) || colons < 1 ||
	    colons > 2 || !hex_field(&p, 2, &bus) || *p++ != ':' || !hex_field(&p, 2, &dev) ||
	    *p++ != '.' || !hex_field(&p, 1, &fn) || *p) {
		snprintf(err, errlen, "\"%.40s\" is not a PCI address like \"0000:00:06.0\" or "
			 "\"00:06.0\"", s);
		return -1;
	}
	if (seg) {
		snprintf(err, errlen, "\"%s\": PCI segment %04x: only segment 0000 is supported",
			 s, seg);
		return -1;
	}
	if (dev > 0x1f) {
		snprintf(err, errlen, "\"%s\": device %02x is out of range (00-1f)", s, dev);
		return -1;
	}
	if (fn > 7) {
		snprintf(err, errlen, "\"%s\": function %x is out of range (0-7)", s, fn);
		return -1;
	}
	*bdf = bus << 8 | dev << 3 | fn;
	return 0;
}

void cfg_format_bdf(uint32_t bdf, char *buf, size_t len)
{
	snprintf(buf, len, "0000:%02x:%02x.%x", (bdf >> 8) & 0xff, (bdf >> 3) & 0x1f, bdf & 7);
}

/* ---- CPU lists --------------------------------------------------------- */

static int cpu_number(const char **p, unsigned *out, char *err, size_t errlen, const char *all)
{
	unsigned n = 0;
	const char *s = *p;

	if (!is_digit(*s)) {
		snprintf(err, errlen, "\"%s\" is not a CPU list: expected \"all\" or CPUs and "
			 "ranges like \"0-1,3\"", all);
		return -1;
	}
	while (is_digit(*s)) {
		n = n * 10 + (unsigned)(*s++ - '0');
		if (n > 1000000)
			break;
	}
	if (n >= 64) {
		snprintf(err, errlen, "CPU %s%u is out of range (0-63)", n > 1000000 ? ">" : "",
			 n > 1000000 ? 1000000 : n);
		return -1;
	}
	*p = s;
	*out = n;
	return 0;
}

int cfg_parse_cpus(const char *s, uint64_t *mask, char *err, size_t errlen)
{
	uint64_t m = 0, minus = 0;
	const char *p = s;
	bool any_plus = false;

	if (!strcmp(s, "all")) {
		*mask = 0;
		return 0;
	}
	if (!*s) {
		snprintf(err, errlen, "the CPU list is empty (use \"all\" for any CPU)");
		return -1;
	}
	for (;;) {
		bool neg = *p == '^';
		unsigned a, b;
		if (neg)
			p++;
		if (cpu_number(&p, &a, err, errlen, s))
			return -1;
		b = a;
		if (*p == '-') {
			p++;
			if (cpu_number(&p, &b, err, errlen, s))
				return -1;
			if (b < a) {
				snprintf(err, errlen, "CPU range %u-%u runs backwards", a, b);
				return -1;
			}
		}
		uint64_t r = (b == 63 ? ~0ull : ((1ull << (b + 1)) - 1)) & ~((1ull << a) - 1);
		if (neg) {
			minus |= r;
		} else {
			m |= r;
			any_plus = true;
		}
		if (!*p)
			break;
		if (*p != ',') {
			snprintf(err, errlen, "\"%s\" is not a CPU list: expected \"all\" or CPUs "
				 "and ranges like \"0-1,3\"", s);
			return -1;
		}
		p++;
	}
	if (!any_plus)
		m = ~0ull; /* "^1" alone: every CPU but 1 */
	m &= ~minus;
	if (!m) {
		snprintf(err, errlen, "\"%s\" leaves no CPU", s);
		return -1;
	}
	*mask = m == ~0ull ? 0 : m;
	return 0;
}

void cfg_format_cpus(uint64_t mask, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	buf[0] = 0;
	if (!mask || mask == ~0ull) {
		snprintf(buf, len, "all");
		return;
	}
	for (unsigned i = 0; i < 64;) {
		if (!(mask >> i & 1)) {
			i++;
			continue;
		}
		unsigned j = i;
		while (j + 1 < 64 && (mask >> (j + 1) & 1))
			j++;
		int n = j == i ? snprintf(buf + o, len - o, "%s%u", o ? "," : "", i)
			       : snprintf(buf + o, len - o, "%s%u-%u", o ? "," : "", i, j);
		if (n < 0 || (size_t)n >= len - o)
			return;
		o += (size_t)n;
		i = j + 1;
	}
}

void cfg_to_create(const struct cfg *c, bool pc, struct hv_create *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, c->name, sizeof(out->name));
	out->name[HV_NAME_MAX - 1] = 0;
	out->memory_bytes = c->memory_mib << 20;
	out->cpus = c->cpus;
	out->vcpus = c->vcpus;
	out->flags = (pc ? HV_CREATE_PLATFORM_PC : 0) |
		     (c->stop_unclaimed ? HV_CREATE_STOP_UNCLAIMED : 0);
	out->weight = c->weight;
	out->cap = c->cap;
	out->on_poweroff = c->on_poweroff;
	out->on_reboot = c->on_reboot;
	out->on_crash = c->on_crash;
}

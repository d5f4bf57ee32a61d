/* SPDX-License-Identifier: GPL-2.0-only */
/* Names and numbers as hvctl prints them. */
#ifndef HVCTL_FMT_H
#define HVCTL_FMT_H

#include <stddef.h>
#include <stdint.h>

const char *fmt_state(uint32_t state);     /* "running", ... */
const char *fmt_outcome(uint32_t outcome); /* "poweroff", ...; "-" for none */
const char *fmt_event(uint32_t type);      /* "rebooted", ... */
/* The exit reason's name from HV_EXIT_REASON_NAMES, or "reason-N". */
const char *fmt_exit_reason(unsigned i, char *buf, size_t len);
extern const unsigned fmt_exit_names; /* how many names the ABI gives */

/* "128 MiB", "1.5 GiB", "2 GiB" */
void fmt_mib(uint64_t bytes, char *buf, size_t len);
/* "128M", "2G": compact, for tables */
void fmt_size(uint64_t bytes, char *buf, size_t len);
/* "1d 02:03:04", "02:03:04" */
void fmt_uptime(uint64_t ns, char *buf, size_t len);
/* "12.345" seconds */
void fmt_secs(uint64_t ns, char *buf, size_t len);
/* Copies at most n bytes of s (stopping at NUL) with every byte that is
 * not printable ASCII as '?': text from the hypervisor or a child goes
 * to a terminal only this way. */
void fmt_safe(const char *s, size_t n, char *out, size_t outlen);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Console input switching: bytes typed on the hypervisor's console UART
 * go to the virtual UART of the partition with the input focus. Three
 * Ctrl-A in a row move the focus to the next partition (the parent first,
 * then in partition-id order) that has a UART and has not stopped; after
 * the last one, to the hypervisor itself, whose debug keys ('h' lists
 * them) dump state for a person or a test runner chasing a hang; then
 * around again. Each move is said on the console. Ctrl-A fewer than
 * three times, followed by anything else, reaches the guest as typed. Bytes the focused UART's receive FIFO has
 * no room for wait here (up to PENDING_MAX) and go in as the guest's
 * driver drains it, so a pasted line is not lost to overrun; beyond that
 * they are dropped (and reported once), and a focus change drops what
 * was waiting for the old focus.
 *
 * The poll runs in the scheduler's timer interrupt, on whichever CPU
 * takes one: a CPU that finds another one polling leaves at once
 * (trylock), so the console UART's LSR/RBR pair is read by one CPU at a
 * time. The boot CPU's timer fires at least every 50 ms even when all
 * its vCPUs sleep, so input is never left unread (the console UART's
 * own interrupt is not used).
 */
#include "vmm/console_input.h"
#include "vmm/base/console.h"
#include "vmm/base/log.h"
#include "vmm/partition.h"
#include "vmm/sched.h"
#include "vmm/base/spinlock.h"
#include "vmm/dev/vuart.h"

#define CTRL_A 0x01
#define SWITCH_PRESSES 3
/* Bytes taken per poll: a burst of pasted text drains over several
 * ticks instead of holding an interrupt handler. */
#define POLL_BUDGET 32

#define PENDING_MAX 256

static spinlock_t input_lock = SPINLOCK_INIT;
static struct partition *focus;
static bool hv_focus;     /* the hypervisor takes the keys */
static u32 ctrl_a_run;
static u8 pending[PENDING_MAX];
static u32 pending_head, pending_count;
static bool dropped_reported;

/* A child the parent created shows its console through hvctl, not on
 * the machine's console (unless in test mode): it takes no input here. */
static bool takes_input(const struct partition *p)
{
	return vuart_present(p) && READ_ONCE(p->state) != PART_STOPPED &&
	       READ_ONCE(p->state) != PART_DYING && (p->is_parent || p->cfg.console_log);
}

/* The next partition after `cur` (or the first, from NULL) with a UART. */
static struct partition *next_focus(const struct partition *cur)
{
	u32 start = cur ? cur->slot + 1 : 0;

	/* The parent first: it is the machine's console. */
	for (u32 i = 0; !cur && i < MAX_PARTITIONS; i++) {
		struct partition *p = READ_ONCE(partitions[i]);
		if (p && p->is_parent && takes_input(p))
			return p;
	}

	for (u32 i = 0; i < MAX_PARTITIONS; i++) {
		struct partition *p = READ_ONCE(partitions[(start + i) % MAX_PARTITIONS]);
		if (takes_input(p))
			return p;
	}
	return NULL;
}

static void announce(void)
{
	if (hv_focus)
		pr_info("console: input goes to the hypervisor ('h' for its keys; Ctrl-A three times "
			"to switch)");
	else if (focus)
		pr_info("console: input goes to partition '%s' (Ctrl-A three times to switch)",
			focus->cfg.name);
	else
		pr_info("console: no partition takes input");
}

static void set_focus(struct partition *next)
{
	hv_focus = false;
	focus = next;
	pending_count = 0; /* typed for the old focus */
	dropped_reported = false;
	announce();
}

/* Waiting bytes into the focused UART, as far as its FIFO has room. */
static void drain(void)
{
	while (pending_count && takes_input(focus) && vuart_input_room(focus)) {
		vuart_input(focus, (char)pending[pending_head]);
		pending_head = (pending_head + 1) % PENDING_MAX;
		pending_count--;
	}
}

static void forward(char c)
{
	if (!takes_input(focus)) {
		/* The first byte, or the focused partition stopped: pick one,
		 * and say so when that changes anything. */
		struct partition *next = next_focus(focus);
		if (next != focus)
			set_focus(next);
	}
	if (!focus)
		return;
	drain();
	if (!pending_count && vuart_input_room(focus)) {
		vuart_input(focus, c);
		return;
	}
	if (pending_count < PENDING_MAX) {
		pending[(pending_head + pending_count) % PENDING_MAX] = (u8)c;
		pending_count++;
		return;
	}
	/* Still read (Ctrl-A must switch away from a guest that stopped
	 * reading), but what the guest cannot take is lost: say so once. */
	if (!dropped_reported) {
		dropped_reported = true;
		pr_warn("console: input for partition '%s' dropped: it is not reading its UART",
			focus->cfg.name);
	}
}

/* Three Ctrl-A: on to the next partition; the hypervisor comes between
 * the last and the first. */
static void switch_focus(void)
{
	struct partition *first = next_focus(NULL);
	struct partition *next = hv_focus ? first : next_focus(focus);

	if (!hv_focus && (!next || next == first)) {
		focus = NULL;
		pending_count = 0;
		hv_focus = true;
		announce();
		return;
	}
	set_focus(next);
}

/* A key while the hypervisor has the input. */
static void debug_key(u8 c)
{
	switch (c) {
	case 'v':
		sched_dump_request();
		break;
	case 'h':
	default:
		if (c != 'h')
			pr_info("console: key %#x means nothing to the hypervisor", c);
		pr_info("console: hypervisor keys: 'v' dumps every CPU's vCPUs (state, registers, "
			"pending interrupts, LAPIC), 'h' this list");
		break;
	}
}

static void handle(u8 c)
{
	if (c == CTRL_A) {
		if (++ctrl_a_run < SWITCH_PRESSES)
			return;
		ctrl_a_run = 0;
		switch_focus();
		return;
	}
	if (hv_focus) {
		ctrl_a_run = 0;
		debug_key(c);
		return;
	}
	/* Ctrl-A not followed by two more was meant for the guest. */
	for (; ctrl_a_run; ctrl_a_run--)
		forward(CTRL_A);
	forward((char)c);
}

void console_input_poll(void)
{
	if (!spin_trylock(&input_lock))
		return;
	drain();
	for (u32 n = 0; n < POLL_BUDGET; n++) {
		int c = console_getc();
		if (c < 0)
			break;
		handle((u8)c);
	}
	spin_unlock(&input_lock);
}

void console_input_forget(const struct partition *p)
{
	u64 f = spin_lock_irqsave(&input_lock);
	if (focus == p) {
		focus = NULL;
		pending_count = 0;
	}
	spin_unlock_irqrestore(&input_lock, f);
}

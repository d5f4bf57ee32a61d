/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_CONSOLE_INPUT_H
#define VMM_CONSOLE_INPUT_H

/*
 * Input on the hypervisor console goes to one partition's virtual UART
 * at a time (the input focus); Ctrl-A pressed three times in a row moves
 * the focus to the next partition that has a UART. Called from the
 * scheduler's timer interrupt on every CPU: costs one port read (or
 * nothing, when another CPU is polling) when no byte is waiting.
 */
void console_input_poll(void);
/* p is leaving the partition table: input no longer goes to it. Called
 * after it is out of the table, before it is freed. */
struct partition;
void console_input_forget(const struct partition *p);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/* hvctl: the command table, global options and help. */
#include "hvctl.h"

#include <stdio.h>
#include <string.h>

#include "hv_abi.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "create", cmd_create },
	{ "list", cmd_list },
	{ "info", cmd_info },
	{ "top", cmd_top },
	{ "console", cmd_console },
	{ "pause", cmd_pause },
	{ "resume", cmd_resume },
	{ "shutdown", cmd_shutdown },
	{ "reboot", cmd_reboot },
	{ "destroy", cmd_destroy },
	{ "sched", cmd_sched },
	{ "dmesg", cmd_dmesg },
	{ "events", cmd_events },
	{ "pool", cmd_pool },
	{ "pci-list", cmd_pci_list },
	{ "pci-return", cmd_pci_return },
	{ "backend", cmd_backend },
};

static int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return usage_err("help", "give one command");
	if (argc < 2) {
		help_main();
		return EXIT_OK;
	}
	if (!help_command(argv[1]))
		return usage_err(NULL, "no command '%s'", argv[1]);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: hvctl COMMAND [OPTIONS] [ARGUMENTS]  (see 'hvctl --help')\n", stderr);
		return EXIT_USAGE;
	}
	const char *c = argv[1];
	if (!strcmp(c, "--help") || !strcmp(c, "-h")) {
		help_main();
		return EXIT_OK;
	}
	if (!strcmp(c, "--version") || !strcmp(c, "-V")) {
		printf("hvctl %s (hypervisor ABI %u)\n", HVCTL_VERSION, HV_ABI_VERSION);
		return EXIT_OK;
	}
	if (!strcmp(c, "help"))
		return cmd_help(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(c, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	if (c[0] == '-')
		return usage_err(NULL, "unknown option '%s'", c);
	return usage_err(NULL, "unknown command '%s'", c);
}

// SPDX-License-Identifier: GPL-2.0-only
/* hvctl's usage text: `hvctl --help` and `hvctl help CMD`. */
#include "hvctl.h"

#include <stdio.h>
#include <string.h>

static const char main_help[] =
"NAME\n"
"    hvctl - manage the child partitions of the hv hypervisor\n"
"\n"
"SYNOPSIS\n"
"    hvctl COMMAND [OPTIONS] [ARGUMENTS]\n"
"    hvctl help [COMMAND]\n"
"    hvctl --version\n"
"\n"
"DESCRIPTION\n"
"    hvctl runs in the parent partition and manages child partitions through\n"
"    the hv driver's /dev/hv (load it with insmod /lib/modules/hv.ko). It\n"
"    needs root. Partitions live in the hypervisor: they outlive hvctl.\n"
"    NAME is a partition's name, or its numeric id when no name matches.\n"
"\n"
"COMMANDS\n"
"    create FILE [-c] [-n]       build and start a child from a definition file\n"
"    list [--json]               the partitions, one per line\n"
"    info NAME [--json]          everything the hypervisor reports about one\n"
"    top [-b] [-d SECS] [-n N]   CPU, waiting, cap and exits per partition\n"
"    console NAME [-e CHAR]      attach to its serial console (leave with Ctrl-])\n"
"    pause NAME                  stop running its vCPUs\n"
"    resume NAME                 run a paused partition again\n"
"    shutdown NAME [-w] [--timeout S]\n"
"                                press its ACPI power button (and wait)\n"
"    reboot NAME                 hard reset; then what on_reboot says\n"
"    destroy NAME                stop it now and free its memory\n"
"    sched NAME [--weight N] [--cap PCT]\n"
"                                show or set its scheduler weight and cap\n"
"    dmesg [-f]                  the hypervisor's log\n"
"    events [--json] [-f]        the partition events the hypervisor keeps\n"
"    pool [--json]               the memory children are built from\n"
"\n"
"    'hvctl help COMMAND' describes one command; 'hvctl help create' the\n"
"    definition file.\n"
"\n"
"EXIT STATUS\n"
"    0 success, 1 failure (one line on standard error says why), 2 a usage\n"
"    error.\n"
"\n"
"ENVIRONMENT\n"
"    HVCTL_DEVICE   the device to use instead of /dev/hv\n"
"\n"
"FILES\n"
"    /dev/hv                  the hv driver's device\n"
"    /lib/modules/hv.ko       the driver module\n";

struct cmd_help {
	const char *name;
	const char *text;
};

static const struct cmd_help helps[] = {
{ "create",
"SYNOPSIS\n"
"    hvctl create FILE [-c] [-e CHAR] [-n]\n"
"\n"
"DESCRIPTION\n"
"    Builds a child partition from the definition FILE and starts it: checks\n"
"    the definition and the images, creates the partition, takes its memory\n"
"    from the hypervisor's pool, writes the images into it, sets its first\n"
"    vCPU, and starts it. If anything fails after the partition was created,\n"
"    it is destroyed again and the cause is reported. A definition whose\n"
"    on_poweroff, on_reboot or on_crash says \"restart\" gets a monitor, a\n"
"    small daemon (hvmon-NAME) that loads the images again and restarts the\n"
"    child each time; it ends when the child is destroyed, and killing it\n"
"    never harms the child. It logs to the kernel log (dmesg).\n"
"\n"
"    -c, --console      attach to the child's console once it runs\n"
"    -e, --escape CHAR  the console's escape character (with -c)\n"
"    -n, --dry-run      check everything and show what would be loaded\n"
"                       where; create nothing (needs no hypervisor)\n"
"\n"
"DEFINITION FILE\n"
"    The syntax of Xen's xl.cfg: one KEY = VALUE per line (or separated by\n"
"    ';'), '#' starts a comment. Strings are in double quotes (with C escapes\n"
"    such as \\\" and \\n) or single quotes (taken as written); numbers are\n"
"    decimal or 0x hex; lists are [ \"a\", \"b\" ]. Unknown keys are errors, as\n"
"    is a key given twice. Relative paths are relative to the directory of\n"
"    the definition file. Errors name the file, line and key.\n"
"\n"
"    name = \"NAME\"       required: 1-31 letters, digits, '_', '.', '-';\n"
"                        unique among the partitions\n"
"    kernel = \"PATH\"     required: a Linux bzImage (boot protocol 2.12 or\n"
"                        later) or an ELF32/ELF64 image\n"
"    ramdisk = \"PATH\"    the initrd of a Linux kernel\n"
"    cmdline = \"TEXT\"    the Linux kernel's command line\n"
"    root = \"DEV\"        with extra, as xl: the command line becomes\n"
"    extra = \"TEXT\"      \"root=DEV TEXT\" (not together with cmdline)\n"
"    memory = MIB        memory in MiB, a multiple of 2 from 2 to 262144\n"
"                        (default 128)\n"
"    vcpus = N           virtual CPUs, 1 to 64 (default 1)\n"
"    cpus = \"LIST\"       physical CPUs its vCPUs may run on: \"all\"\n"
"                        (default) or CPUs and ranges like \"0-1,3\" or\n"
"                        \"0-7,^2\"\n"
"    cpu_weight = N      its scheduler share against the others, 1 to\n"
"                        65535 (default 256)\n"
"    cap = PCT           at most this % of one CPU in all (0, the default:\n"
"                        no cap; at most 100 x vcpus)\n"
"    on_poweroff = \"ACTION\"  when it powers off (default \"destroy\")\n"
"    on_reboot = \"ACTION\"    when it reboots (default \"restart\")\n"
"    on_crash = \"ACTION\"     when it crashes (default \"destroy\")\n"
"                        ACTION: \"destroy\" (free it), \"restart\" (load it\n"
"                        again and start it), \"preserve\" (keep it stopped\n"
"                        for inspection)\n"
"    platform = \"pc\"|\"none\"  the virtual PC (ACPI tables, UART, RTC, power\n"
"                        button); default \"pc\" for Linux, \"none\" for ELF\n"
"\n"
"    disk, vif and pci are reserved for virtual devices and refused for now.\n"
"\n"
"LOADING\n"
"    A Linux kernel is loaded with the 32-bit boot protocol: the zero page at\n"
"    0x9000, the command line at 0xa000, the kernel at its preferred address,\n"
"    the ramdisk as high in low memory as the kernel allows; the e820 map\n"
"    shows RAM below 0x9fc00, from 1 MiB to the top of low memory (3 GiB at\n"
"    most) and from 4 GiB for the rest. An ELF image is loaded by its PT_LOAD\n"
"    segments and entered with RDI = 0 and RSI = the memory size; ELF64 in\n"
"    long mode on an identity map of the first 4 GiB whose page tables take\n"
"    the top 24 KiB of low memory.\n"
"\n"
"EXAMPLE\n"
"    # /etc/hv/demo.cfg\n"
"    name = \"demo\"\n"
"    kernel = \"/boot/vmlinuz\"\n"
"    ramdisk = \"/boot/demo.cpio.gz\"\n"
"    cmdline = \"console=ttyS0\"\n"
"    memory = 128\n"
"    vcpus = 1\n"
"\n"
"    hvctl create /etc/hv/demo.cfg -c\n" },
{ "list",
"SYNOPSIS\n"
"    hvctl list [--json]\n"
"\n"
"DESCRIPTION\n"
"    Lists the partitions (the parent and pre-launched children too): ID,\n"
"    NAME, STATE (created, running, paused, stopped, rebuilding, dying),\n"
"    VCPUS, MEMORY, CPU-TIME (all vCPUs) and UPTIME (since it last started).\n"
"\n"
"    -j, --json   one JSON array of objects with every field 'info' shows\n"
"                 (sizes in bytes, times in nanoseconds)\n" },
{ "info",
"SYNOPSIS\n"
"    hvctl info NAME [--json]\n"
"\n"
"DESCRIPTION\n"
"    Shows everything the hypervisor reports about a partition: state, kind,\n"
"    platform, vCPUs, memory (and how much is populated), allowed CPUs,\n"
"    weight and cap, what happens on power-off, reboot and crash, how it\n"
"    last stopped and why, restarts, uptime, CPU time (all vCPUs and each),\n"
"    time spent waiting for a CPU and held back by its cap, and its exits\n"
"    to the hypervisor by reason.\n"
"\n"
"    -j, --json   one JSON object (sizes in bytes, times in nanoseconds)\n" },
{ "top",
"SYNOPSIS\n"
"    hvctl top [-b] [-d SECS] [-n ITERATIONS]\n"
"\n"
"DESCRIPTION\n"
"    Shows each partition's use of the machine over each interval: CPU%\n"
"    (CPU time of all its vCPUs over the interval; 100% is one CPU), WAIT%\n"
"    (runnable but waiting for a CPU), CAP% (runnable but held back by its\n"
"    cap), its memory, total CPU time and exits per second. The first\n"
"    interval is at most a second. q quits.\n"
"\n"
"    -b, --batch           lines for scripts instead of a screen: a header,\n"
"                          then one line per partition per iteration:\n"
"                          ITER ID NAME STATE VCPUS MEM_MIB CPU_PCT WAIT_PCT\n"
"                          CAPPED_PCT RUN_S WAIT_S CAPPED_S EXITS_PER_S\n"
"    -d, --delay SECS      the interval (default 3, from 0.1)\n"
"    -n, --iterations N    stop after N intervals (default: never)\n" },
{ "console",
"SYNOPSIS\n"
"    hvctl console NAME [-e CHAR] [--linger SECS] [-q]\n"
"\n"
"DESCRIPTION\n"
"    Attaches to a partition's serial console (its 16550 UART): shows what\n"
"    the hypervisor still holds of its output from the start, then its new\n"
"    output, and types what you type. It keeps working while the partition\n"
"    boots and reboots.\n"
"\n"
"    On a terminal, input is raw and the escape character (Ctrl-] unless -e\n"
"    says otherwise) detaches. When standard input is not a terminal (a\n"
"    pipe or a file), all of it is typed, then output is shown until the\n"
"    partition has been quiet for --linger seconds; so a script can do\n"
"        echo 'uname -a' | hvctl console demo\n"
"\n"
"    -e, --escape CHAR   the escape character: '^]' (the default), '^A',\n"
"                        any single character, or 'none'\n"
"    --linger SECS       after the end of input, wait for this much quiet\n"
"                        (default 1)\n"
"    -q, --quiet         no line on attaching\n" },
{ "pause",
"SYNOPSIS\n"
"    hvctl pause NAME\n"
"\n"
"DESCRIPTION\n"
"    Stops running the partition's vCPUs; its memory and state stay.\n" },
{ "resume",
"SYNOPSIS\n"
"    hvctl resume NAME\n"
"\n"
"DESCRIPTION\n"
"    Runs a paused partition again.\n" },
{ "shutdown",
"SYNOPSIS\n"
"    hvctl shutdown NAME [-w] [--timeout SECS]\n"
"\n"
"DESCRIPTION\n"
"    Presses the partition's ACPI power button, which asks its OS to shut\n"
"    down; what follows the power-off is its on_poweroff.\n"
"\n"
"    -w, --wait           wait until it powers off and say whether it did;\n"
"                         exit status 1 if it did not in time, or it\n"
"                         rebooted, crashed or was destroyed instead\n"
"    -t, --timeout SECS   how long -w waits (default 60; implies -w)\n" },
{ "reboot",
"SYNOPSIS\n"
"    hvctl reboot NAME\n"
"\n"
"DESCRIPTION\n"
"    Resets the partition at once, as a reset button would (its OS is not\n"
"    asked); what follows is its on_reboot.\n" },
{ "destroy",
"SYNOPSIS\n"
"    hvctl destroy NAME\n"
"\n"
"DESCRIPTION\n"
"    Stops the partition now, whatever its state, and returns its memory to\n"
"    the pool; its monitor ends too. Succeeds whenever the name exists\n"
"    (except for the parent partition).\n" },
{ "sched",
"SYNOPSIS\n"
"    hvctl sched NAME [--weight N] [--cap PCT]\n"
"\n"
"DESCRIPTION\n"
"    Without options, shows the partition's scheduler weight and cap; with\n"
"    them, changes them (as Xen's credit2: the weight is its share against\n"
"    the others, the cap the most of one CPU it may use in all).\n"
"\n"
"    -w, --weight N   1 to 65535 (the default for a partition is 256)\n"
"    -c, --cap PCT    % of one CPU, at most 100 x its vCPUs; 0 removes it\n" },
{ "dmesg",
"SYNOPSIS\n"
"    hvctl dmesg [-f]\n"
"\n"
"DESCRIPTION\n"
"    Prints the hypervisor's log, as much as it still holds.\n"
"\n"
"    -f, --follow   keep printing new lines until interrupted\n" },
{ "events",
"SYNOPSIS\n"
"    hvctl events [--json] [-f]\n"
"\n"
"DESCRIPTION\n"
"    Prints the partition events the hypervisor keeps (the newest 256),\n"
"    oldest first: SEQ, TIME (seconds since the hypervisor started), ID,\n"
"    NAME, EVENT (created, started, paused, resumed, rebooted, poweroff,\n"
"    crashed, stopped, destroyed, shutdown-requested), ACTION (what followed\n"
"    a reboot, power-off or crash) and REASON.\n"
"\n"
"    -j, --json     one JSON array; with -f, one JSON object per line\n"
"    -f, --follow   then wait for new events until interrupted\n" },
{ "pool",
"SYNOPSIS\n"
"    hvctl pool [--json]\n"
"\n"
"DESCRIPTION\n"
"    Shows the hypervisor's memory pool, which children's memory comes from:\n"
"    free (what a new child can have now), total, the reserve it keeps for\n"
"    itself, the CPUs online and the number of partitions.\n"
"\n"
"    -j, --json   one JSON object (sizes in bytes)\n" },
{ "help",
"SYNOPSIS\n"
"    hvctl help [COMMAND]\n"
"\n"
"DESCRIPTION\n"
"    Describes hvctl, or one command.\n" },
};

void help_main(void)
{
	fputs(main_help, stdout);
}

bool help_command(const char *cmd)
{
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (!strcmp(cmd, helps[i].name)) {
			printf("hvctl %s\n\n%s", helps[i].name, helps[i].text);
			return true;
		}
	return false;
}

/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef VMM_PARTITION_H
#define VMM_PARTITION_H

#include "vmm/base/types.h"
#include "vmm/exit.h"
#include "vmm/base/spinlock.h"
#include "vmm/vcpu.h"
#include "ept/pt.h"
#include "partitions/hv_abi.h"
#include "vmm/hyperv.h"

#define MAX_PARTITIONS 64
#define MAX_VCPUS 64
#define MAX_RAM_REGIONS 64
#define MAX_IO_DEVICES 24
#define MAX_MMIO_DEVICES 48 /* the parent: power registers, ECAM, up to 32 MSI-X tables */

enum entry_mode { ENTRY_REAL, ENTRY_PROTECTED, ENTRY_LONG };
/* The boot protocol an image speaks (partitions/build.c). */
enum image_kind { IMAGE_PLAIN, IMAGE_LINUX, IMAGE_MULTIBOOT };
/* RESTARTING: a reset is reloading the partition; no vCPU of it runs.
 * PAUSED: stopped by the parent for now; resumes where it was.
 * REBUILD: after a reset with on_reboot=restart (or a crash with
 * on_crash=restart), memory scrubbed and vCPUs reset, waiting for its
 * builder in the parent to load it and start it again.
 * DYING: being destroyed (vCPUs leaving their CPUs, memory scrubbed). */
enum part_state { PART_CREATED, PART_RUNNING, PART_RESTARTING, PART_STOPPED, PART_PAUSED,
		  PART_REBUILD, PART_DYING };
/* What a test run expects of a partition (expect=): test mode passes only
 * when every partition ends the way its configuration says. */
enum part_expect { EXPECT_PASS, EXPECT_FAIL, EXPECT_FAULT, EXPECT_TRIPLE_FAULT,
		   EXPECT_TIMEOUT, EXPECT_EXIT, EXPECT_POWEROFF, EXPECT_RESET, EXPECT_ANY };
enum part_outcome { OUTCOME_NONE, OUTCOME_PASS, OUTCOME_FAIL, OUTCOME_FAULT,
		    OUTCOME_TRIPLE_FAULT, OUTCOME_TIMEOUT, OUTCOME_EXIT, OUTCOME_POWEROFF,
		    OUTCOME_RESET, OUTCOME_PANIC, OUTCOME_DESTROYED };

/* A partition's description, from a boot module line or (later) the parent. */
struct part_config {
	char name[HV_NAME_MAX];
	u64 mem;          /* bytes */
	u32 vcpus;
	enum entry_mode mode;
	bool mode_set;
	u64 load;         /* flat images: load address */
	u64 entry;        /* flat images: entry point */
	bool load_set, entry_set;
	bool start_all;   /* start every vCPU at the entry (else APs wait for SIPI) */
	bool testdev;
	u64 cpus_mask;    /* physical CPUs its vCPUs may run on; 0 = any */
	enum part_expect expect;
	u32 timeout_ms;   /* 0 = none */
	bool restart_on_reset; /* triple fault, reset register, i8042 pulse */
	bool platform_pc; /* the virtual PC platform (vmm/platform.h) */
	bool platform_set;
	bool stop_unclaimed; /* unclaimed guest-physical accesses stop it */
	u16 exit_port;    /* a test-exit port (QEMU's isa-debug-exit), 0 = none */
	bool parent;      /* the parent partition (partitions/parent.h) */
	bool managed;     /* created by the parent (partitions/manage.c) */
	bool console_log; /* its console output goes to the log too */
	u8 on_poweroff, on_reboot, on_crash; /* HV_ACTION_*: managed children */
	u32 weight;       /* scheduler share (HV_WEIGHT_DEFAULT) */
	u32 cap;          /* % of one CPU; 0 = none */
	char kernel_cmdline[512]; /* what follows "--": the guest's own command line */
	char module_cmdline[128]; /* a multiboot child's module's: its initrd line's "--" */
	u32 pci[HV_PCI_PT_MAX];   /* PCI functions passed through (pre-launched children) */
	u32 npci;
};

struct mem_region {
	u64 gpa;
	u64 size;
	paddr_t hpa;      /* host-contiguous */
	bool pool;        /* taken from the pool: scrubbed and returned when the partition goes */
};

struct partition;

/*
 * What only a partition's builder (partitions/) knows, asked for by the
 * core. Every hook may be NULL.
 */
struct partition_ops {
	/* A reset with on_reset=restart: the image and every vCPU's starting
	 * state again, on memory the core has scrubbed; NULL or why not. */
	const char *(*reload)(struct partition *p);
	/* A port no device model claims (default: reads all ones, writes vanish). */
	void (*unclaimed_port)(struct vcpu *v, u16 port, u8 size, bool in, u32 *val);
	/* A guest-physical address with neither RAM nor a device behind it:
	 * true when the hook mapped something there (the access is retried). */
	bool (*map_on_demand)(struct partition *p, u64 gpa);
	/* Whether gpa is hidden from the partition: reads float high, writes
	 * vanish, and denied() hears of each such access. */
	bool (*hidden)(const struct partition *p, u64 gpa);
	void (*denied)(const struct partition *p, u64 gpa, bool write);
};

struct io_device {
	u16 base, count;
	void *opaque;
	/* Return 0, or a negative error that stops the partition. */
	int (*read)(struct vcpu *v, void *opaque, u16 port, u8 size, u32 *val);
	int (*write)(struct vcpu *v, void *opaque, u16 port, u8 size, u32 val);
};

struct platform_state;

struct mmio_device {
	u64 base, size;
	void *opaque;
	int (*read)(struct vcpu *v, void *opaque, u64 offset, u8 size, u64 *val);
	int (*write)(struct vcpu *v, void *opaque, u64 offset, u8 size, u64 val);
};

struct testdev {
	spinlock_t lock;  /* vCPUs on several CPUs print at once */
	char line[160];
	u32 len;
	u8 scratch[256];
	u64 mmio_accesses;
};

struct partition {
	u32 id;                /* 1, 2, ...: never reused */
	u32 slot;              /* its place in partitions[] */
	bool is_parent;        /* privileged: the parent-only hypercalls, the machine's console */
	const struct partition_ops *ops;
	struct part_config cfg;
	volatile u32 state;
	spinlock_t lock;
	struct pt slat;
	u64 slat_generation;   /* bumped when mappings are removed */
	u32 slat_pages;        /* its second-level table pages */
	u32 slat_quota;        /* at most this many; 0 = no limit */
	struct mem_region ram[MAX_RAM_REGIONS];
	u32 nr_ram;
	struct vcpu *vcpu[MAX_VCPUS];
	u32 nr_vcpus;
	struct io_device io[MAX_IO_DEVICES];
	u32 nr_io;
	/* Ports whose accesses exit, one bit each, for the backends' I/O
	 * permission maps (PORT_BITMAP_PAGES pages); 0: every port exits. */
	paddr_t port_bitmap;
	struct mmio_device mmio[MAX_MMIO_DEVICES];
	u32 nr_mmio;
	struct testdev testdev;
	struct platform_state *platform; /* the virtual PC (vmm/platform.h), or NULL */
	struct hyperv_state hyperv;
	u64 exit_counts[NR_EXIT_STATS];
	/* Console output budget (partition_console_allow): a token bucket. */
	spinlock_t console_lock;
	u64 console_tokens, console_refill_tsc, console_dropped;
	u64 start_tsc, stop_tsc;
	enum part_outcome outcome;
	u32 result_code;
	char stop_reason[128];
	/* The builder's (partitions/build.c), kept for restarts. */
	const u8 *image;       /* boot module */
	u64 image_size;
	enum image_kind kind;
	const u8 *initrd;      /* initrd module of a Linux child, or NULL */
	u64 initrd_size;
	u32 restarts;
	/* Its console output (HVC_CONSOLE_READ): the newest CONSOLE_RING
	 * bytes; con_head counts every byte. NULL for the parent. */
	char *con_ring;
	u64 con_head;
	spinlock_t con_lock;
	/* Children from the parent (partitions/manage.c). */
	u64 populated;         /* bytes of RAM taken from the pool so far */
	paddr_t fill_hpa;      /* a chunk being scrubbed for partition_fill_ram */
	u64 fill_size, fill_done;
	u64 reserved_pool;     /* pool bytes promised to it at creation */
	/* The scheduler's cap: CPU time left in the current period. */
	spinlock_t cap_lock;
	s64 cap_budget;
	u64 cap_period;        /* host TSC at which the period started */
	u64 run_tsc_base;      /* CPU time of vCPUs gone (not kept per vCPU) */
	/* What the reaper does next (partition_reap): none, destroy it,
	 * or reset it for its builder (REBUILD). */
	u8 reap;
	u8 reap_phase;
	u32 reap_region;
	u64 reap_offset;
	u64 reap_wait_us;      /* when it began to wait for its backend, or 0 */
	u8 ended_event, ended_action; /* posted when a rebuild is done */
	char ended_reason[96];
	/* Changes to slat once it runs (the parent's on-demand maps, shares). */
	spinlock_t slat_lock;
	/* Its RAM as mapped into another partition for device backends
	 * (vmm/share.h): the parent, or NULL. */
	struct partition *shared_to;
	u8 unshare_phase;
	struct channel *chan;  /* its device channel (vmm/channel.h), or NULL */
};

#define CONSOLE_RING KiB(16)

enum reap_work { REAP_NONE, REAP_DESTROY, REAP_REBUILD };

extern struct partition *partitions[MAX_PARTITIONS];
extern u32 nr_partitions;

/*
 * The lifecycle (vmm/partition.c). A builder allocates a partition,
 * gives it memory, devices and vCPUs, registers it and starts it;
 * partition_free() undoes whatever of that was done, for a partition that
 * never started or has stopped. Errors come back as a reason.
 */
struct partition *partition_alloc(const struct part_config *cfg,
				  const struct partition_ops *ops);
/* RAM from the pool at [gpa, gpa+size), scrubbed, in 2 MiB-aligned extents. */
const char *partition_add_ram(struct partition *p, u64 gpa, u64 size);
/* [gpa, gpa+size) of RAM from the pool in bounded steps (the parent's
 * HVC_PARTITION_POPULATE): each call scrubs at most `budget` bytes of a
 * chunk -- 1 GiB aligned where gpa and the pool allow, so the nested
 * tables can map it with 1 GiB pages -- and maps a chunk once it is all
 * zero. Returns the bytes of the range mapped so far, or -1 with *why. */
s64 partition_fill_ram(struct partition *p, u64 gpa, u64 size, u64 budget, const char **why);
/* Host memory at hpa mapped at gpa (the parent's identity map); pool says
 * whether it goes back to the pool with the partition. */
const char *partition_add_region(struct partition *p, u64 gpa, paddr_t hpa, u64 size, bool pool);
/* A vCPU with this local APIC ID, allowed on the CPUs of cpu_mask (0 = any). */
const char *partition_add_vcpu(struct partition *p, u32 apic_id, u64 cpu_mask);
/* Gives it a slot (its id) in the partition table. */
const char *partition_register(struct partition *p);
void partition_free(struct partition *p);
/* Zeroes its memory from the pool (before the machine is reset or
 * powered off under a stopped partition). */
void partition_scrub(struct partition *p);
/* Places its vCPUs on CPUs and lets them run. */
void partition_start(struct partition *p);
/* Called once the last running partition has stopped. */
void partition_set_all_stopped_hook(void (*fn)(void));

/*
 * Port intercepts. A partition starts with every port access exiting;
 * partition_pass_ports() lets the accesses of ports that no device claims
 * and partition_trap_ports() did not name go straight to the hardware
 * (the parent's own devices). The CPU checks every byte an access
 * touches (SDM Vol. 3C 26.1.3, APM Vol. 2 15.10.1): an access that
 * touches one trapped port exits whole.
 */
#define PORT_BITMAP_PAGES 3 /* 64 Ki bits, plus SVM's page for accesses past 0xffff */
const char *partition_pass_ports(struct partition *p);
void partition_trap_ports(struct partition *p, u32 base, u32 count);

int partition_add_io(struct partition *p, const struct io_device *d);
int partition_add_mmio(struct partition *p, const struct mmio_device *d);
const struct io_device *partition_find_io(struct partition *p, u16 port);
const struct mmio_device *partition_find_mmio(struct partition *p, u64 gpa);

/* Host address of guest RAM at gpa when [gpa, gpa+len) lies in one
 * region the partition owns; NULL otherwise. */
void *gpa_to_hva(struct partition *p, u64 gpa, u64 len);

/*
 * Reloads the image and resets every vCPU (triple fault, reset register
 * or keyboard-controller reset with on_reset=restart), from an exit
 * handler of one of the partition's vCPUs holding no device lock. Returns
 * 0 when the partition restarts (or another vCPU's restart is already
 * under way), -1 when it may not (restart limit, load failure, stopped):
 * the caller then stops it.
 */
int partition_restart(struct partition *p);
/* Stops every vCPU of the partition and reports it (idempotent); a
 * managed child then meets its on_poweroff/on_reboot/on_crash. */
void partition_stop(struct partition *p, enum part_outcome outcome, const char *reason);
/* The parent's lifecycle calls (partitions/manage.c), with
 * partition_mgmt_lock held. Pause and resume: -1 unless running/paused. */
extern spinlock_t partition_mgmt_lock;
int partition_pause(struct partition *p);
int partition_resume(struct partition *p);
/* Destroys p: stops it, takes its vCPUs off their CPUs, scrubs its memory
 * and frees it, a bounded share per call; returns true when p is gone. */
bool partition_destroy_step(struct partition *p);
/* Work the reaper has (destroys and rebuilds the hypervisor itself
 * started); run by the boot CPU's scheduler loop. */
void partition_reap(void);
extern volatile u32 partition_reap_pending;
/* The core's own: what follows a stop (vmm/partition_reap.c), and the
 * last step of a destroy, once the memory is scrubbed. */
void partition_ended(struct partition *p, enum part_outcome outcome, const char *reason);
void partition_free_scrubbed(struct partition *p);
/* Takes p out of the table (idempotent); freeing does it too. */
void partition_unregister(struct partition *p);
/* The pool children get memory from: what is free beyond the
 * hypervisor's own reserve, less what created children were promised.
 * Reserve fails (false) when it does not have `bytes`. */
void partition_pool_init(u64 hypervisor_reserve);
u64 partition_pool_free(void);
u64 partition_pool_reserve_bytes(void);
bool partition_pool_reserve(struct partition *p, u64 bytes);
void partition_pool_release(struct partition *p);
/* Looks a partition up by id (1..MAX_PARTITIONS); NULL if none. */
struct partition *partition_by_id(u64 id);
/* Appends console output to its ring (and, with console_log, the log). */
void partition_console_record(struct partition *p, const char *s, u32 n);
/* Copies ring bytes from position *pos (moved up to the oldest kept);
 * returns the count, *end = position after the newest. */
u32 partition_console_read(struct partition *p, u64 *pos, u64 *end, char *buf, u32 len);
const char *outcome_name(enum part_outcome o);
const char *partition_state_name(u32 state);
/* Whether n more bytes of the partition's console output may reach the
 * log: up to 64 KiB at once, 16 KiB/s sustained (a UART at 115200 baud
 * moves 11.5 KiB/s); what is over is dropped and reported. */
bool partition_console_allow(struct partition *p, u32 n);

#endif

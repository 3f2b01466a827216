// Containment: the namespaces, identity and filesystem view a run gets with --contain.
// The launcher clones the run's init with contain_clone_flags(); the init calls
// contain_setup() before it forks the entry point, which calls contain_enter_identity()
// just before its seccomp filter. See sandbox/README.md, "Containment".
#ifndef CJR_CONTAIN_H
#define CJR_CONTAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct contain_options {
    /// Root only: the entry point runs as uid = gid = uid_base + the launcher's pid, which
    /// no other live run can have. Ignored for an ordinary user (a user namespace keeps
    /// the user's own ids).
    unsigned long uid_base;
    /// Paths made invisible, besides the standard ones (/root, /home, /run, /var/tmp, and
    /// /tmp and /dev/shm, which are private): an empty read-only tmpfs over a directory, an
    /// empty read-only file over a file.
    const char **hide;
    int hide_count;
    /// The run's own directories: bind-mounted read-write at the same path (and, as root,
    /// handed to the run's uid).
    const char **bind;
    int bind_count;
    /// Host paths (directories or files) a hidden directory would cover that the run
    /// needs, e.g. an execution environment under /root: mounted back read-only.
    const char **expose;
    int expose_count;
    /// Size of the private /tmp and /dev/shm, in bytes (0: the kernel's default, half of RAM).
    unsigned long long tmp_bytes;
    /// A network namespace of its own (egress none).
    bool netns;

    // Filled by the launcher before the clone.
    bool as_root;
    uid_t outer_uid;
    gid_t outer_gid;
    uid_t run_uid;
    gid_t run_gid;
};

/// Namespaces to clone the run's init into: pid, mount, IPC, plus user (an ordinary user)
/// and network (opts->netns).
unsigned long long contain_clone_flags(const struct contain_options *opts);

/// In the run's init (PID 1 of its namespaces), before anything else: maps the user
/// namespace, joins the cgroup v1 directories in `joins`, brings up loopback, gives the
/// run's directories to its uid, builds the filesystem view, enters a cgroup namespace and
/// changes to `workdir`. False with the reason in `why` when any of it fails.
bool contain_setup(const struct contain_options *opts, const char **joins, int join_count, const char *workdir,
                   char *why, size_t size);

/// In the entry point's process, just before the filter: drops every capability and, as
/// root, becomes the run's uid and gid with no supplementary groups.
bool contain_enter_identity(const struct contain_options *opts, char *why, size_t size);

/// For --probe: whether a contained child can be made here. 0 no (with the reason, and
/// what would enable it, in *reason), 1 as root, 2 through an unprivileged user namespace.
/// Runs in a forked child; leaves nothing behind.
int contain_probe(const char **reason);

#endif

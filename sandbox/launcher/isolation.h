// What the launcher does to the entry point's process just before exec: a network namespace
// of its own and the seccomp filter. And `cjr-launch --probe`, which tells what this host
// allows. See sandbox/README.md.
#ifndef CJR_ISOLATION_H
#define CJR_ISOLATION_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum netns_mode {
    NETNS_NONE = 0,   // could not get one
    NETNS_ROOT = 1,   // unshare(CLONE_NEWNET): the caller has CAP_SYS_ADMIN
    NETNS_USERNS = 2, // unshare(CLONE_NEWUSER | CLONE_NEWNET), own uid and gid mapped
};

/// Moves the calling process into a new network namespace holding only a loopback
/// interface (brought up; it reaches nothing but the namespace itself). Tries a plain
/// CLONE_NEWNET first, then a user namespace that maps the caller's own uid and gid, so the
/// process keeps its identity. `through_userns` skips the plain CLONE_NEWNET: a root job
/// without the seccomp filter could otherwise setns() back into the host's namespace, which
/// it cannot do from a user namespace of its own (it holds no capability over the host's).
/// On failure returns NETNS_NONE with the reason in `why`.
enum netns_mode isolation_enter_netns(bool through_userns, char *why, size_t size);

/// After entering a new user namespace: maps the caller's own uid and gid (its ids in the
/// parent namespace), and only them, so files, `id` and permission checks stay what they
/// were. Denies setgroups first, as an unprivileged process must before writing gid_map.
bool isolation_map_ids(uid_t uid, gid_t gid, char *why, size_t size);

/// Brings up the loopback interface of the caller's network namespace.
bool isolation_loopback_up(char *why, size_t size);

/// Sets PR_SET_NO_NEW_PRIVS and installs the compiled filter on the calling process.
bool isolation_install_filter(const struct sock_fprog *program, char *why, size_t size);

/// `cjr-launch --probe`: prints `seccomp=yes|no`, `netns=root|userns|no`,
/// `userns=yes|no` and `contain=root|userns|no`, one per line, from short-lived child processes; returns 0.
int isolation_probe(void);

#endif

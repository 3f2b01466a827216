// Containment (see contain.h and sandbox/README.md, "Containment"): the run's filesystem
// view is the host's root made read-only, with empty tmpfs mounts over what the run must
// not see, its own directories mounted back read-write and the paths its execution
// environment needs mounted back read-only, a minimal /dev, a private /tmp and a /proc of
// its own PID namespace. Built with the new mount API (open_tree, move_mount,
// mount_setattr: Linux 5.12 or later), which works the same as root and inside an
// unprivileged user namespace.
#define _GNU_SOURCE
#include "contain.h"
#include "isolation.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/keyctl.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

/// struct mount_attr, spelled out so older headers build too.
struct view_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};

static int open_tree_clone(const char *path) {
    return (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
}

static int attach(int tree, const char *path) {
    return (int)syscall(SYS_move_mount, tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
}

static int set_attributes(int dirfd, const char *path, unsigned flags, uint64_t set, uint64_t clear) {
    struct view_attr attr = {.attr_set = set, .attr_clr = clear};
    return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof attr);
}

static bool fail(char *why, size_t size, const char *what, const char *path) {
    snprintf(why, size, "%s %s: %s", what, path, strerror(errno));
    return false;
}

/// Whether `path` is `dir` or lies beneath it (both canonical).
static bool is_under(const char *path, const char *dir) {
    size_t length = strlen(dir);
    if (length == 1) return true; // "/"
    return strncmp(path, dir, length) == 0 && (path[length] == 0 || path[length] == '/');
}

/// Creates `path` (a directory, or an empty file when !directory) and its missing parents.
static bool make_mountpoint(const char *path, bool directory) {
    char buffer[PATH_MAX];
    if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer) return errno = ENAMETOOLONG, false;
    for (char *slash = strchr(buffer + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        if (mkdir(buffer, 0755) != 0 && errno != EEXIST) return false;
        *slash = '/';
    }
    if (directory) return mkdir(buffer, 0755) == 0 || errno == EEXIST;
    int fd = open(buffer, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    close(fd);
    return true;
}

// --- The run's own directories, handed to its uid (root only) -----------------------

static uid_t give_uid;
static gid_t give_gid;

static int give_entry(const char *path, const struct stat *info, int type, struct FTW *where) {
    (void)info;
    (void)type;
    (void)where;
    return lchown(path, give_uid, give_gid) == 0 ? 0 : -1;
}

static bool give_tree(const char *path, uid_t uid, gid_t gid, char *why, size_t size) {
    give_uid = uid;
    give_gid = gid;
    if (nftw(path, give_entry, 32, FTW_PHYS) != 0) return fail(why, size, "chown", path);
    if (chmod(path, 0700) != 0) return fail(why, size, "chmod", path);
    return true;
}

// --- The view -----------------------------------------------------------------------

/// A detached copy of a host path, taken while it is still visible, to be attached again
/// over the hidden directories.
struct layer {
    char *path;
    int tree;
    bool directory;
    bool writable;
};

static const char *const standard_hidden[] = {"/root", "/home", "/run", "/var/tmp", "/tmp"};
static const char *const device_names[] = {"null", "zero", "full", "random", "urandom", "tty"};

/// /dev: a tmpfs holding the harmless device nodes (bind-mounted from the host's, which
/// also works inside a user namespace, where mknod does not), the usual links, a private
/// /dev/shm and a private devpts instance.
static bool build_dev(const int *nodes, unsigned long long tmp_bytes, char *why, size_t size) {
    if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") != 0) {
        return fail(why, size, "mount tmpfs on", "/dev");
    }
    for (size_t i = 0; i < sizeof device_names / sizeof *device_names; i++) {
        if (nodes[i] < 0) continue;
        char path[64];
        snprintf(path, sizeof path, "/dev/%s", device_names[i]);
        if (!make_mountpoint(path, false) || attach(nodes[i], path) != 0) return fail(why, size, "bind", path);
    }
    static const char *const links[][2] = {
        {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"},
        {"/proc/self/fd/2", "/dev/stderr"}, {"pts/ptmx", "/dev/ptmx"},
    };
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        if (symlink(links[i][0], links[i][1]) != 0) return fail(why, size, "symlink", links[i][1]);
    }
    char options[64];
    snprintf(options, sizeof options, "mode=1777,size=%llu", tmp_bytes);
    if (mkdir("/dev/shm", 0755) != 0 || mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, tmp_bytes ? options : "mode=1777") != 0) {
        return fail(why, size, "mount tmpfs on", "/dev/shm");
    }
    // Terminals are optional: a host without devpts in user namespaces still runs jobs.
    if (mkdir("/dev/pts", 0755) == 0) {
        mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
    }
    return true;
}

/// One step of the view after the host's tree is read-only: hiding a path (an empty tmpfs
/// over a directory, an empty file over a file) or attaching a layer.
struct step {
    const char *path;
    struct layer *layer; // NULL: hide
    bool directory;
};

/// Shorter paths first, so parents come before children; at the same path the layer
/// goes first, so that the hide wins.
static int step_order(const void *a, const void *b) {
    const struct step *x = a, *y = b;
    size_t lx = strlen(x->path), ly = strlen(y->path);
    if (lx != ly) return lx < ly ? -1 : 1;
    return (x->layer ? 0 : 1) - (y->layer ? 0 : 1);
}

static bool build_view(const struct contain_options *opts, char *why, size_t size) {
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return fail(why, size, "make private", "/");

    // 1. What to hide: the standard directories and the caller's paths (directories, or
    //    files such as cjr's binaries), canonical.
    size_t standard = sizeof standard_hidden / sizeof *standard_hidden;
    size_t hide_total = standard + (size_t)opts->hide_count;
    char **hidden = calloc(hide_total, sizeof *hidden);
    bool *hidden_directory = calloc(hide_total, sizeof *hidden_directory);
    if (!hidden || !hidden_directory) return fail(why, size, "calloc", "hidden");
    int hidden_count = 0;
    for (size_t i = 0; i < hide_total; i++) {
        const char *path = i < standard ? standard_hidden[i] : opts->hide[i - standard];
        char *canonical = realpath(path, NULL);
        struct stat info;
        if (!canonical || stat(canonical, &info) != 0 || strcmp(canonical, "/") == 0) {
            free(canonical);
            continue;
        }
        hidden_directory[hidden_count] = S_ISDIR(info.st_mode);
        hidden[hidden_count++] = canonical;
    }

    // 2. Copies of what goes back on top, taken while the host's tree is intact: the run's
    //    own directories, and whatever the run needs from beneath a hidden directory.
    int layer_count = opts->bind_count + opts->expose_count + 1;
    struct layer *layers = calloc((size_t)layer_count, sizeof *layers);
    if (!layers) return fail(why, size, "calloc", "layers");
    int used = 0;
    for (int i = 0; i < layer_count; i++) {
        bool writable = i < opts->bind_count;
        // The last one: where /etc/resolv.conf really is (often under /run), so names resolve.
        const char *path = writable ? opts->bind[i]
            : i < opts->bind_count + opts->expose_count ? opts->expose[i - opts->bind_count] : "/etc/resolv.conf";
        char *canonical = realpath(path, NULL);
        if (!canonical) {
            if (writable) return fail(why, size, "resolve", path);
            continue; // an environment directory that is not there: nothing to show
        }
        bool under_hidden = false;
        for (int j = 0; j < hidden_count && !under_hidden; j++) under_hidden = is_under(canonical, hidden[j]);
        if (!writable && !under_hidden) {
            free(canonical); // already visible, read-only
            continue;
        }
        struct stat info;
        int tree = open_tree_clone(canonical);
        if (tree < 0 || fstat(tree, &info) != 0) return fail(why, size, "copy the mount tree at", canonical);
        layers[used++] = (struct layer){canonical, tree, S_ISDIR(info.st_mode), writable};
    }
    int nodes[sizeof device_names / sizeof *device_names];
    for (size_t i = 0; i < sizeof device_names / sizeof *device_names; i++) {
        char path[64];
        snprintf(path, sizeof path, "/dev/%s", device_names[i]);
        nodes[i] = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (nodes[i] < 0 && strcmp(device_names[i], "tty") != 0) return fail(why, size, "copy", path);
    }

    // 3. The host's tree, read-only and without set-uid, everywhere.
    if (set_attributes(AT_FDCWD, "/", AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0) != 0) {
        return fail(why, size, "make read-only", "/");
    }

    // 4. /dev and /proc of the run's own; an empty file to hide files with.
    bool built = build_dev(nodes, opts->tmp_bytes, why, size);
    for (size_t i = 0; i < sizeof device_names / sizeof *device_names; i++) {
        if (nodes[i] >= 0) close(nodes[i]);
    }
    if (!built) return false;
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) return fail(why, size, "mount", "/proc");
    const char *empty = "/dev/.cjr-empty";
    if (!make_mountpoint(empty, false)) return fail(why, size, "create", empty);

    // 5. Hides and layers, parents before children. A hide whose path is not in the view at
    //    its turn is already covered; one beneath a layer (a hidden data directory inside an
    //    exposed ~/.local, say) hides again what the layer brought back.
    struct step *steps = calloc((size_t)(hidden_count + used), sizeof *steps);
    bool *mounted = calloc((size_t)hidden_count + 1, sizeof *mounted);
    if (!steps || !mounted) return fail(why, size, "calloc", "steps");
    for (int i = 0; i < hidden_count; i++) steps[i] = (struct step){hidden[i], NULL, hidden_directory[i]};
    for (int i = 0; i < used; i++) steps[hidden_count + i] = (struct step){layers[i].path, &layers[i], layers[i].directory};
    qsort(steps, (size_t)(hidden_count + used), sizeof *steps, step_order);
    for (int i = 0; i < hidden_count + used; i++) {
        struct step *step = &steps[i];
        struct stat info;
        if (!step->layer) {
            if (lstat(step->path, &info) != 0) continue;
            if (step->directory) {
                char options[64] = "mode=0755,size=1m";
                if (strcmp(step->path, "/tmp") == 0) {
                    snprintf(options, sizeof options, opts->tmp_bytes ? "mode=1777,size=%llu" : "mode=1777", opts->tmp_bytes);
                }
                if (mount("tmpfs", step->path, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) return fail(why, size, "hide", step->path);
                for (int j = 0; j < hidden_count; j++) mounted[j] = mounted[j] || hidden[j] == step->path;
            } else if (mount(empty, step->path, NULL, MS_BIND, NULL) != 0
                       || set_attributes(AT_FDCWD, step->path, 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0) != 0) {
                return fail(why, size, "hide", step->path);
            }
            continue;
        }
        struct layer *layer = step->layer;
        if (lstat(layer->path, &info) != 0 && !make_mountpoint(layer->path, layer->directory)) {
            return fail(why, size, "make a mount point at", layer->path);
        }
        if (attach(layer->tree, layer->path) != 0) return fail(why, size, "mount", layer->path);
        uint64_t set = MOUNT_ATTR_NOSUID | (layer->writable ? 0 : MOUNT_ATTR_RDONLY);
        uint64_t clear = layer->writable ? MOUNT_ATTR_RDONLY : 0;
        if (set_attributes(AT_FDCWD, layer->path, AT_RECURSIVE, set, clear) != 0) return fail(why, size, "set the flags of", layer->path);
    }
    free(steps);
    for (int i = 0; i < used; i++) {
        close(layers[i].tree);
        free(layers[i].path);
    }
    free(layers);

    // 6. The hiding tmpfs mounts and /dev become read-only too (not /tmp, /dev/shm).
    for (int i = 0; i < hidden_count; i++) {
        if (mounted[i] && strcmp(hidden[i], "/tmp") != 0 && set_attributes(AT_FDCWD, hidden[i], 0, MOUNT_ATTR_RDONLY, 0) != 0) {
            return fail(why, size, "make read-only", hidden[i]);
        }
        free(hidden[i]);
    }
    free(hidden);
    free(hidden_directory);
    free(mounted);
    unlink(empty);
    if (set_attributes(AT_FDCWD, "/dev", 0, MOUNT_ATTR_RDONLY, 0) != 0) return fail(why, size, "make read-only", "/dev");
    return true;
}

unsigned long long contain_clone_flags(const struct contain_options *opts) {
    unsigned long long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC;
    if (!opts->as_root) flags |= CLONE_NEWUSER;
    if (opts->netns) flags |= CLONE_NEWNET;
    return flags;
}

bool contain_setup(const struct contain_options *opts, const char **joins, int join_count, const char *workdir,
                   char *why, size_t size) {
    if (!opts->as_root && !isolation_map_ids(opts->outer_uid, opts->outer_gid, why, size)) return false;
    for (int i = 0; i < join_count; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/cgroup.procs", joins[i]);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1) {
            if (fd >= 0) close(fd);
            return fail(why, size, "join the limit cgroup", joins[i]);
        }
        close(fd);
    }
    if (opts->netns && !isolation_loopback_up(why, size)) return false;
    for (int i = 0; opts->as_root && i < opts->bind_count; i++) {
        if (!give_tree(opts->bind[i], opts->run_uid, opts->run_gid, why, size)) return false;
    }
    if (!build_view(opts, why, size)) return false;
    // Its cgroups, joined above, become the root of what the run sees of cgroups.
    if (unshare(CLONE_NEWCGROUP) != 0) return fail(why, size, "unshare", "CLONE_NEWCGROUP");
    // A session keyring of its own: cjr's (and so every other run's) is out of reach,
    // whether or not the filter refuses the keyring calls. No kernel keyrings: nothing to leave.
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS) {
        return fail(why, size, "join a new session keyring", "(keyctl)");
    }
    if (chdir(workdir) != 0) return fail(why, size, "chdir", workdir);
    return true;
}

bool contain_enter_identity(const struct contain_options *opts, char *why, size_t size) {
    // No capability can come back, even through an inheritable or ambient set.
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    // Up to 63, not this header's CAP_LAST_CAP: a newer kernel may know more (EINVAL ends it).
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
        if (errno == EINVAL) break;
        return fail(why, size, "drop capability", "bounding set");
    }
    if (!opts->as_root) return true; // the user's own ids, without capabilities after exec
    if (setgroups(0, NULL) != 0) return fail(why, size, "setgroups", "(none)");
    if (setresgid(opts->run_gid, opts->run_gid, opts->run_gid) != 0) return fail(why, size, "setresgid", "run gid");
    if (setresuid(opts->run_uid, opts->run_uid, opts->run_uid) != 0) return fail(why, size, "setresuid", "run uid");
    return true;
}

// --- --probe --------------------------------------------------------------------------

/// The probe child's exit codes: the step that failed, plus 100 when the kernel lacks the
/// call (ENOSYS).
enum { PROBE_MAP = 1, PROBE_PRIVATE, PROBE_OPEN_TREE, PROBE_TMPFS, PROBE_SETATTR, PROBE_PROC, PROBE_PID, PROBE_NOSYS = 100 };

static int probe_step(int step) { return step + (errno == ENOSYS ? PROBE_NOSYS : 0); }

static int probe_init(bool as_root, uid_t uid, gid_t gid) {
    char why[256];
    if (!as_root && !isolation_map_ids(uid, gid, why, sizeof why)) return PROBE_MAP;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return PROBE_PRIVATE;
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) return probe_step(PROBE_OPEN_TREE);
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") != 0) return PROBE_TMPFS;
    if (set_attributes(AT_FDCWD, "/tmp", AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0) != 0) return probe_step(PROBE_SETATTR);
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) return PROBE_PROC;
    return getpid() == 1 ? 0 : PROBE_PID;
}

int contain_probe(const char **reason) {
    bool as_root = geteuid() == 0;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | (as_root ? 0 : CLONE_NEWUSER);
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(probe_init(as_root, uid, gid));
    if (pid < 0) {
        *reason = as_root ? "cannot create PID and mount namespaces (is cjr itself in a container or under a seccomp filter "
                            "that refuses them?)"
                          : "cannot create a user namespace: unprivileged user namespaces are off here (see the sysctls "
                            "user.max_user_namespaces, kernel.unprivileged_userns_clone, "
                            "kernel.apparmor_restrict_unprivileged_userns), or run cjr as root";
        return 0;
    }
    int status;
    while (waitpid((pid_t)pid, &status, 0) < 0) {
        if (errno != EINTR) return 0;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code == 0) return as_root ? 1 : 2;
    if (code > PROBE_NOSYS) {
        *reason = "the kernel lacks the new mount API (open_tree, mount_setattr): Linux 5.12 or later is needed";
        return 0;
    }
    switch (code) {
    case PROBE_MAP: *reason = "cannot map the user's ids in a user namespace"; break;
    case PROBE_PRIVATE: *reason = "cannot make a mount namespace's mounts private"; break;
    case PROBE_OPEN_TREE: *reason = "open_tree (copying a mount) is refused"; break;
    case PROBE_TMPFS: *reason = "cannot mount a tmpfs in a mount namespace"; break;
    case PROBE_SETATTR: *reason = "mount_setattr (read-only mounts) is refused"; break;
    case PROBE_PROC: *reason = "cannot mount a procfs for a new PID namespace (is /proc partly covered, as in some "
                               "containers?)"; break;
    default: *reason = "a child in new PID and mount namespaces failed"; break;
    }
    return 0;
}

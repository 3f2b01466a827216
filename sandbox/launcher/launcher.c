// cjr-launch: runs one custom-job entry point and supervises its whole process tree.
//
//   cjr-launch [--status-file PATH] [--grace-ms N] [--cgroup DIR] [--join DIR]...
//              [--seccomp FILE]... [--netns | --netns-userns] [--watch-stdin] [--tty COLSxROWS]
//              -- PROGRAM [ARG...]
//   cjr-launch --probe
//
// The launcher
//   1. starts a new session (so a terminal's Ctrl-C never reaches the job directly) and
//      becomes a child subreaper, so every orphaned descendant, double-forked daemons
//      included, is re-parented to it rather than to init;
//   2. forks the entry point into its own process group (and into the run's cgroup when one
//      is given), with /dev/null as stdin, then execs it. Before the exec the child joins
//      every --join cgroup (v1 controller directories), moves into a network namespace of
//      its own with --netns (--netns-userns: through a user namespace even as root, for
//      runs without the filter), and, as the very last step, sets PR_SET_NO_NEW_PRIVS and
//      installs the seccomp filter compiled from the --seccomp policy files
//      (sandbox/seccomp/, grammar in policy.c). The files are parsed and compiled into ONE
//      filter before anything is forked: a bad line exits 125 with FILE:LINE on stderr;
//      With --tty its stdout and stderr are a pseudo-terminal of that size (no output
//      translation: bytes arrive as written), whose output the launcher copies to its own
//      stdout, so programs that buffer or colour by terminal behave as in a shell;
//   3. waits. When the entry point exits, anything it left running is killed. On SIGTERM,
//      SIGINT or SIGHUP (cancel, timeout) or, with --watch-stdin, when its stdin reaches EOF
//      (cjr went away), the whole tree gets SIGTERM, then SIGKILL after the grace period;
//   4. exits only when no descendant is left, with the entry point's exit code (128+signal
//      if a signal ended it), and writes "exit N" or "signal N" to the status file, so cjr
//      can tell a SIGKILL from an `exit 137` ("setup 126" when the child could not be set
//      up: a close-on-exec pipe tells that apart from an entry point that exits 126).
//
// Exit codes of its own: 125 usage or setup error (nothing was started), 126 the child
// could not be set up (cgroup, network namespace or filter; the entry point never ran),
// 127 the entry point could not be executed. A process the filter kills dies of SIGSYS
// (128+31). `--probe` prints what this host allows (see isolation.h) and exits 0.
//
// PR_SET_PDEATHSIG is deliberately not used: it fires when the *thread* that spawned the
// launcher exits, and cjr spawns from Swift's thread pool. The stdin pipe is tied to the
// cjr process instead.
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "contain.h"
#include "isolation.h"
#include "policy.h"

/// Runs execute as uid (and gid) base + the launcher's pid; pids stay below MAX_PID
/// (the kernel's PID_MAX_LIMIT), so the range is [base, base + MAX_PID).
#define DEFAULT_UID_BASE 1900000000UL
#define MAX_PID 4194304UL

static pid_t self_pid;
static pid_t child_pid;
static const char *cgroup_dir;
/// With --tty: the terminal's two ends (the entry point gets the slave as stdout and stderr).
static int tty_master = -1, tty_slave = -1;

static void die(const char *what) {
    fprintf(stderr, "cjr-launch: %s: %s\n", what, strerror(errno));
    exit(125);
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t length = (ssize_t)strlen(text);
    bool ok = write(fd, text, (size_t)length) == length;
    close(fd);
    return ok;
}

/// Parent pid of `pid` from /proc/PID/stat, or -1.
static pid_t parent_of(pid_t pid) {
    char path[64], buffer[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return -1;
    buffer[n] = 0;
    // The command name may contain spaces and parentheses: fields resume after the last ')'.
    char *close_paren = strrchr(buffer, ')');
    if (!close_paren) return -1;
    char state;
    int ppid;
    if (sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) return -1;
    return ppid;
}

/// Sends `sig` to every descendant of the launcher; returns how many were found.
static int signal_descendants(int sig) {
    enum { MAX = 65536 };
    static pid_t pids[MAX], parents[MAX];
    static bool mine[MAX];
    int count = 0;
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    struct dirent *entry;
    while ((entry = readdir(proc)) && count < MAX) {
        char *end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self_pid) continue;
        pid_t ppid = parent_of((pid_t)pid);
        if (ppid < 0) continue;
        pids[count] = (pid_t)pid;
        parents[count] = ppid;
        mine[count] = ppid == self_pid;
        count++;
    }
    closedir(proc);
    // Grow the set of descendants until it stops changing.
    for (bool grew = true; grew;) {
        grew = false;
        for (int i = 0; i < count; i++) {
            if (mine[i]) continue;
            for (int j = 0; j < count; j++) {
                if (mine[j] && parents[i] == pids[j]) { mine[i] = grew = true; break; }
            }
        }
    }
    int found = 0;
    for (int i = 0; i < count; i++) {
        if (!mine[i]) continue;
        kill(pids[i], sig);
        found++;
    }
    return found;
}

/// Signals the whole tree: the entry point's group (while its leader has not been reaped,
/// so the id cannot have been reused), every descendant, and the cgroup.
static bool child_reaped;

static bool contained_run;

static void signal_tree(int sig) {
    if (contained_run) {
        // Everything of the run is in the init's PID namespace: SIGTERM is relayed by the
        // init; SIGKILL to the init takes the whole namespace down.
        if (!child_reaped) kill(child_pid, sig);
        if (sig == SIGKILL && cgroup_dir) {
            char path[4096];
            snprintf(path, sizeof path, "%s/cgroup.kill", cgroup_dir);
            write_file(path, "1");
        }
        return;
    }
    // SIGTERM goes once to each process (a trap runs once); SIGKILL also goes to the group,
    // which catches a fork racing the /proc walk.
    if (sig == SIGKILL && !child_reaped) kill(-child_pid, sig);
    signal_descendants(sig);
    if (sig == SIGKILL && cgroup_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/cgroup.kill", cgroup_dir);
        write_file(path, "1");
    }
    if (sig == SIGTERM) signal_descendants(SIGCONT); // stopped processes must wake to die
}

static void write_status_text(const char *path, const char *text) {
    if (!path) return;
    // O_NOFOLLOW: the status file is cjr's, never a link anything else planted. No
    // O_TRUNC: cjr creates it beforehand, blank and big enough, so that writing the status
    // over it needs no new space even when the disk has filled up meanwhile.
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text, strlen(text));
    (void)ignored;
    // No fsync: cjr reads the status as soon as the launcher has exited (from the page
    // cache, or over a network filesystem after close), and after a crash of the host the
    // run is settled from the store, not from this file. The run's durable record is the store.
    close(fd);
}

static void write_status(const char *path, int status, bool setup_failed) {
    char text[64];
    if (setup_failed) snprintf(text, sizeof text, "setup %d\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(text, sizeof text, "signal %d\n", WTERMSIG(status));
    else snprintf(text, sizeof text, "exit %d\n", WEXITSTATUS(status));
    write_status_text(path, text);
}

/// Forks the entry point's process (with --contain, the run's init, into new namespaces).
/// With a cgroup, clone3(CLONE_INTO_CGROUP) creates it directly inside the cgroup: moving a
/// process in afterwards (writing cgroup.procs) takes a system-wide lock that can cost tens
/// of milliseconds on a busy host. Sets *placed when the child is already in the cgroup;
/// otherwise the child must join it itself.
static pid_t spawn_child(int cgroup_fd, unsigned long long namespaces, bool *placed) {
    *placed = false;
#ifdef CLONE_INTO_CGROUP
    if (cgroup_fd >= 0) {
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.flags = CLONE_INTO_CGROUP | namespaces;
        args.exit_signal = SIGCHLD;
        args.cgroup = (uint64_t)cgroup_fd;
        long pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid >= 0) {
            *placed = true;
            return (pid_t)pid;
        }
        // Older kernels (or a filter) refuse clone3: fall back to clone and a cgroup.procs write.
    }
#else
    (void)cgroup_fd;
#endif
    if (!namespaces) return fork();
    // clone without a new stack duplicates the caller like fork (the launcher has one thread).
    return (pid_t)syscall(SYS_clone, (unsigned long)namespaces | SIGCHLD, 0, 0, 0, 0);
}

static void usage(void) {
    fprintf(stderr,
            "usage: cjr-launch [--status-file PATH] [--grace-ms N] [--cgroup DIR] [--join DIR]...\n"
            "                  [--seccomp FILE]... [--netns | --netns-userns] [--watch-stdin] [--tty COLSxROWS]\n"
            "                  [--contain [--uid-base N] [--bind DIR]... [--hide DIR]... [--expose PATH]... [--tmp-size BYTES]]\n"
            "                  -- PROGRAM [ARG...]\n"
            "       cjr-launch --probe\n");
    exit(125);
}

/// The child's end of the setup pipe: it says "the sandbox could not be set up" apart
/// from an entry point that exits 126 itself (exec closes it, close-on-exec).
static int setup_report = -1;

/// In the child: prints why it cannot be set up, tells the parent, and exits 126 (the
/// entry point never runs).
static void child_fail(const char *what, const char *why) {
    fprintf(stderr, "cjr-launch: %s: %s\n", what, why);
    if (setup_report >= 0) {
        ssize_t ignored = write(setup_report, "F", 1);
        (void)ignored;
    }
    _exit(126);
}

/// Closes every descriptor above 2 but `a`, `b`, `c` and `d` (close-on-exec does nothing
/// for a process that never execs); -1 keeps nothing.
static void keep_only_descriptors(int a, int b, int c, int d) {
    int keep[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++) {
        for (int j = i + 1; j < 4; j++) {
            if (keep[j] < keep[i]) { int t = keep[i]; keep[i] = keep[j]; keep[j] = t; }
        }
    }
    unsigned low = 3;
    for (int i = 0; i < 4; i++) {
        if (keep[i] < (int)low) continue;
        if ((unsigned)keep[i] > low) syscall(SYS_close_range, low, (unsigned)keep[i] - 1, 0U);
        low = (unsigned)keep[i] + 1;
    }
    syscall(SYS_close_range, low, ~0U, 0U);
}

/// Opens the pseudo-terminal of --tty: raw output (no "\n" to "\r\n"), `columns` x `rows`.
static void open_terminal(unsigned short columns, unsigned short rows) {
    tty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_master < 0 || grantpt(tty_master) != 0 || unlockpt(tty_master) != 0) die("posix_openpt");
    char name[128];
    if (ptsname_r(tty_master, name, sizeof name) != 0) die("ptsname");
    tty_slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (tty_slave < 0) die(name);
    struct termios modes;
    if (tcgetattr(tty_slave, &modes) == 0) {
        modes.c_oflag &= ~(tcflag_t)OPOST;
        tcsetattr(tty_slave, TCSANOW, &modes);
    }
    struct winsize size = {.ws_row = rows, .ws_col = columns};
    ioctl(tty_master, TIOCSWINSZ, &size);
    fcntl(tty_master, F_SETFL, fcntl(tty_master, F_GETFL) | O_NONBLOCK);
}

/// Copies what the terminal has to the launcher's stdout; false once every writer is gone.
static bool relay_terminal(void) {
    char buffer[65536];
    for (;;) {
        ssize_t n = read(tty_master, buffer, sizeof buffer);
        if (n > 0) {
            for (ssize_t done = 0; done < n;) {
                ssize_t written = write(1, buffer + done, (size_t)(n - done));
                if (written < 0) { if (errno == EINTR) continue; return true; }
                done += written;
            }
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
        return false; // EIO: the last slave descriptor closed
    }
}

/// How the job's process ended, as the status file says it.
static void format_status(char *text, size_t size, int status) {
    if (WIFSIGNALED(status)) snprintf(text, size, "signal %d\n", WTERMSIG(status));
    else snprintf(text, size, "exit %d\n", WEXITSTATUS(status));
}

/// The entry point starts as a process on the platform does, whatever the launcher
/// inherited from its caller: no signal blocked, none ignored (exec keeps both). The raw
/// system call, because glibc refuses the two real-time signals it keeps for itself.
static void reset_signals(void) {
    struct { void (*handler)(int); unsigned long flags; void (*restorer)(void); unsigned long mask; } standard = {SIG_DFL, 0, NULL, 0};
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &standard, NULL, sizeof standard.mask);
    }
    unsigned long none = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
}

/// The job's own setup and exec, in the process that becomes the entry point: stdin from
/// /dev/null, default signals, its identity (with --contain), then the filter, as the very
/// last step.
static void exec_entry_point(char **program, const struct contain_options *contain, bool contained,
                             const struct sock_fprog *filter) {
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0 && null != 0) { dup2(null, 0); close(null); }
    if (tty_slave >= 0) {
        // Its controlling terminal (it leads a session of its own by now) as stdout and stderr.
        ioctl(tty_slave, TIOCSCTTY, 0);
        if (dup2(tty_slave, 1) < 0 || dup2(tty_slave, 2) < 0) child_fail("cannot attach the terminal", strerror(errno));
        close(tty_slave);
    }
    reset_signals();
    char why[512];
    if (contained && !contain_enter_identity(contain, why, sizeof why)) child_fail("cannot take the run's identity", why);
    if (filter->filter && !isolation_install_filter(filter, why, sizeof why)) {
        child_fail("cannot install the seccomp filter", why);
    }
    execvp(program[0], program);
    fprintf(stderr, "cjr-launch: cannot execute %s: %s\n", program[0], strerror(errno));
    _exit(127);
}

/// With --contain: PID 1 of the run's namespaces. Sets the run up, forks the entry point,
/// reaps whatever is orphaned, relays the launcher's stop (SIGTERM: every process of the
/// run gets SIGTERM; SIGUSR1: SIGKILL) and, once the entry point is gone, reports its status
/// on `status_fd` and exits, upon which the kernel kills everything left in the namespace.
/// Signals from inside the run are ignored (the kernel already keeps SIGKILL from it), and
/// if the launcher dies, so does this process (PR_SET_PDEATHSIG, and the lifeline pipe).
static void run_init(char **program, struct contain_options *contain, const char **joins, int join_count,
                     const struct sock_fprog *filter, int lifeline, int status_fd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct pollfd alive = {.fd = lifeline, .events = POLLIN};
    if (poll(&alive, 1, 0) > 0) _exit(125); // the launcher died before PDEATHSIG was set
    // No terminal reaches the run, even when the launcher could not leave its caller's
    // session; and the init, which never execs, keeps only the descriptors it uses.
    setsid();
    keep_only_descriptors(lifeline, status_fd, setup_report, tty_slave);
    char workdir[4096], why[1024];
    if (!getcwd(workdir, sizeof workdir)) child_fail("cannot contain the run", "getcwd failed");
    if (!contain_setup(contain, joins, join_count, workdir, why, sizeof why)) child_fail("cannot contain the run", why);
    // Not before: a non-dumpable process's /proc/self files (uid_map) belong to root.
    prctl(PR_SET_DUMPABLE, 0);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0) { dup2(null, 0); close(null); }

    sigset_t handled;
    sigemptyset(&handled);
    int relayed[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1};
    for (size_t i = 0; i < sizeof relayed / sizeof *relayed; i++) sigaddset(&handled, relayed[i]);
    sigprocmask(SIG_BLOCK, &handled, NULL);
    int signals = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signals < 0) child_fail("cannot contain the run", "signalfd failed");

    pid_t job = fork();
    if (job < 0) child_fail("cannot fork the entry point", strerror(errno));
    if (job == 0) {
        setsid();
        exec_entry_point(program, contain, true, filter);
    }
    // From here the entry point's exec (or its setup failure) is what the launcher hears.
    close(setup_report);
    setup_report = -1;
    for (;;) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid != job) continue;
            char text[64];
            format_status(text, sizeof text, status);
            ssize_t ignored = write(status_fd, text, strlen(text));
            (void)ignored;
            _exit(0);
        }
        struct pollfd fds[2] = {{.fd = signals, .events = POLLIN}, {.fd = lifeline, .events = POLLIN}};
        if (poll(fds, 2, -1) < 0 && errno != EINTR) _exit(125);
        if (fds[1].revents) _exit(125);
        struct signalfd_siginfo info;
        while (read(signals, &info, sizeof info) == sizeof info) {
            if (info.ssi_pid != 0) continue; // from inside the run: not the launcher's word
            if (info.ssi_signo == SIGUSR1) {
                kill(-1, SIGKILL);
            } else if (info.ssi_signo != SIGCHLD) {
                kill(-1, SIGTERM);
                kill(-1, SIGCONT); // stopped processes must wake to die
            }
        }
    }
}

int main(int argc, char **argv) {
    const char *status_file = NULL;
    long grace_ms = 5000;
    bool watch_stdin = false, netns = false, netns_userns = false, contained = false;
    unsigned short tty_columns = 0, tty_rows = 0;
    const char **seccomp_files = calloc((size_t)argc, sizeof *seccomp_files);
    const char **join_dirs = calloc((size_t)argc, sizeof *join_dirs);
    struct contain_options contain = {.uid_base = DEFAULT_UID_BASE};
    contain.hide = calloc((size_t)argc, sizeof *contain.hide);
    contain.bind = calloc((size_t)argc, sizeof *contain.bind);
    contain.expose = calloc((size_t)argc, sizeof *contain.expose);
    int seccomp_count = 0, join_count = 0;
    if (!seccomp_files || !join_dirs || !contain.hide || !contain.bind || !contain.expose) die("calloc");
    int index = 1;
    for (; index < argc; index++) {
        const char *arg = argv[index];
        bool has_value = index + 1 < argc;
        if (strcmp(arg, "--") == 0) { index++; break; }
        if (strcmp(arg, "--status-file") == 0 && has_value) status_file = argv[++index];
        else if (strcmp(arg, "--grace-ms") == 0 && has_value) grace_ms = strtol(argv[++index], NULL, 10);
        else if (strcmp(arg, "--cgroup") == 0 && has_value) cgroup_dir = argv[++index];
        else if (strcmp(arg, "--join") == 0 && has_value) join_dirs[join_count++] = argv[++index];
        else if (strcmp(arg, "--seccomp") == 0 && has_value) seccomp_files[seccomp_count++] = argv[++index];
        else if (strcmp(arg, "--netns") == 0) netns = true;
        else if (strcmp(arg, "--netns-userns") == 0) netns = netns_userns = true;
        else if (strcmp(arg, "--watch-stdin") == 0) watch_stdin = true;
        else if (strcmp(arg, "--tty") == 0 && has_value) {
            if (sscanf(argv[++index], "%hux%hu", &tty_columns, &tty_rows) != 2 || !tty_columns || !tty_rows) usage();
        }
        else if (strcmp(arg, "--contain") == 0) contained = true;
        else if (strcmp(arg, "--uid-base") == 0 && has_value) contain.uid_base = strtoul(argv[++index], NULL, 10);
        else if (strcmp(arg, "--bind") == 0 && has_value) contain.bind[contain.bind_count++] = argv[++index];
        else if (strcmp(arg, "--hide") == 0 && has_value) contain.hide[contain.hide_count++] = argv[++index];
        else if (strcmp(arg, "--expose") == 0 && has_value) contain.expose[contain.expose_count++] = argv[++index];
        else if (strcmp(arg, "--tmp-size") == 0 && has_value) contain.tmp_bytes = strtoull(argv[++index], NULL, 10);
        else if (strcmp(arg, "--probe") == 0 && argc == 2) return isolation_probe();
        else usage();
    }
    if (index >= argc) usage();
    char **program = argv + index;
    // Every uid the range can hand out (base + a pid) must be a valid, unprivileged id.
    if (contained && (contain.uid_base < 65536 || contain.uid_base > UINT32_MAX - 1 - MAX_PID)) {
        fprintf(stderr, "cjr-launch: --uid-base must be between 65536 and %lu\n", (unsigned long)(UINT32_MAX - 1 - MAX_PID));
        exit(125);
    }

    // Every policy error surfaces here, before anything is forked.
    struct sock_fprog filter = {0, NULL};
    if (seccomp_count > 0 && !policy_compile_files(seccomp_files, seccomp_count, &filter)) exit(125);

    self_pid = getpid();
    if (setsid() < 0 && errno != EPERM) die("setsid");
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) die("PR_SET_CHILD_SUBREAPER");
    // Nothing cjr's process left open reaches the job.
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

    sigset_t handled;
    sigemptyset(&handled);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGCHLD || sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) sigaddset(&handled, sig);
    }
    if (sigprocmask(SIG_BLOCK, &handled, NULL) != 0) die("sigprocmask");
    int signals = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signals < 0) die("signalfd");

    int cgroup_fd = cgroup_dir ? open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (cgroup_dir && cgroup_fd < 0) die(cgroup_dir);
    int setup_pipe[2], lifeline[2] = {-1, -1}, status_pipe[2] = {-1, -1};
    if (pipe2(setup_pipe, O_CLOEXEC) != 0) die("pipe2");
    unsigned long long namespaces = 0;
    if (contained) {
        if (pipe2(lifeline, O_CLOEXEC) != 0 || pipe2(status_pipe, O_CLOEXEC | O_NONBLOCK) != 0) die("pipe2");
        contain.netns = netns;
        contain.as_root = geteuid() == 0;
        contain.outer_uid = geteuid();
        contain.outer_gid = getegid();
        contain.run_uid = contain.as_root ? (uid_t)(contain.uid_base + (unsigned long)self_pid) : contain.outer_uid;
        contain.run_gid = contain.as_root ? (gid_t)(contain.uid_base + (unsigned long)self_pid) : contain.outer_gid;
        namespaces = contain_clone_flags(&contain);
        contained_run = true;
    }
    if (tty_columns) open_terminal(tty_columns, tty_rows);
    bool placed;
    child_pid = spawn_child(cgroup_fd, namespaces, &placed);
    if (child_pid < 0) {
        if (!contained) die("fork");
        fprintf(stderr, "cjr-launch: cannot create the run's namespaces: %s\n", strerror(errno));
        write_status(status_file, 126 << 8, true);
        return 126;
    }
    if (child_pid == 0) {
        close(setup_pipe[0]);
        setup_report = setup_pipe[1];
        if (cgroup_dir && !placed) {
            char path[4096];
            snprintf(path, sizeof path, "%s/cgroup.procs", cgroup_dir);
            if (!write_file(path, "0")) child_fail("cannot join its cgroup", strerror(errno));
        }
        if (contained) {
            close(lifeline[1]);
            close(status_pipe[0]);
            run_init(program, &contain, join_dirs, join_count, &filter, lifeline[0], status_pipe[1]);
        }
        // Its own session (and so process group): no terminal reaches the job even when the
        // launcher could not leave its caller's session.
        setsid();
        for (int i = 0; i < join_count; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/cgroup.procs", join_dirs[i]);
            if (!write_file(path, "0")) {
                char why[4200];
                snprintf(why, sizeof why, "%s: %s", join_dirs[i], strerror(errno));
                child_fail("cannot join a limit cgroup", why);
            }
        }
        char why[512];
        if (netns && isolation_enter_netns(netns_userns, why, sizeof why) == NETNS_NONE) {
            child_fail("cannot create a network namespace", why);
        }
        exec_entry_point(program, &contain, false, &filter);
    }
    if (contained) {
        close(lifeline[0]);
        close(status_pipe[1]);
    }
    if (tty_slave >= 0) { close(tty_slave); tty_slave = -1; }

    // Wait for the entry point to exec (the pipe closes) or to report a failed setup.
    close(setup_pipe[1]);
    char report;
    ssize_t reported;
    do { reported = read(setup_pipe[0], &report, 1); } while (reported < 0 && errno == EINTR);
    bool setup_failed = reported == 1;
    close(setup_pipe[0]);

    int child_status = 0;
    bool child_done = false, terminating = false, stdin_open = watch_stdin;
    long long kill_at = 0, force_at = 0;
    for (;;) {
        // Reap everything that has exited; the entry point's status is the run's.
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) {
                if (pid < 0 && errno == ECHILD && child_done) {
                    if (tty_master >= 0) relay_terminal(); // its last output
                    if (setup_failed) {
                        // The init (its own setup) or the entry point's process (identity,
                        // filter) said so; the init itself may have exited 0 after that.
                        write_status(status_file, 126 << 8, true);
                        return 126;
                    }
                    char text[64] = "";
                    // Contained: the init reported the entry point's status; without a
                    // report (the init was killed) the init's own status stands.
                    if (contained && read(status_pipe[0], text, sizeof text - 1) > 0) {
                        write_status_text(status_file, text);
                        if (sscanf(text, "signal %d", &status) == 1) return 128 + status;
                        if (sscanf(text, "exit %d", &status) == 1) return status;
                    }
                    write_status(status_file, child_status, false);
                    if (WIFSIGNALED(child_status)) return 128 + WTERMSIG(child_status);
                    return WEXITSTATUS(child_status);
                }
                break;
            }
            if (pid == child_pid) {
                child_status = status;
                child_done = child_reaped = true;
            }
        }
        // Still here with the entry point gone: something it started is left. It may not
        // outlive the run. (With no children left the loop above has already exited: a
        // subreaper without children has no descendants, so the fast path walks nothing.)
        long long now = now_ms();
        if (contained) {
            // The init ends the run's namespace: asked to kill (SIGUSR1) it reports the
            // entry point's status; one that does not answer within a second is killed.
            if (terminating && !child_done && now >= kill_at && !force_at) {
                kill(child_pid, SIGUSR1);
                force_at = now + 1000;
            }
            if (force_at && !child_done && now >= force_at) signal_tree(SIGKILL);
        } else if (child_done) {
            signal_tree(SIGKILL);
        } else if (terminating && now >= kill_at) {
            signal_tree(SIGKILL);
        }

        // stdin is watched only when asked (a negative fd is skipped), the terminal while it has writers.
        struct pollfd fds[3] = {{.fd = signals, .events = POLLIN}, {.fd = stdin_open ? 0 : -1, .events = POLLIN},
                                {.fd = tty_master, .events = POLLIN}};
        long long next = force_at ? force_at : kill_at;
        int timeout = child_done ? 10 : terminating ? (int)(next > now ? next - now : 10) : -1;
        int ready = poll(fds, 3, timeout);
        if (ready < 0 && errno != EINTR) die("poll");
        if (tty_master >= 0 && ready > 0 && fds[2].revents && !relay_terminal()) {
            close(tty_master);
            tty_master = -1;
        }
        bool stop = false;
        if (ready > 0 && (fds[0].revents & POLLIN)) {
            struct signalfd_siginfo info;
            while (read(signals, &info, sizeof info) == sizeof info) {
                if (info.ssi_signo != SIGCHLD) stop = true;
            }
        }
        if (stdin_open && ready > 0 && fds[1].revents) {
            char buffer[256];
            ssize_t n = read(0, buffer, sizeof buffer);
            if (n <= 0) { stdin_open = false; stop = true; }
        }
        if (stop && !terminating && !child_done) {
            terminating = true;
            kill_at = now_ms() + grace_ms;
            signal_tree(SIGTERM);
        }
    }
}

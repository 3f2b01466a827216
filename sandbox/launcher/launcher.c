// cjr-launch: runs one custom-job entry point and supervises its whole process tree.
//
//   cjr-launch [--status-file PATH] [--grace-ms N] [--cgroup DIR] [--join DIR]...
//              [--seccomp FILE]... [--netns | --netns-userns] [--watch-stdin] -- PROGRAM [ARG...]
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
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isolation.h"
#include "policy.h"

static pid_t self_pid;
static pid_t child_pid;
static const char *cgroup_dir;

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

static void signal_tree(int sig) {
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

static void write_status(const char *path, int status, bool setup_failed) {
    if (!path) return;
    char text[64];
    if (setup_failed) snprintf(text, sizeof text, "setup %d\n", WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) snprintf(text, sizeof text, "signal %d\n", WTERMSIG(status));
    else snprintf(text, sizeof text, "exit %d\n", WEXITSTATUS(status));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text, strlen(text));
    (void)ignored;
    fsync(fd);
    close(fd);
}

/// Forks the entry point's process. With a cgroup, clone3(CLONE_INTO_CGROUP) creates it
/// directly inside the cgroup: moving a process in afterwards (writing cgroup.procs) takes a
/// system-wide lock that can cost tens of milliseconds on a busy host. Sets *placed when
/// the child is already in the cgroup; otherwise the child must join it itself.
static pid_t spawn_child(int cgroup_fd, bool *placed) {
    *placed = false;
#ifdef CLONE_INTO_CGROUP
    if (cgroup_fd >= 0) {
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.flags = CLONE_INTO_CGROUP;
        args.exit_signal = SIGCHLD;
        args.cgroup = (uint64_t)cgroup_fd;
        long pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid >= 0) {
            *placed = true;
            return (pid_t)pid;
        }
        // Older kernels (or a filter) refuse clone3: fall back to fork and a cgroup.procs write.
    }
#else
    (void)cgroup_fd;
#endif
    return fork();
}

static void usage(void) {
    fprintf(stderr,
            "usage: cjr-launch [--status-file PATH] [--grace-ms N] [--cgroup DIR] [--join DIR]...\n"
            "                  [--seccomp FILE]... [--netns | --netns-userns] [--watch-stdin] -- PROGRAM [ARG...]\n"
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

int main(int argc, char **argv) {
    const char *status_file = NULL;
    long grace_ms = 5000;
    bool watch_stdin = false, netns = false, netns_userns = false;
    const char **seccomp_files = calloc((size_t)argc, sizeof *seccomp_files);
    const char **join_dirs = calloc((size_t)argc, sizeof *join_dirs);
    int seccomp_count = 0, join_count = 0;
    if (!seccomp_files || !join_dirs) die("calloc");
    int index = 1;
    for (; index < argc; index++) {
        const char *arg = argv[index];
        if (strcmp(arg, "--") == 0) { index++; break; }
        if (strcmp(arg, "--status-file") == 0 && index + 1 < argc) status_file = argv[++index];
        else if (strcmp(arg, "--grace-ms") == 0 && index + 1 < argc) grace_ms = strtol(argv[++index], NULL, 10);
        else if (strcmp(arg, "--cgroup") == 0 && index + 1 < argc) cgroup_dir = argv[++index];
        else if (strcmp(arg, "--join") == 0 && index + 1 < argc) join_dirs[join_count++] = argv[++index];
        else if (strcmp(arg, "--seccomp") == 0 && index + 1 < argc) seccomp_files[seccomp_count++] = argv[++index];
        else if (strcmp(arg, "--netns") == 0) netns = true;
        else if (strcmp(arg, "--netns-userns") == 0) netns = netns_userns = true;
        else if (strcmp(arg, "--watch-stdin") == 0) watch_stdin = true;
        else if (strcmp(arg, "--probe") == 0 && argc == 2) return isolation_probe();
        else usage();
    }
    if (index >= argc) usage();
    char **program = argv + index;

    // Every policy error surfaces here, before anything is forked.
    struct sock_fprog filter = {0, NULL};
    if (seccomp_count > 0 && !policy_compile_files(seccomp_files, seccomp_count, &filter)) exit(125);

    self_pid = getpid();
    if (setsid() < 0 && errno != EPERM) die("setsid");
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) die("PR_SET_CHILD_SUBREAPER");

    sigset_t handled, previous;
    sigemptyset(&handled);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGCHLD || sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) sigaddset(&handled, sig);
    }
    if (sigprocmask(SIG_BLOCK, &handled, &previous) != 0) die("sigprocmask");
    int signals = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signals < 0) die("signalfd");

    int cgroup_fd = cgroup_dir ? open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (cgroup_dir && cgroup_fd < 0) die(cgroup_dir);
    int setup_pipe[2];
    if (pipe2(setup_pipe, O_CLOEXEC) != 0) die("pipe2");
    bool placed;
    child_pid = spawn_child(cgroup_fd, &placed);
    if (child_pid < 0) die("fork");
    if (child_pid == 0) {
        close(setup_pipe[0]);
        setup_report = setup_pipe[1];
        sigprocmask(SIG_SETMASK, &previous, NULL);
        setpgid(0, 0);
        if (cgroup_dir && !placed) {
            char path[4096];
            snprintf(path, sizeof path, "%s/cgroup.procs", cgroup_dir);
            if (!write_file(path, "0")) child_fail("cannot join its cgroup", strerror(errno));
        }
        for (int i = 0; i < join_count; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/cgroup.procs", join_dirs[i]);
            if (!write_file(path, "0")) {
                char why[4200];
                snprintf(why, sizeof why, "%s: %s", join_dirs[i], strerror(errno));
                child_fail("cannot join a limit cgroup", why);
            }
        }
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0 && null != 0) { dup2(null, 0); close(null); }
        char why[512];
        if (netns && isolation_enter_netns(netns_userns, why, sizeof why) == NETNS_NONE) {
            child_fail("cannot create a network namespace", why);
        }
        // The very last step: from here on only execve (and, if it fails, the message).
        if (filter.filter && !isolation_install_filter(&filter, why, sizeof why)) {
            child_fail("cannot install the seccomp filter", why);
        }
        execvp(program[0], program);
        fprintf(stderr, "cjr-launch: cannot execute %s: %s\n", program[0], strerror(errno));
        _exit(127);
    }

    // Wait for the child to exec (the pipe closes) or to report a failed setup.
    close(setup_pipe[1]);
    char report;
    ssize_t reported;
    do { reported = read(setup_pipe[0], &report, 1); } while (reported < 0 && errno == EINTR);
    bool setup_failed = reported == 1;
    close(setup_pipe[0]);

    int child_status = 0;
    bool child_done = false, terminating = false, stdin_open = watch_stdin;
    long long kill_at = 0;
    for (;;) {
        // Reap everything that has exited; the entry point's status is the run's.
        for (;;) {
            int status;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) {
                if (pid < 0 && errno == ECHILD && child_done) {
                    write_status(status_file, child_status, setup_failed);
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
        if (child_done) signal_tree(SIGKILL);
        else if (terminating && now_ms() >= kill_at) signal_tree(SIGKILL);

        struct pollfd fds[2] = {{.fd = signals, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
        int timeout = child_done ? 10 : terminating ? (int)(kill_at > now_ms() ? kill_at - now_ms() : 10) : -1;
        int ready = poll(fds, stdin_open ? 2 : 1, timeout);
        if (ready < 0 && errno != EINTR) die("poll");
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

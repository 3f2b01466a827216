// cjr-sandbox-probe: tries one thing a sandboxed job might do and says whether it worked.
// The tests run it under `cjr-launch --seccomp ... [--netns]` (see sandbox/README.md).
//
//   cjr-sandbox-probe COMMAND [ARG...]
//
// prints one line and exits:
//   ok                           0  it worked
//   ok: ENAME (message)          0  `syscall` only: the call reached the kernel, which
//                                   rejected the harmless arguments with that error
//   refused: ENAME (message)     1  it was refused (for `syscall`: EPERM, EACCES or ENOSYS)
//   usage or unknown name        2  (on stderr)
// A process the filter kills prints nothing: it dies of SIGSYS (status 128+31).
//
// Commands:
//   tcp HOST PORT     socket + connect (HOST numeric or a name)
//   udp               socket(AF_INET, SOCK_DGRAM)
//   raw               socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)      (needs CAP_NET_RAW anyway)
//   packet            socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)       (needs CAP_NET_RAW anyway)
//   netlink           socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)
//   unix              socketpair(AF_UNIX) and a write/read through it
//   socket32          socket(AF_INET) through the i386 ABI (int $0x80, syscall 359)  x86_64 only
//   socketcall32      socketcall(SYS_SOCKET) through the i386 ABI                     x86_64 only
//   socketx32         socket(AF_INET) through the x32 ABI (syscall number | 0x40000000)
//   syscall NAME      one call from the `syscalls` list with harmless arguments
//   syscalls          lists the names `syscall` knows
//   clone NS          clone(CLONE_NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP), NS
//                     given as newns, newuts, newipc, newuser, newpid, newnet or newcgroup
//   clone-newuser     clone newuser
//   thread            pthread_create + join (glibc tries clone3 first, falls back to clone)
//   spawn             posix_spawn /bin/true (clone3 with fallback, in glibc >= 2.34)
//   forks N           creates N processes that stay alive until all exist, then kills them:
//                     refused (EAGAIN) when a pids limit stops it, with how many it made
//   alloc MIB         allocates and touches MIB MiB (a memory limit kills it or refuses)
//
// Every argument given to `syscall` is chosen so that the kernel, even for root, rejects the
// call or does nothing: nonexistent paths, invalid flags, bad file descriptors, never a
// valid reboot magic or kexec image. Each call runs in a forked child of its own session,
// so vhangup cannot reach a terminal.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *error_name(int error) {
    const char *name = strerrorname_np(error);
    return name ? name : "E?";
}

static int ok(void) {
    puts("ok");
    return 0;
}

static int refused(int error) {
    printf("refused: %s (%s)\n", error_name(error), strerror(error));
    return 1;
}

static int usage(void) {
    fprintf(stderr, "usage: cjr-sandbox-probe tcp HOST PORT | udp | raw | packet | netlink | unix | socket32 | socketcall32 |\n"
                    "       socketx32 | syscall NAME | syscalls | clone NS | clone-newuser | thread | spawn |\n"
                    "       forks N | alloc MIB\n");
    return 2;
}

static int try_socket(int domain, int type, int protocol) {
    int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
    if (fd < 0) return refused(errno);
    close(fd);
    return ok();
}

static int tcp(const char *host, const char *port) {
    struct addrinfo hints, *found;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &found);
    if (rc != 0) {
        hints.ai_flags = AI_NUMERICSERV;
        rc = getaddrinfo(host, port, &hints, &found);
    }
    if (rc != 0) {
        if (rc == EAI_SYSTEM) return refused(errno);
        printf("refused: getaddrinfo (%s)\n", gai_strerror(rc));
        return 1;
    }
    int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
    if (fd < 0) {
        int error = errno;
        freeaddrinfo(found);
        return refused(error);
    }
    rc = connect(fd, found->ai_addr, found->ai_addrlen);
    int error = errno;
    freeaddrinfo(found);
    close(fd);
    return rc == 0 ? ok() : refused(error);
}

static int unix_pair(void) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return refused(errno);
    char buffer[8] = {0};
    bool good = write(fds[0], "ping", 4) == 4 && read(fds[1], buffer, sizeof buffer) == 4 && memcmp(buffer, "ping", 4) == 0;
    int error = errno;
    close(fds[0]);
    close(fds[1]);
    return good ? ok() : refused(error ? error : EIO);
}

#if defined(__x86_64__)
/// An i386 system call from this 64-bit process: the compat entry, AUDIT_ARCH_I386.
static int int80(long number, long a, long b, long c) {
    long result;
    __asm__ volatile("int $0x80" : "=a"(result) : "a"(number), "b"(a), "c"(b), "d"(c) : "memory", "r8", "r9", "r10", "r11");
    return (int)result;
}

static int report_fd(int result) {
    if (result < 0) return refused(-result);
    close(result);
    return ok();
}
#endif

static int socket32(bool multiplexed) {
#if defined(__x86_64__)
    if (!multiplexed) return report_fd(int80(359, AF_INET, SOCK_STREAM, 0)); // i386 __NR_socket
    // socketcall's argument block must sit below 4 GiB to be addressable from the i386 ABI.
    uint32_t *block = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (block == MAP_FAILED) return refused(errno);
    block[0] = AF_INET;
    block[1] = SOCK_STREAM;
    block[2] = 0;
    return report_fd(int80(102, 1 /* SYS_SOCKET */, (long)(uintptr_t)block, 0)); // i386 __NR_socketcall
#else
    (void)multiplexed;
    fprintf(stderr, "cjr-sandbox-probe: the i386 ABI probes exist on x86_64 only\n");
    return 2;
#endif
}

static int socketx32(void) {
#if defined(__x86_64__)
    long fd = syscall(0x40000000L | SYS_socket, AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return refused(errno);
    close((int)fd);
    return ok();
#else
    fprintf(stderr, "cjr-sandbox-probe: the x32 ABI exists on x86_64 only\n");
    return 2;
#endif
}

// ---- syscall NAME ----------------------------------------------------------------------

struct call {
    const char *name;
    long number;
    long args[6];
};

static const char nowhere[] = "/nonexistent/cjr-sandbox-probe";
static struct timespec some_time;
static struct timex read_only_timex; // modes = 0: adjtimex only reads the clock state

#define P(x) ((long)(uintptr_t)(x))

/// The calls default.policy refuses, each with arguments that make it harmless.
static size_t calls(struct call *out, size_t capacity) {
    const struct call table[] = {
        // other processes
        {"ptrace", SYS_ptrace, {2 /* PTRACE_PEEKDATA */, -1, 0, 0}},
        {"process_vm_readv", SYS_process_vm_readv, {0 /* pid, set below */, 0, 0, 0, 0, 0}},
        {"process_vm_writev", SYS_process_vm_writev, {0, 0, 0, 0, 0, 0}},
        {"pidfd_getfd", SYS_pidfd_getfd, {-1, 0, 0}},
        {"process_madvise", SYS_process_madvise, {-1, 0, 0, 0, 0}},
        {"kcmp", SYS_kcmp, {0, 0, 0 /* KCMP_FILE */, 1, 1}},
        // mounts and filesystem views
        {"mount", SYS_mount, {P("none"), P(nowhere), 0, 0, 0}},
        {"umount2", SYS_umount2, {P(nowhere), 0}},
        {"pivot_root", SYS_pivot_root, {P(nowhere), P(nowhere)}},
        {"chroot", SYS_chroot, {P(nowhere)}},
        {"fsopen", SYS_fsopen, {P("cjr-no-such-filesystem"), 0}},
        {"fsconfig", SYS_fsconfig, {-1, 0, 0, 0, 0}},
        {"fsmount", SYS_fsmount, {-1, 0, 0}},
        {"fspick", SYS_fspick, {AT_FDCWD, P(nowhere), 0}},
        {"move_mount", SYS_move_mount, {-1, P(""), -1, P(""), 0}},
        {"open_tree", SYS_open_tree, {AT_FDCWD, P(nowhere), 0}},
        {"mount_setattr", SYS_mount_setattr, {-1, P(""), 0, 0, 0}},
        {"quotactl", SYS_quotactl, {0, 0, 0, 0}},
        {"quotactl_fd", SYS_quotactl_fd, {-1, 0, 0, 0}},
        {"name_to_handle_at", SYS_name_to_handle_at, {AT_FDCWD, P(nowhere), 0, 0, 0}},
        {"open_by_handle_at", SYS_open_by_handle_at, {-1, 0, 0}},
        {"fanotify_init", SYS_fanotify_init, {1L << 30, 0}},
        // namespaces
        {"unshare", SYS_unshare, {0}},
        {"setns", SYS_setns, {-1, 0}},
        {"clone3", SYS_clone3, {0, 0}},
        // the kernel
        {"bpf", SYS_bpf, {0x7fff, 0, 0}},
        {"perf_event_open", SYS_perf_event_open, {0, 0, -1, -1, 0}},
        {"userfaultfd", SYS_userfaultfd, {2 /* no such flag */}},
        {"kexec_load", SYS_kexec_load, {0, 0, 0, 0x4000 /* no such flag */}},
        {"kexec_file_load", SYS_kexec_file_load, {-1, -1, 0, 0, 0x4000}},
        {"init_module", SYS_init_module, {0, 0, P("")}},
        {"finit_module", SYS_finit_module, {-1, P(""), 0}},
        {"delete_module", SYS_delete_module, {P("cjr_no_such_module"), O_NONBLOCK}},
        {"add_key", SYS_add_key, {0, 0, 0, 0, 0}},
        {"request_key", SYS_request_key, {0, 0, 0, 0}},
        {"keyctl", SYS_keyctl, {0x7fff, 0, 0, 0, 0}},
        {"io_uring_setup", SYS_io_uring_setup, {0, 0}},
        {"io_uring_enter", SYS_io_uring_enter, {-1, 0, 0, 0, 0, 0}},
        {"io_uring_register", SYS_io_uring_register, {-1, 0, 0, 0}},
        {"iopl", SYS_iopl, {4}},
        {"ioperm", SYS_ioperm, {0, 0, 0}},
        // the host
        {"reboot", SYS_reboot, {0, 0, 0, 0}},
        {"swapon", SYS_swapon, {P(nowhere), 0}},
        {"swapoff", SYS_swapoff, {P(nowhere)}},
        {"acct", SYS_acct, {P(nowhere)}},
        {"syslog", SYS_syslog, {10 /* SYSLOG_ACTION_SIZE_BUFFER */, 0, 0}},
        {"vhangup", SYS_vhangup, {0}},
        {"settimeofday", SYS_settimeofday, {1 /* unreadable */, 0}},
        {"clock_settime", SYS_clock_settime, {CLOCK_MONOTONIC, P(&some_time)}},
        {"adjtimex", SYS_adjtimex, {P(&read_only_timex)}},
        {"clock_adjtime", SYS_clock_adjtime, {CLOCK_REALTIME, P(&read_only_timex)}},
        {"sethostname", SYS_sethostname, {0, 1000 /* longer than allowed */}},
        {"setdomainname", SYS_setdomainname, {0, 1000}},
        {"lookup_dcookie", SYS_lookup_dcookie, {0, 0, 0}},
        {"uselib", SYS_uselib, {P(nowhere)}},
    };
    size_t count = sizeof table / sizeof *table;
    for (size_t i = 0; i < count && i < capacity; i++) out[i] = table[i];
    return count;
}

static int run_syscall(const char *name) {
    struct call table[128];
    size_t count = calls(table, 128);
    const struct call *call = NULL;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(table[i].name, name) == 0) call = &table[i];
    }
    if (!call) {
        fprintf(stderr, "cjr-sandbox-probe: unknown system call %s (see `cjr-sandbox-probe syscalls`)\n", name);
        return 2;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return refused(errno);
    if (pid == 0) {
        setsid(); // no controlling terminal: vhangup has nothing to hang up
        long a[6];
        memcpy(a, call->args, sizeof a);
        if (call->number == SYS_process_vm_readv || call->number == SYS_process_vm_writev) a[0] = getpid();
        if (call->number == SYS_kcmp) a[0] = a[1] = getpid();
        long result = syscall(call->number, a[0], a[1], a[2], a[3], a[4], a[5]);
        _exit(result < 0 ? (errno & 0xff) : 0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return refused(errno);
    }
    if (WIFSIGNALED(status)) { // die the same way, so the caller sees the signal
        signal(WTERMSIG(status), SIG_DFL);
        raise(WTERMSIG(status));
        return 1;
    }
    int error = WEXITSTATUS(status);
    if (error == 0) return ok();
    if (error == EPERM || error == EACCES || error == ENOSYS) return refused(error);
    printf("ok: %s (%s)\n", error_name(error), strerror(error));
    return 0;
}

static int list_syscalls(void) {
    struct call table[128];
    size_t count = calls(table, 128);
    for (size_t i = 0; i < count; i++) puts(table[i].name);
    return 0;
}

// ---- processes --------------------------------------------------------------------------

static int clone_namespace(const char *which) {
    static const struct { const char *name; unsigned long flag; } flags[] = {
        {"newns", CLONE_NEWNS}, {"newuts", CLONE_NEWUTS}, {"newipc", CLONE_NEWIPC},
        {"newuser", CLONE_NEWUSER}, {"newpid", CLONE_NEWPID}, {"newnet", CLONE_NEWNET},
        {"newcgroup", CLONE_NEWCGROUP},
    };
    unsigned long flag = 0;
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        if (strcmp(which, flags[i].name) == 0) flag = flags[i].flag;
    }
    if (!flag) {
        fprintf(stderr, "cjr-sandbox-probe: clone takes newns, newuts, newipc, newuser, newpid, newnet or newcgroup\n");
        return 2;
    }
    fflush(NULL);
    // The raw call with no new stack behaves like fork; the child leaves at once.
    long pid = syscall(SYS_clone, flag | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) return refused(errno);
    if (pid == 0) syscall(SYS_exit_group, 0);
    int status;
    waitpid((pid_t)pid, &status, 0);
    return ok();
}

static void *thread_body(void *argument) {
    *(int *)argument = 42;
    return NULL;
}

static int thread(void) {
    pthread_t id;
    int value = 0;
    int rc = pthread_create(&id, NULL, thread_body, &value);
    if (rc != 0) return refused(rc);
    pthread_join(id, NULL);
    return value == 42 ? ok() : refused(EIO);
}

static int spawn(void) {
    pid_t pid;
    char *argv[] = {"true", NULL};
    int rc = posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ);
    if (rc != 0) return refused(rc);
    int status;
    if (waitpid(pid, &status, 0) < 0) return refused(errno);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? ok() : refused(ECHILD);
}

static int forks(long wanted) {
    if (wanted <= 0 || wanted > 100000) return usage();
    pid_t *pids = calloc((size_t)wanted, sizeof *pids);
    if (!pids) return refused(ENOMEM);
    fflush(NULL);
    long made = 0;
    int error = 0;
    for (; made < wanted; made++) {
        pid_t pid = fork();
        if (pid < 0) {
            error = errno;
            break;
        }
        if (pid == 0) {
            for (;;) pause();
        }
        pids[made] = pid;
    }
    for (long i = 0; i < made; i++) kill(pids[i], SIGKILL);
    for (long i = 0; i < made; i++) waitpid(pids[i], NULL, 0);
    free(pids);
    if (!error) return ok();
    printf("refused: %s (%s) after %ld\n", error_name(error), strerror(error), made);
    return 1;
}

static int alloc(long mib) {
    if (mib <= 0) return usage();
    for (long i = 0; i < mib; i++) {
        char *chunk = malloc(1 << 20);
        if (!chunk) return refused(ENOMEM);
        memset(chunk, 0x5a, 1 << 20); // touch it: only resident memory counts
        __asm__ volatile("" : : "r"(chunk) : "memory"); // and keep the compiler from eliding it
    }
    return ok();
}

int main(int argc, char **argv) {
    if (argc < 2) return usage();
    const char *command = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(command, "tcp") == 0 && argc == 4) return tcp(argv[2], argv[3]);
    if (strcmp(command, "udp") == 0 && argc == 2) return try_socket(AF_INET, SOCK_DGRAM, 0);
    if (strcmp(command, "raw") == 0 && argc == 2) return try_socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (strcmp(command, "packet") == 0 && argc == 2) return try_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (strcmp(command, "netlink") == 0 && argc == 2) return try_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    if (strcmp(command, "unix") == 0 && argc == 2) return unix_pair();
    if (strcmp(command, "socket32") == 0 && argc == 2) return socket32(false);
    if (strcmp(command, "socketcall32") == 0 && argc == 2) return socket32(true);
    if (strcmp(command, "socketx32") == 0 && argc == 2) return socketx32();
    if (strcmp(command, "syscall") == 0 && argc == 3) return run_syscall(argv[2]);
    if (strcmp(command, "syscalls") == 0 && argc == 2) return list_syscalls();
    if (strcmp(command, "clone") == 0 && argc == 3) return clone_namespace(argv[2]);
    if (strcmp(command, "clone-newuser") == 0 && argc == 2) return clone_namespace("newuser");
    if (strcmp(command, "thread") == 0 && argc == 2) return thread();
    if (strcmp(command, "spawn") == 0 && argc == 2) return spawn();
    if (strcmp(command, "forks") == 0 && argc == 3) return forks(strtol(argv[2], NULL, 10));
    if (strcmp(command, "alloc") == 0 && argc == 3) return alloc(strtol(argv[2], NULL, 10));
    return usage();
}

// Network namespace, seccomp filter installation and the host probe (see isolation.h).
#define _GNU_SOURCE
#include "isolation.h"
#include "contain.h"
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static bool write_text(const char *path, const char *text, char *why, size_t size) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, size, "open %s: %s", path, strerror(errno));
        return false;
    }
    ssize_t length = (ssize_t)strlen(text);
    ssize_t written = write(fd, text, (size_t)length);
    int error = errno;
    close(fd);
    if (written != length) {
        snprintf(why, size, "write %s: %s", path, written < 0 ? strerror(error) : "short write");
        return false;
    }
    return true;
}

bool isolation_map_ids(uid_t uid, gid_t gid, char *why, size_t size) {
    char line[64];
    int fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) close(fd); // absent before Linux 3.19, where no deny is needed
    if (fd >= 0 && !write_text("/proc/self/setgroups", "deny", why, size)) return false;
    snprintf(line, sizeof line, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    if (!write_text("/proc/self/uid_map", line, why, size)) return false;
    snprintf(line, sizeof line, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    return write_text("/proc/self/gid_map", line, why, size);
}

bool isolation_loopback_up(char *why, size_t size) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, size, "socket for lo: %s", strerror(errno));
        return false;
    }
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strcpy(request.ifr_name, "lo");
    bool ok = ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    if (ok) {
        request.ifr_flags |= IFF_UP;
        ok = ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    }
    if (!ok) snprintf(why, size, "bring lo up: %s", strerror(errno));
    close(fd);
    return ok;
}

enum netns_mode isolation_enter_netns(bool through_userns, char *why, size_t size) {
    int plain = EPERM;
    if (!through_userns) {
        if (unshare(CLONE_NEWNET) == 0) return isolation_loopback_up(why, size) ? NETNS_ROOT : NETNS_NONE;
        plain = errno;
    }
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        int error = errno;
        snprintf(why, size, "unshare(CLONE_NEWNET): %s; unshare(CLONE_NEWUSER|CLONE_NEWNET): %s",
                 strerror(plain), strerror(error));
        return NETNS_NONE;
    }
    if (!isolation_map_ids(uid, gid, why, size) || !isolation_loopback_up(why, size)) return NETNS_NONE;
    return NETNS_USERNS;
}

bool isolation_install_filter(const struct sock_fprog *program, char *why, size_t size) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(why, size, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
        return false;
    }
#ifdef SECCOMP_FILTER_FLAG_SPEC_ALLOW
    // Kernels 4.17-5.15 force the speculative-store-bypass mitigation on every seccomp'd
    // process unless told otherwise, slowing numeric code; it guards a process against
    // itself (JIT sandboxes), which is not what this filter is for.
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, program) == 0) return true;
    if (errno != EINVAL) {
        snprintf(why, size, "seccomp(SECCOMP_SET_MODE_FILTER): %s", strerror(errno));
        return false;
    }
#endif
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, program) == 0) return true;
    snprintf(why, size, "seccomp(SECCOMP_SET_MODE_FILTER): %s", strerror(errno));
    return false;
}

/// Forks a child that runs `check` and exits with its result; returns its pid, or -1.
static pid_t start_check(int (*check)(void *), void *context) {
    pid_t pid = fork();
    if (pid == 0) _exit(check(context));
    return pid;
}

/// The child's exit code, or -1 if it could not be forked or did not exit normally.
static int finish_check(pid_t pid) {
    if (pid < 0) return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int check_seccomp(void *context) {
    char why[256];
    if (!isolation_install_filter(context, why, sizeof why)) return 1;
    // getppid cannot fail: an EPERM proves the filter is in force.
    return syscall(SYS_getppid) == -1 && errno == EPERM ? 0 : 1;
}

static int check_netns(void *context) {
    (void)context;
    char why[256];
    return (int)isolation_enter_netns(false, why, sizeof why);
}

static int check_userns(void *context) {
    (void)context;
    char why[256];
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER) != 0) return 1;
    return isolation_map_ids(uid, gid, why, sizeof why) ? 0 : 1;
}

int isolation_probe(void) {
    struct sock_fprog program = {0, NULL};
    bool compiled = policy_compile_text("--probe", "errno EPERM getppid\n", &program);
    fflush(NULL); // children must not flush a copy of the parent's buffers
    // The three checks run side by side; each child lives for well under a millisecond
    // and takes its namespaces with it.
    pid_t seccomp = compiled ? start_check(check_seccomp, &program) : -1;
    pid_t netns = start_check(check_netns, NULL);
    pid_t userns = start_check(check_userns, NULL);
    int seccomp_result = finish_check(seccomp);
    int netns_result = finish_check(netns);
    int userns_result = finish_check(userns);
    const char *contain_reason = NULL;
    int contain_result = contain_probe(&contain_reason);
    free(program.filter);
    printf("seccomp=%s\n", seccomp_result == 0 ? "yes" : "no");
    printf("netns=%s\n", netns_result == NETNS_ROOT ? "root" : netns_result == NETNS_USERNS ? "userns" : "no");
    printf("userns=%s\n", userns_result == 0 ? "yes" : "no");
    printf("contain=%s\n", contain_result == 1 ? "root" : contain_result == 2 ? "userns" : "no");
    if (contain_reason) printf("contain-reason=%s\n", contain_reason);
    return fflush(stdout) == 0 ? 0 : 125;
}

// Seccomp policy files: a small line-based language compiled with libseccomp.
//
//   # comment (to the end of the line); blank lines are ignored
//   default ACTION                  what a call no rule matches gets (default: allow)
//   foreign-abi kill|errno ERRNO    what a call made through another ABI than the
//                                   launcher's own gets, e.g. `int $0x80` from x86_64
//                                   (default: kill)
//   ACTION SYSCALL... [if COND [and COND]...]
//
//   ACTION  allow | errno ERRNO | kill      (kill = kill the whole process, SIGSYS)
//   COND    argN OP VALUE                   OP: == != < <= > >=  (N = 0..5)
//           argN & VALUE                    every bit of VALUE is set in the argument
//           argN & MASK == VALUE            (argument & MASK) == VALUE
//   VALUE   a number (decimal or 0x...), a constant from the table below (CLONE_*,
//           AF_*, SOCK_*), or several of them joined by '|' without spaces.
//
// Words are separated by blanks, operators included. Syscall names are resolved by
// libseccomp for the launcher's own architecture; a name libseccomp does not know at all,
// an unknown constant or errno name, or any malformed line is an error (a name it knows
// but this architecture lacks, like umount on x86_64, matches nothing). All the files
// given are compiled into ONE filter: every rule for one system call must have the same
// action, `default` and `foreign-abi` may be said more than once only with the same
// action, and a rule tests each argument at most once (a libseccomp limit).
#define _GNU_SOURCE
#include "policy.h"

#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

struct symbol {
    const char *name;
    unsigned long long value;
};

#define SYMBOL(x) {#x, (unsigned long long)(x)}

static const struct symbol errno_names[] = {
    SYMBOL(EPERM), SYMBOL(ENOENT), SYMBOL(ESRCH), SYMBOL(EINTR), SYMBOL(EIO), SYMBOL(ENXIO),
    SYMBOL(E2BIG), SYMBOL(ENOEXEC), SYMBOL(EBADF), SYMBOL(ECHILD), SYMBOL(EAGAIN),
    SYMBOL(ENOMEM), SYMBOL(EACCES), SYMBOL(EFAULT), SYMBOL(EBUSY), SYMBOL(EEXIST),
    SYMBOL(EXDEV), SYMBOL(ENODEV), SYMBOL(ENOTDIR), SYMBOL(EISDIR), SYMBOL(EINVAL),
    SYMBOL(ENFILE), SYMBOL(EMFILE), SYMBOL(ENOTTY), SYMBOL(ETXTBSY), SYMBOL(ENOSPC),
    SYMBOL(EROFS), SYMBOL(EPIPE), SYMBOL(ENOSYS), SYMBOL(EOPNOTSUPP), SYMBOL(ENOTSUP),
    SYMBOL(EPROTONOSUPPORT), SYMBOL(ESOCKTNOSUPPORT), SYMBOL(EPFNOSUPPORT),
    SYMBOL(EAFNOSUPPORT), SYMBOL(ENETDOWN), SYMBOL(ENETUNREACH), SYMBOL(ECONNREFUSED),
    SYMBOL(EHOSTUNREACH),
};

static const struct symbol constants[] = {
    // clone(2) flags (argument 0 of clone on x86_64 and arm64; s390 swaps the first two).
    SYMBOL(CLONE_VM), SYMBOL(CLONE_FS), SYMBOL(CLONE_FILES), SYMBOL(CLONE_SIGHAND),
    SYMBOL(CLONE_PIDFD), SYMBOL(CLONE_PTRACE), SYMBOL(CLONE_VFORK), SYMBOL(CLONE_PARENT),
    SYMBOL(CLONE_THREAD), SYMBOL(CLONE_SYSVSEM), SYMBOL(CLONE_SETTLS),
    SYMBOL(CLONE_PARENT_SETTID), SYMBOL(CLONE_CHILD_CLEARTID), SYMBOL(CLONE_UNTRACED),
    SYMBOL(CLONE_CHILD_SETTID), SYMBOL(CLONE_IO),
    SYMBOL(CLONE_NEWNS), SYMBOL(CLONE_NEWCGROUP), SYMBOL(CLONE_NEWUTS), SYMBOL(CLONE_NEWIPC),
    SYMBOL(CLONE_NEWUSER), SYMBOL(CLONE_NEWPID), SYMBOL(CLONE_NEWNET),
    {"CLONE_NEWTIME", 0x00000080ULL}, // unshare(2) and clone3(2) only
    // Socket address families (argument 0 of socket and socketpair).
    SYMBOL(AF_UNSPEC), SYMBOL(AF_UNIX), SYMBOL(AF_LOCAL), SYMBOL(AF_INET), SYMBOL(AF_INET6),
    SYMBOL(AF_NETLINK), SYMBOL(AF_PACKET), SYMBOL(AF_KEY), SYMBOL(AF_BLUETOOTH),
    SYMBOL(AF_CAN), SYMBOL(AF_TIPC), SYMBOL(AF_ALG), SYMBOL(AF_VSOCK), SYMBOL(AF_XDP),
    SYMBOL(AF_RDS), SYMBOL(AF_APPLETALK), SYMBOL(AF_X25), SYMBOL(AF_AX25), SYMBOL(AF_IPX),
    // Socket types (argument 1).
    SYMBOL(SOCK_STREAM), SYMBOL(SOCK_DGRAM), SYMBOL(SOCK_RAW), SYMBOL(SOCK_SEQPACKET),
    SYMBOL(SOCK_NONBLOCK), SYMBOL(SOCK_CLOEXEC),
};

static const struct symbol *find_symbol(const struct symbol *table, size_t count, const char *name) {
    for (size_t i = 0; i < count; i++) {
        if (strcmp(table[i].name, name) == 0) return &table[i];
    }
    return NULL;
}

enum { MAX_CONDITIONS = 6, MAX_WORDS = 256 };

struct rule {
    const char *file;
    int line;
    char syscall_name[64];
    int syscall;
    uint32_t action;
    unsigned conditions;
    struct scmp_arg_cmp condition[MAX_CONDITIONS];
};

struct setting {
    bool set;
    uint32_t action;
    const char *file;
    int line;
};

struct policy {
    struct rule *rules;
    size_t count, capacity;
    struct setting fallback;    // `default`
    struct setting foreign_abi; // `foreign-abi`
};

static bool fail(const char *file, int line, const char *format, ...) __attribute__((format(printf, 3, 4)));

static bool fail(const char *file, int line, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    if (line > 0) fprintf(stderr, "cjr-launch: %s:%d: ", file, line);
    else fprintf(stderr, "cjr-launch: %s: ", file);
    vfprintf(stderr, format, arguments);
    fputc('\n', stderr);
    va_end(arguments);
    return false;
}

/// A number or constants joined by '|'.
static bool parse_value(const char *word, unsigned long long *value, const char *file, int line) {
    char buffer[256];
    if (strlen(word) >= sizeof buffer) return fail(file, line, "value too long: %s", word);
    strcpy(buffer, word);
    *value = 0;
    char *save = NULL;
    int parts = 0;
    for (char *part = strtok_r(buffer, "|", &save); part; part = strtok_r(NULL, "|", &save), parts++) {
        if (part[0] >= '0' && part[0] <= '9') {
            char *end;
            errno = 0;
            unsigned long long number = strtoull(part, &end, 0);
            if (*end || errno) return fail(file, line, "not a number: %s", part);
            *value |= number;
        } else {
            const struct symbol *symbol = find_symbol(constants, sizeof constants / sizeof *constants, part);
            if (!symbol) return fail(file, line, "unknown constant %s", part);
            *value |= symbol->value;
        }
    }
    if (parts == 0 || word[0] == '|' || word[strlen(word) - 1] == '|' || strstr(word, "||")) {
        return fail(file, line, "malformed value %s", word);
    }
    return true;
}

/// ACTION at words[*at]; advances *at past it.
static bool parse_action(char **words, int count, int *at, uint32_t *action, const char *file, int line) {
    const char *word = words[*at];
    if (strcmp(word, "allow") == 0) {
        *action = SCMP_ACT_ALLOW;
        *at += 1;
        return true;
    }
    if (strcmp(word, "kill") == 0) {
        *action = SCMP_ACT_KILL_PROCESS;
        *at += 1;
        return true;
    }
    if (strcmp(word, "errno") == 0) {
        if (*at + 1 >= count) return fail(file, line, "errno needs an error name, e.g. errno EPERM");
        const char *name = words[*at + 1];
        unsigned long long number;
        const struct symbol *symbol = find_symbol(errno_names, sizeof errno_names / sizeof *errno_names, name);
        if (symbol) number = symbol->value;
        else if (name[0] >= '0' && name[0] <= '9') {
            char *end;
            number = strtoull(name, &end, 10);
            if (*end || number == 0 || number > 4095) return fail(file, line, "bad errno value %s", name);
        } else return fail(file, line, "unknown errno name %s", name);
        *action = SCMP_ACT_ERRNO((uint32_t)number);
        *at += 2;
        return true;
    }
    return fail(file, line, "unknown action %s (expected allow, errno ERRNO or kill)", word);
}

static bool parse_condition(char **words, int count, int *at, struct scmp_arg_cmp *condition, const char *file, int line) {
    if (*at >= count) return fail(file, line, "missing condition after %s", words[*at - 1]);
    const char *argument = words[*at];
    if (strncmp(argument, "arg", 3) != 0 || argument[3] < '0' || argument[3] > '5' || argument[4]) {
        return fail(file, line, "expected arg0 .. arg5, found %s", argument);
    }
    if (*at + 2 >= count) return fail(file, line, "incomplete condition (expected argN OP VALUE)");
    condition->arg = (unsigned)(argument[3] - '0');
    const char *op = words[*at + 1];
    unsigned long long value;
    if (!parse_value(words[*at + 2], &value, file, line)) return false;
    *at += 3;
    static const struct { const char *name; enum scmp_compare op; } ops[] = {
        {"==", SCMP_CMP_EQ}, {"!=", SCMP_CMP_NE}, {"<", SCMP_CMP_LT},
        {"<=", SCMP_CMP_LE}, {">", SCMP_CMP_GT}, {">=", SCMP_CMP_GE},
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (strcmp(op, ops[i].name) == 0) {
            condition->op = ops[i].op;
            condition->datum_a = value;
            condition->datum_b = 0;
            return true;
        }
    }
    if (strcmp(op, "&") != 0) return fail(file, line, "unknown operator %s (expected == != < <= > >= or &)", op);
    condition->op = SCMP_CMP_MASKED_EQ;
    condition->datum_a = value; // the mask
    condition->datum_b = value; // every bit of it set
    if (*at < count && strcmp(words[*at], "==") == 0) {
        if (*at + 1 >= count) return fail(file, line, "missing value after ==");
        unsigned long long expected;
        if (!parse_value(words[*at + 1], &expected, file, line)) return false;
        condition->datum_b = expected;
        *at += 2;
        if (condition->datum_b & ~value) return fail(file, line, "condition can never match: value has bits outside the mask");
    }
    if (value == 0) return fail(file, line, "a mask of 0 tests nothing");
    return true;
}

static bool add_rule(struct policy *policy, const struct rule *rule) {
    // libseccomp gives no clear meaning to a call that matches rules with different
    // actions, so every rule for one system call must share its action.
    for (size_t i = 0; i < policy->count; i++) {
        const struct rule *other = &policy->rules[i];
        if (other->syscall == rule->syscall && other->action != rule->action) {
            return fail(rule->file, rule->line, "%s: conflicts with %s:%d (all rules for one system call must have the same action)",
                        rule->syscall_name, other->file, other->line);
        }
    }
    if (policy->count == policy->capacity) {
        size_t capacity = policy->capacity ? policy->capacity * 2 : 64;
        struct rule *rules = realloc(policy->rules, capacity * sizeof *rules);
        if (!rules) return fail(rule->file, rule->line, "out of memory");
        policy->rules = rules;
        policy->capacity = capacity;
    }
    policy->rules[policy->count++] = *rule;
    return true;
}

static bool set_once(struct setting *setting, const char *what, uint32_t action, const char *file, int line) {
    if (setting->set && setting->action != action) {
        return fail(file, line, "%s conflicts with %s:%d", what, setting->file, setting->line);
    }
    if (!setting->set) *setting = (struct setting){.set = true, .action = action, .file = file, .line = line};
    return true;
}

static bool parse_line(struct policy *policy, char *text, const char *file, int line) {
    char *hash = strchr(text, '#');
    if (hash) *hash = 0;
    char *words[MAX_WORDS];
    int count = 0;
    char *save = NULL;
    for (char *word = strtok_r(text, " \t\r\n\v\f", &save); word; word = strtok_r(NULL, " \t\r\n\v\f", &save)) {
        if (count == MAX_WORDS) return fail(file, line, "too many words on one line (at most %d)", MAX_WORDS);
        words[count++] = word;
    }
    if (count == 0) return true;

    int at = 0;
    if (strcmp(words[0], "default") == 0 || strcmp(words[0], "foreign-abi") == 0) {
        bool is_default = words[0][0] == 'd';
        at = 1;
        if (count < 2) return fail(file, line, "%s needs an action", words[0]);
        uint32_t action;
        if (!parse_action(words, count, &at, &action, file, line)) return false;
        if (at != count) return fail(file, line, "unexpected %s after the action", words[at]);
        if (!is_default && action == SCMP_ACT_ALLOW) {
            return fail(file, line, "foreign-abi allow would let any call bypass every rule; use kill or errno");
        }
        return set_once(is_default ? &policy->fallback : &policy->foreign_abi, words[0], action, file, line);
    }

    struct rule rule;
    memset(&rule, 0, sizeof rule);
    rule.file = file;
    rule.line = line;
    if (!parse_action(words, count, &at, &rule.action, file, line)) return false;
    int first_syscall = at;
    while (at < count && strcmp(words[at], "if") != 0) at++;
    int end_syscalls = at;
    if (end_syscalls == first_syscall) return fail(file, line, "no system call named");
    if (at < count) { // "if"
        at++;
        for (;;) {
            if (rule.conditions == MAX_CONDITIONS) return fail(file, line, "too many conditions (at most %d)", MAX_CONDITIONS);
            struct scmp_arg_cmp *condition = &rule.condition[rule.conditions];
            if (!parse_condition(words, count, &at, condition, file, line)) return false;
            for (unsigned i = 0; i < rule.conditions; i++) {
                if (rule.condition[i].arg == condition->arg) {
                    return fail(file, line, "arg%u is tested twice: libseccomp allows one test per argument in a rule", condition->arg);
                }
            }
            rule.conditions++;
            if (at == count) break;
            if (strcmp(words[at], "and") != 0) return fail(file, line, "expected 'and' or the end of the line, found %s", words[at]);
            at++;
        }
    }
    for (int i = first_syscall; i < end_syscalls; i++) {
        const char *name = words[i];
        int number = seccomp_syscall_resolve_name(name);
        if (number == __NR_SCMP_ERROR) return fail(file, line, "unknown system call %s", name);
        if (strlen(name) >= sizeof rule.syscall_name) return fail(file, line, "system call name too long: %s", name);
        strcpy(rule.syscall_name, name);
        rule.syscall = number;
        if (!add_rule(policy, &rule)) return false;
    }
    return true;
}

static bool parse_text(struct policy *policy, const char *file, char *text) {
    int line = 1;
    for (char *start = text; start && *start; line++) {
        char *newline = strchr(start, '\n');
        if (newline) *newline = 0;
        if (!parse_line(policy, start, file, line)) return false;
        start = newline ? newline + 1 : NULL;
    }
    return true;
}

static char *read_all(const char *path) {
    FILE *stream = fopen(path, "re");
    if (!stream) {
        fail(path, 0, "%s", strerror(errno));
        return NULL;
    }
    size_t length = 0, capacity = 4096;
    char *text = malloc(capacity);
    while (text) {
        length += fread(text + length, 1, capacity - length - 1, stream);
        if (ferror(stream)) {
            fail(path, 0, "%s", strerror(errno));
            break;
        }
        if (feof(stream)) {
            text[length] = 0;
            if (strlen(text) == length) {
                fclose(stream);
                return text;
            }
            fail(path, 0, "contains a NUL byte: not a policy file");
            break;
        }
        capacity *= 2;
        char *bigger = realloc(text, capacity);
        if (!bigger) free(text);
        text = bigger;
    }
    if (!text) fail(path, 0, "out of memory");
    free(text);
    fclose(stream);
    return NULL;
}

/// Builds the libseccomp filter from the parsed rules and exports it as BPF.
static bool compile(struct policy *policy, const char *where, struct sock_fprog *program) {
    uint32_t fallback = policy->fallback.set ? policy->fallback.action : SCMP_ACT_ALLOW;
    uint32_t foreign = policy->foreign_abi.set ? policy->foreign_abi.action : SCMP_ACT_KILL_PROCESS;
    scmp_filter_ctx filter = seccomp_init(fallback);
    if (!filter) return fail(where, 0, "seccomp_init failed (is the kernel built with seccomp?)");
    bool ok = false;
    int rc = seccomp_attr_set(filter, SCMP_FLTATR_ACT_BADARCH, foreign);
    if (rc < 0) {
        const struct setting *s = &policy->foreign_abi;
        fail(s->set ? s->file : where, s->set ? s->line : 0, "foreign-abi action not supported here: %s", strerror(-rc));
        goto done;
    }
    // A binary tree of syscall numbers instead of a linear list: fewer BPF instructions per
    // call. Older libseccomp lacks it; the filter is the same, only slower.
    (void)seccomp_attr_set(filter, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    for (size_t i = 0; i < policy->count; i++) {
        const struct rule *rule = &policy->rules[i];
        if (rule->action == fallback) {
            fail(rule->file, rule->line, "rule for %s has the default action: it would do nothing", rule->syscall_name);
            goto done;
        }
        rc = seccomp_rule_add_array(filter, rule->action, rule->syscall, rule->conditions, rule->condition);
        if (rc < 0) {
            fail(rule->file, rule->line, "%s: libseccomp refused the rule: %s%s", rule->syscall_name, strerror(-rc),
                 rc == -EEXIST ? " (another rule for this call conflicts with it)" : "");
            goto done;
        }
    }
    int fd = memfd_create("cjr-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        fail(where, 0, "memfd_create: %s", strerror(errno));
        goto done;
    }
    rc = seccomp_export_bpf(filter, fd);
    off_t size = lseek(fd, 0, SEEK_END);
    if (rc < 0 || size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
        size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS) {
        fail(where, 0, "cannot generate the BPF program: %s", rc < 0 ? strerror(-rc) : "bad or oversized program");
        close(fd);
        goto done;
    }
    struct sock_filter *code = malloc((size_t)size);
    if (!code || pread(fd, code, (size_t)size, 0) != size) {
        fail(where, 0, "cannot read the BPF program back");
        free(code);
        close(fd);
        goto done;
    }
    close(fd);
    program->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
    program->filter = code;
    ok = true;
done:
    seccomp_release(filter);
    return ok;
}

bool policy_compile_files(const char *const *paths, int count, struct sock_fprog *program) {
    struct policy policy;
    memset(&policy, 0, sizeof policy);
    bool ok = true;
    for (int i = 0; i < count && ok; i++) {
        char *text = read_all(paths[i]);
        ok = text && parse_text(&policy, paths[i], text);
        free(text);
    }
    ok = ok && compile(&policy, count > 0 ? paths[0] : "seccomp", program);
    free(policy.rules);
    return ok;
}

bool policy_compile_text(const char *name, const char *text, struct sock_fprog *program) {
    struct policy policy;
    memset(&policy, 0, sizeof policy);
    char *copy = strdup(text);
    bool ok = copy && parse_text(&policy, name, copy) && compile(&policy, name, program);
    free(copy);
    free(policy.rules);
    return ok;
}

// Seccomp policy files (sandbox/seccomp/*.policy) compiled into one BPF program.
// The grammar is documented in sandbox/README.md and at the top of each policy file.
#ifndef CJR_POLICY_H
#define CJR_POLICY_H

#include <linux/filter.h>
#include <stdbool.h>

/// Parses every file in order and compiles all their statements into ONE filter, returned
/// as a ready-to-install BPF program (its `filter` is heap memory the caller keeps).
/// On any error prints `cjr-launch: FILE:LINE: message` (or `cjr-launch: FILE: message`
/// for an unreadable file) to stderr and returns false.
bool policy_compile_files(const char *const *paths, int count, struct sock_fprog *program);

/// The same from text in memory; `name` stands for the file name in messages.
bool policy_compile_text(const char *name, const char *text, struct sock_fprog *program);

#endif

// Process-wide settings Swift cannot reach directly (variadic C calls).
#ifndef CJR_HOST_H
#define CJR_HOST_H

/// Makes this process non-dumpable: its /proc files (memory, environment, file
/// descriptors) become root-only, so a job running as the same user cannot read the
/// server's memory, where its API tokens live. Returns 0 on success.
int cjr_set_undumpable(void);

#endif
